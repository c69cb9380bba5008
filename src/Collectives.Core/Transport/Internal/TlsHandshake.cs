using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Collectives.Transport.Internal;

/// <summary>
/// Opens a connection's byte stream: the socket itself without TLS, otherwise an <see cref="SslStream"/> after a
/// TLS 1.3 handshake in which both sides check each other's certificate under <see cref="TlsOptions"/>.
/// </summary>
internal static class TlsHandshake
{
    // Building a certificate context walks the chain; do it once per certificate, not per connection.
    private static readonly ConditionalWeakTable<X509Certificate2, SslStreamCertificateContext> Contexts = new();

    /// <summary>Dialling side.</summary>
    /// <exception cref="ConnectionLostException">The TLS handshake failed (code AuthenticationFailed).</exception>
    public static async Task<IByteStream> ClientAsync(Socket socket, TlsOptions? tls, string remote, CancellationToken token)
    {
        if (tls is null)
        {
            return new SocketStream(socket);
        }

        var check = new CertificateCheck(tls, certificateRequired: true, checkName: tls.ServerName is not null);
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = tls.ServerName ?? string.Empty,
                EnabledSslProtocols = SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                ClientCertificateContext = ContextOf(tls.Certificate),
                RemoteCertificateValidationCallback = check.Validate,
            }, token).ConfigureAwait(false);
            return new TlsStream(socket, ssl);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new ConnectionLostException(ErrorCode.AuthenticationFailed,
                $"TLS handshake with {remote} failed: {check.Failure ?? e.Message}", e);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Accepting side.</summary>
    /// <exception cref="ConnectionLostException">The TLS handshake failed (code AuthenticationFailed).</exception>
    public static async Task<IByteStream> ServerAsync(Socket socket, TlsOptions? tls, CancellationToken token)
    {
        if (tls is null)
        {
            return new SocketStream(socket);
        }

        var check = new CertificateCheck(tls, certificateRequired: tls.RequireClientCertificate, checkName: false);
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = ContextOf(tls.Certificate),
                ClientCertificateRequired = tls.RequireClientCertificate,
                EnabledSslProtocols = SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = check.Validate,
            }, token).ConfigureAwait(false);
            return new TlsStream(socket, ssl);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            // A refused certificate is an authentication failure; anything else (garbage, a plain client) is a broken handshake.
            throw check.Failure is { } failure
                ? new ConnectionLostException(ErrorCode.AuthenticationFailed, $"TLS: {failure}", e)
                : new ProtocolViolationException($"TLS handshake failed: {e.Message}", e);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static SslStreamCertificateContext ContextOf(X509Certificate2 certificate) =>
        Contexts.GetValue(certificate, static c => SslStreamCertificateContext.Create(c, additionalCertificates: null, offline: true));
}
