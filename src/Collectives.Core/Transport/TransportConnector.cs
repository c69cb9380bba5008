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
        BufferedReceiver? receiver = null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ConnectTimeout);
        try
        {
            SocketSetup.Configure(socket, options);
            await socket.ConnectAsync(remote, deadline.Token).ConfigureAwait(false);
            receiver = new BufferedReceiver(new SocketByteSource(socket), options.ReceiveBufferSize);
            Guid responder = await HandshakeExchange.RunClientAsync(socket, receiver, hello, options.Secret, failureCode, remote.ToString(), deadline.Token)
                .ConfigureAwait(false);
            return new FramedConnection(socket, receiver, options, hello, responder, isInitiator: true);
        }
        catch (Exception e)
        {
            receiver?.Dispose();
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
}
