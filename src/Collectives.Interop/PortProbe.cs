using System.Net;
using System.Net.Sockets;

namespace Collectives.Interop;

/// <summary>
/// Tells whether something already listens on a fixed port. The library's listener sets .NET's ReuseAddress, which on
/// Linux also sets SO_REUSEPORT, so a second listener on a taken port binds successfully and silently shares the
/// port. PCCL reports a taken port as a failed run; probing with plain SO_REUSEADDR first restores that (the probe
/// still binds over TIME_WAIT leftovers of a previous master, so restarting on the same port works).
/// </summary>
internal static class PortProbe
{
    // Linux values of SOL_SOCKET and SO_REUSEADDR; the NativeAOT library is built for linux-x64 only.
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;

    /// <summary>Throws when <paramref name="endPoint"/> has a fixed port that another socket listens on.</summary>
    /// <exception cref="SocketException">The port is taken (AddressAlreadyInUse) or the address is not local.</exception>
    public static void ThrowIfTaken(IPEndPoint endPoint)
    {
        if (endPoint.Port == 0 || !OperatingSystem.IsLinux())
        {
            return;
        }

        using var probe = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        probe.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        probe.Bind(endPoint);
    }
}
