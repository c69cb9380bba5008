using System.Security.Cryptography.X509Certificates;

namespace Collectives.Transport;

/// <summary>
/// TLS 1.3 for every connection of a run (control, data, shared state). Every peer is both a client (it dials) and a
/// server (it accepts), so each process has one certificate with its private key, used in both roles, and one notion
/// of whom it trusts. Immutable; set it on <see cref="TransportOptions.Tls"/> of the master and of every peer.
/// </summary>
/// <remarks>
/// Trust, in order of precedence: <see cref="PinnedCertificates"/> (the other side must present exactly one of these
/// certificates), else <see cref="TrustedRoots"/> (its certificate must chain to one of these, typically a private
/// CA of the run, system roots ignored), else the operating system's trust store. Peers are dialled by IP address,
/// so host names are only checked when <see cref="ServerName"/> is set. Certificates with an extended-key-usage
/// extension must allow both server and client authentication. TLS and the run secret combine: the secret's
/// handshake then runs inside TLS.
/// </remarks>
public sealed record TlsOptions
{
    /// <summary>This process's certificate; it must carry its private key. Presented when accepting and, for mutual
    /// authentication, when dialling.</summary>
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>Roots (and intermediates) the other side's certificate must chain to; replaces the system trust store.</summary>
    public X509Certificate2Collection? TrustedRoots { get; init; }

    /// <summary>The only certificates accepted from the other side (compared by SHA-256 of their encoding); chains and
    /// expiry are not consulted. Takes precedence over <see cref="TrustedRoots"/>.</summary>
    public X509Certificate2Collection? PinnedCertificates { get; init; }

    /// <summary>Accepting sides demand a certificate from the dialling side (mutual authentication). Default true:
    /// without it anyone can connect, and only the run secret (if any) keeps strangers out.</summary>
    public bool RequireClientCertificate { get; init; } = true;

    /// <summary>Host name sent as SNI and required in the certificate of every listener this process dials. Null
    /// (default): no name check, because peers are reached by IP address and trust comes from the roots or pins.</summary>
    public string? ServerName { get; init; }

    /// <summary>Validates the settings.</summary>
    /// <exception cref="ArgumentException">The certificate has no private key, or a trust collection is empty.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Certificate);
        if (!Certificate.HasPrivateKey)
        {
            throw new ArgumentException("the TLS certificate must carry its private key", nameof(Certificate));
        }

        if (TrustedRoots is { Count: 0 })
        {
            throw new ArgumentException("TrustedRoots is empty: nothing would be trusted (leave it null for the system store)", nameof(TrustedRoots));
        }

        if (PinnedCertificates is { Count: 0 })
        {
            throw new ArgumentException("PinnedCertificates is empty: nothing would be trusted (leave it null to use roots)", nameof(PinnedCertificates));
        }
    }
}
