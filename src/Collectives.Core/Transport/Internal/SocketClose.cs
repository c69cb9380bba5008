using System.Net.Sockets;

namespace Collectives.Transport.Internal;

internal static class SocketClose
{
    /// <summary>Shuts down both directions (so the other side sees the end at once) and closes.</summary>
    public static void Abort(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }

        socket.Close();
    }
}
