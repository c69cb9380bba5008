using System.Net;
using System.Net.Sockets;
using Collectives.Transport.Internal;

namespace Collectives.Transport;

/// <summary>Dials a listener and performs the handshake, within one deadline.</summary>
public static class TransportConnector
{
    /// <summary>
    /// Connects to <paramref name="remote"/>, sends <paramref name="hello"/> and waits for the reply. The returned
    /// connection is not started yet. Everything (dial + handshake) is bounded by <see cref="TransportOptions.ConnectTimeout"/>.
    /// </summary>
    /// <exception cref="ConnectionLostException">Unreachable, refused, timed out, or the handshake failed; code <paramref name="failureCode"/>.</exception>
    public static async Task<FramedConnection> ConnectAsync(
        IPEndPoint remote, HandshakeHello hello, TransportOptions options, ErrorCode failureCode, CancellationToken cancellationToken)
    {
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        IByteStream? stream = null;
        BufferedReceiver? receiver = null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ConnectTimeout);
        try
        {
            SocketSetup.Configure(socket, options);
            await socket.ConnectAsync(remote, deadline.Token).ConfigureAwait(false);
            stream = await TlsHandshake.ClientAsync(socket, options.Tls, remote.ToString(), deadline.Token).ConfigureAwait(false);
            receiver = new BufferedReceiver(stream, options.ReceiveBufferSize);
            Guid responder = await RunHandshakeAsync(stream, receiver, hello, options, failureCode, remote, deadline.Token).ConfigureAwait(false);
            return new FramedConnection(socket, stream, receiver, options, hello, responder, isInitiator: true);
        }
        catch (Exception e)
        {
            receiver?.Dispose();
            stream?.Release();
            socket.Dispose();
            if (e is ConnectionLostException)
            {
                throw;
            }

            string why = e is OperationCanceledException && !cancellationToken.IsCancellationRequested
                ? $"timed out after {options.ConnectTimeout.TotalMilliseconds:F0} ms"
                : e.Message;
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new ConnectionLostException(failureCode, $"could not connect to {remote} ({hello.Purpose}): {why}", e);
        }
    }

    private static async Task<Guid> RunHandshakeAsync(IByteStream stream, BufferedReceiver receiver, HandshakeHello hello, TransportOptions options,
        ErrorCode failureCode, IPEndPoint remote, CancellationToken token)
    {
        try
        {
            return await HandshakeExchange.RunClientAsync(stream, receiver, hello, options.Secret, failureCode, remote.ToString(), token)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (options.Tls is not null && e is IOException)
        {
            // In TLS 1.3 the listener checks our certificate only after our side of the TLS handshake is done, so its
            // refusal shows up here, as the connection ending before the listener said a word.
            throw new ConnectionLostException(ErrorCode.AuthenticationFailed,
                $"{remote} closed the TLS connection before the handshake; most likely it does not trust our certificate ({e.Message})", e);
        }
    }
}
