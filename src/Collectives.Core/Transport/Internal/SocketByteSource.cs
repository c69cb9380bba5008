using System.Net.Sockets;

namespace Collectives.Transport.Internal;

/// <summary>The production <see cref="IByteSource"/>.</summary>
internal sealed class SocketByteSource(Socket socket) : IByteSource
{
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
}
