using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Collectives.Transport.Internal;

/// <summary>
/// Decides whether the other side's certificate is trusted under <see cref="TlsOptions"/>: pins first, then the run's
/// own roots, then the system store. Keeps the reason of a refusal, which the TLS stack itself does not report.
/// </summary>
internal sealed class CertificateCheck(TlsOptions tls, bool certificateRequired, bool checkName)
{
    /// <summary>Why the last certificate was refused; null while none was.</summary>
    public string? Failure { get; private set; }

    public bool Validate(object sender, X509Certificate? presented, X509Chain? chain, SslPolicyErrors errors)
    {
        Failure = Check(presented, chain, errors);
        return Failure is null;
    }

    private string? Check(X509Certificate? presented, X509Chain? chain, SslPolicyErrors errors)
    {
        if (presented is null)
        {
            return certificateRequired ? "no certificate was presented" : null;
        }

        if (checkName && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return $"the certificate '{presented.Subject}' does not match the server name '{tls.ServerName}'";
        }

        using var certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        if (tls.PinnedCertificates is { } pins)
        {
            return IsPinned(certificate, pins) ? null : $"the certificate '{certificate.Subject}' is not one of the pinned certificates";
        }

        if (tls.TrustedRoots is { } roots)
        {
            return ChainsTo(certificate, roots, chain);
        }

        SslPolicyErrors relevant = checkName ? errors : errors & ~SslPolicyErrors.RemoteCertificateNameMismatch;
        return relevant == SslPolicyErrors.None ? null : $"the certificate '{certificate.Subject}' is not trusted by the system ({relevant})";
    }

    private static bool IsPinned(X509Certificate2 certificate, X509Certificate2Collection pins)
    {
        Span<byte> presented = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> pinned = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(certificate.RawDataMemory.Span, presented);
        foreach (X509Certificate2 pin in pins)
        {
            SHA256.HashData(pin.RawDataMemory.Span, pinned);
            if (presented.SequenceEqual(pinned))
            {
                return true;
            }
        }

        return false;
    }

    private static string? ChainsTo(X509Certificate2 certificate, X509Certificate2Collection roots, X509Chain? presentedChain)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        // Intermediates the other side sent along with its certificate.
        if (presentedChain is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(presentedChain.ChainPolicy.ExtraStore);
        }

        if (chain.Build(certificate))
        {
            return null;
        }

        string status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        return $"the certificate '{certificate.Subject}' does not chain to a trusted root ({status})";
    }
}
