using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Collectives.NetEmulation;

namespace Collectives.Benchmarks;

/// <summary>
/// The ceiling a transport can reach through the same emulated link: k raw TCP connections through one
/// <see cref="TcpRelay"/>, each sending as fast as it can in one direction; bytes per second delivered, measured after
/// a warm-up.
/// </summary>
internal static class WanRawProbe
{
    public static async Task<(double BytesPerSecond, double WindowFill)> MeasureAsync(RelayOptions relayOptions, int connections, TimeSpan warmUp, TimeSpan window)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(connections);
        await using var relay = new TcpRelay((IPEndPoint)listener.LocalEndPoint!, relayOptions);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var sockets = new List<Socket>();
        var work = new List<Task>();
        long received = 0;
        try
        {
            for (int i = 0; i < connections; i++)
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(client);
                Task<Socket> accepting = listener.AcceptAsync(stop.Token).AsTask();
                await client.ConnectAsync(relay.LocalEndPoint, stop.Token);
                Socket server = await accepting;
                sockets.Add(server);
                work.Add(Task.Run(() => PumpAsync(client, null, stop.Token)));
                work.Add(Task.Run(() => PumpAsync(server, n => Interlocked.Add(ref received, n), stop.Token)));
            }

            await Task.Delay(warmUp, stop.Token);
            long startBytes = Interlocked.Read(ref received);
            long start = Stopwatch.GetTimestamp();
            var fill = new WindowFill(relay, connections * (long)relayOptions.InFlightCap);
            await Task.Delay(window, stop.Token);
            double rate = (Interlocked.Read(ref received) - startBytes) / Stopwatch.GetElapsedTime(start).TotalSeconds;
            return (rate, await fill.StopAsync());
        }
        finally
        {
            await stop.CancelAsync();
            foreach (Socket socket in sockets)
            {
                socket.Dispose();
            }

            await Task.WhenAll(work).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    // Sends when count is null, receives and counts otherwise.
    private static async Task PumpAsync(Socket socket, Action<int>? count, CancellationToken stop)
    {
        byte[] buffer = new byte[64 << 10];
        try
        {
            while (true)
            {
                if (count is null)
                {
                    await socket.SendAsync(buffer, SocketFlags.None, stop);
                }
                else
                {
                    int n = await socket.ReceiveAsync(buffer, SocketFlags.None, stop);
                    if (n == 0)
                    {
                        return;
                    }

                    count(n);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}
