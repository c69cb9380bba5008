using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Collectives.Tests.NetEmulation;

/// <summary>
/// Measures steady-state throughput from clients to a listener: every client sends as fast as it can; the receiver
/// counts bytes, and the rate is taken over a window that starts after a warm-up (so token-bucket bursts and slow
/// start are not counted).
/// </summary>
internal static class ThroughputProbe
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    /// <summary>Bytes per second over <paramref name="window"/>, all connections together.</summary>
    /// <param name="listener">A listening socket (in whatever namespace); the probe accepts from it and disposes nothing.</param>
    /// <param name="target">Where clients dial (the listener, or a relay in front of it).</param>
    /// <param name="createClient">Makes one unconnected client socket (in whatever namespace).</param>
    public static async Task<double> MeasureAsync(Socket listener, IPEndPoint target, Func<Socket> createClient, int connections, TimeSpan warmUp, TimeSpan window)
    {
        using var stop = new CancellationTokenSource(Bound);
        long received = 0;
        var clients = new List<Socket>();
        var servers = new List<Socket>();
        var work = new List<Task>();
        try
        {
            for (int i = 0; i < connections; i++)
            {
                Socket client = createClient();
                clients.Add(client);
                Task<Socket> accepting = listener.AcceptAsync(stop.Token).AsTask();
                await client.ConnectAsync(target, stop.Token);
                Socket server = await accepting.WaitAsync(stop.Token);
                servers.Add(server);
                work.Add(Task.Run(() => SendUntilStoppedAsync(client, stop.Token)));
                work.Add(Task.Run(() => CountAsync(server, n => Interlocked.Add(ref received, n), stop.Token)));
            }

            await Task.Delay(warmUp, stop.Token);
            long startBytes = Interlocked.Read(ref received);
            long startTime = Stopwatch.GetTimestamp();
            await Task.Delay(window, stop.Token);
            long bytes = Interlocked.Read(ref received) - startBytes;
            return bytes / Stopwatch.GetElapsedTime(startTime).TotalSeconds;
        }
        finally
        {
            await stop.CancelAsync();
            foreach (Socket socket in clients.Concat(servers))
            {
                socket.Dispose();
            }

            await Task.WhenAll(work).WaitAsync(Bound).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static async Task SendUntilStoppedAsync(Socket socket, CancellationToken stop)
    {
        byte[] block = new byte[64 << 10];
        try
        {
            while (true)
            {
                await socket.SendAsync(block, SocketFlags.None, stop);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private static async Task CountAsync(Socket socket, Action<int> add, CancellationToken stop)
    {
        byte[] buffer = new byte[64 << 10];
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, stop);
                if (n == 0)
                {
                    return;
                }

                add(n);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}
