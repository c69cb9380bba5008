using System.Net.Sockets;

namespace Collectives.Transport.Internal;

internal static class SocketSetup
{
    /// <summary>Low latency (no Nagle) and dead-peer detection by the kernel even when the application is idle.</summary>
    public static void Configure(Socket socket, TransportOptions options)
    {
        socket.NoDelay = true;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        TrySet(socket, SocketOptionName.TcpKeepAliveTime, 10);
        TrySet(socket, SocketOptionName.TcpKeepAliveInterval, 3);
        TrySet(socket, SocketOptionName.TcpKeepAliveRetryCount, 3);
        if (options.SocketBufferSize > 0)
        {
            socket.SendBufferSize = options.SocketBufferSize;
            socket.ReceiveBufferSize = options.SocketBufferSize;
        }
    }

    private static void TrySet(Socket socket, SocketOptionName name, int value)
    {
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Tcp, name, value);
        }
        catch (SocketException)
        {
            // Not every platform has every keepalive knob; TCP keepalive itself is still on.
        }
    }
}
