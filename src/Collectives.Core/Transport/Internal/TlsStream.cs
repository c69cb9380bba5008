using System.Net.Security;
using System.Net.Sockets;

namespace Collectives.Transport.Internal;

/// <summary>The TLS <see cref="IByteStream"/>: an authenticated <see cref="SslStream"/> over the connection's socket.</summary>
internal sealed class TlsStream(Socket socket, SslStream ssl) : IByteStream
{
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) => ssl.ReadAsync(buffer, cancellationToken);

    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => ssl.WriteAsync(data, cancellationToken);

    // Closing the socket under the SslStream makes its pending reads and writes fail; the TLS state itself is only
    // freed in Release, once nobody is inside it any more.
    public void Abort() => SocketClose.Abort(socket);

    public void Release()
    {
        ssl.Dispose();
        socket.Dispose();
    }
}
