using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Collectives.Benchmarks;

/// <summary>
/// The raw-socket baseline of the benchmarks: one loopback TCP connection moving buffers into buffers with plain
/// send/receive calls and no framing. The shared-state benchmark moves a donor's tensors into the joiner's tensors —
/// the very memory the sync then moves.
/// </summary>
/// <remarks>
/// Using the same memory matters on this machine: the first time the kernel copies from or into a page costs far more
/// than later copies (seen as the first sync after allocating the state running 3–8× slower than the next ones, all of
/// the extra time inside the kernel's copy routines), so a baseline over freshly allocated buffers measures page warm-up
/// rather than the socket, and swung between 0.2 and 1.3 GB/s from one call to the next.
/// </remarks>
internal static class RawSocketCopy
{
    /// <summary>Moves every source tensor into the destination tensor of the same index; returns GB/s (10^9 bytes/s).</summary>
    public static async Task<double> MoveAsync(IReadOnlyList<Memory<byte>> sources, IReadOnlyList<Memory<byte>> destinations)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Task<Socket> accepting = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        using Socket server = await accepting;
        server.NoDelay = true;

        async Task Receive()
        {
            foreach (Memory<byte> destination in destinations)
            {
                for (int got = 0; got < destination.Length;)
                {
                    got += await server.ReceiveAsync(destination[got..], SocketFlags.None);
                }
            }
        }

        async Task Send()
        {
            foreach (Memory<byte> source in sources)
            {
                for (int sent = 0; sent < source.Length;)
                {
                    sent += await client.SendAsync(source[sent..], SocketFlags.None);
                }
            }
        }

        long bytes = sources.Sum(s => (long)s.Length);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Task.Run(Receive), Task.Run(Send));
        return bytes / clock.Elapsed.TotalSeconds / 1e9;
    }
}
