using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Collectives.Transport;

namespace Collectives.Tests.Security;

/// <summary>Throw-away certificate authorities and leaf certificates made in memory (nothing is written to disk).</summary>
internal static class TestCertificates
{
    private static readonly DateTimeOffset NotBefore = DateTimeOffset.UtcNow.AddDays(-1);
    private static readonly DateTimeOffset NotAfter = DateTimeOffset.UtcNow.AddDays(7);

    /// <summary>A self-signed CA certificate with its key.</summary>
    public static X509Certificate2 CreateAuthority(string name)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using X509Certificate2 created = request.CreateSelfSigned(NotBefore, NotAfter);
        return Reload(created);
    }

    /// <summary>A leaf certificate (server and client use, DNS name <paramref name="name"/>) with its key, issued by <paramref name="issuer"/>.</summary>
    public static X509Certificate2 Issue(X509Certificate2 issuer, string name)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        CertificateRequest request = LeafRequest(name, key);
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using X509Certificate2 signed = request.Create(issuer, NotBefore, NotAfter, serial);
        using X509Certificate2 withKey = signed.CopyWithPrivateKey(key);
        return Reload(withKey);
    }

    /// <summary>A self-signed leaf certificate with its key (for pinning).</summary>
    public static X509Certificate2 SelfSigned(string name)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 created = LeafRequest(name, key).CreateSelfSigned(NotBefore, NotAfter);
        return Reload(created);
    }

    /// <summary>TLS options of a run member: its own certificate, trusting <paramref name="authority"/>, mutual authentication.</summary>
    public static TlsOptions Trusting(X509Certificate2 authority, X509Certificate2 own) => new()
    {
        Certificate = own,
        TrustedRoots = [authority],
    };

    private static CertificateRequest LeafRequest(string name, ECDsa key)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        request.CertificateExtensions.Add(names.Build());
        return request;
    }

    // Through PKCS#12 and back: a certificate whose key is persisted the way the TLS stack expects on every platform.
    private static X509Certificate2 Reload(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
}
