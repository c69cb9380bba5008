using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Collectives.NetEmulation;
using NUnit.Framework;

namespace Collectives.Tests.NetEmulation;

/// <summary>The relay on loopback: what it delivers, how late, and how fast one connection versus several may go.</summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(30_000)]
public sealed class TcpRelayTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Test]
    public async Task Cap_bounds_one_connection_and_k_connections_get_about_k_times()
    {
        var options = new RelayOptions { Delay = TimeSpan.FromMilliseconds(25), InFlightCap = 64 << 10 };
        double bound = options.PerConnectionBytesPerSecond;

        double one = await MeasureThroughRelayAsync(options, 1);
        double four = await MeasureThroughRelayAsync(options, 4);

        await TestContext.Out.WriteLineAsync($"bound {bound / 1e6:F2} MB/s per connection; 1: {one / 1e6:F2} MB/s, 4: {four / 1e6:F2} MB/s");
        Assert.Multiple(() =>
        {
            Assert.That(one, Is.InRange(0.5 * bound, 1.15 * bound), "one connection");

            // More than two and a half connections' worth proves the cap is per connection, not per relay.
            Assert.That(four, Is.InRange(2.5 * bound, 4 * 1.15 * bound), "four connections");
        });
    }

    [Test]
    public async Task Round_trip_takes_at_least_twice_the_delay()
    {
        TimeSpan delay = TimeSpan.FromMilliseconds(30);
        using Socket listener = LoopbackListener();
        await using var relay = new TcpRelay((IPEndPoint)listener.LocalEndPoint!, new RelayOptions { Delay = delay, InFlightCap = 4096 });
        using var deadline = new CancellationTokenSource(Bound);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Task<Socket> accepting = listener.AcceptAsync(deadline.Token).AsTask();
        await client.ConnectAsync(relay.LocalEndPoint, deadline.Token);
        using Socket server = await accepting;
        byte[] one = new byte[1];

        for (int i = 0; i < 3; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await client.SendAsync(one, SocketFlags.None, deadline.Token);
            Assert.That(await server.ReceiveAsync(one, SocketFlags.None, deadline.Token), Is.EqualTo(1));
            await server.SendAsync(one, SocketFlags.None, deadline.Token);
            Assert.That(await client.ReceiveAsync(one, SocketFlags.None, deadline.Token), Is.EqualTo(1));
            Assert.That(Stopwatch.GetElapsedTime(start), Is.GreaterThanOrEqualTo(2 * delay - TimeSpan.FromMilliseconds(1)));
        }
    }

    [TestCase(0, 0)]
    [TestCase(0, 1500)]
    [TestCase(2, 5000)]
    public async Task Delivers_the_stream_intact_in_both_directions_and_passes_the_end_on(int delayMs, int cap)
    {
        var options = new RelayOptions { Delay = TimeSpan.FromMilliseconds(delayMs), InFlightCap = cap, ChunkBytes = 1024 };
        using Socket listener = LoopbackListener();
        await using var relay = new TcpRelay((IPEndPoint)listener.LocalEndPoint!, options);
        using var deadline = new CancellationTokenSource(Bound);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Task<Socket> accepting = listener.AcceptAsync(deadline.Token).AsTask();
        await client.ConnectAsync(relay.LocalEndPoint, deadline.Token);
        using Socket server = await accepting;
        server.NoDelay = true; // Nagle against the relay's delayed ACKs would only slow the test down
        byte[] up = RandomBytes(100_000, seed: delayMs + cap);
        byte[] down = RandomBytes(30_000, seed: delayMs + cap + 1);

        Task<byte[]> atServer = ReceiveToEndAsync(server, deadline.Token);
        Task<byte[]> atClient = ReceiveToEndAsync(client, deadline.Token);
        await Task.WhenAll(SendAndFinishAsync(client, up, deadline.Token), SendAndFinishAsync(server, down, deadline.Token));

        Assert.Multiple(async () =>
        {
            Assert.That(await atServer, Is.EqualTo(up));
            Assert.That(await atClient, Is.EqualTo(down));
            Assert.That(relay.BytesToTarget, Is.EqualTo(up.Length));
            Assert.That(relay.BytesFromTarget, Is.EqualTo(down.Length));
            Assert.That(relay.ConnectionCount, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_target_that_refuses_closes_the_client_connection()
    {
        IPEndPoint closedPort;
        using (Socket probe = LoopbackListener())
        {
            closedPort = (IPEndPoint)probe.LocalEndPoint!;
        }

        await using var relay = new TcpRelay(closedPort, RelayOptions.PassThrough);
        using var deadline = new CancellationTokenSource(Bound);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(relay.LocalEndPoint, deadline.Token);

        byte[] buffer = new byte[16];
        int received;
        try
        {
            received = await client.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
        }
        catch (SocketException)
        {
            received = 0; // reset instead of FIN: also closed
        }

        Assert.That(received, Is.Zero);
    }

    private static async Task<double> MeasureThroughRelayAsync(RelayOptions options, int connections)
    {
        using Socket listener = LoopbackListener();
        await using var relay = new TcpRelay((IPEndPoint)listener.LocalEndPoint!, options);
        return await ThroughputProbe.MeasureAsync(listener, relay.LocalEndPoint,
            () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), connections,
            TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500));
    }

    private static Socket LoopbackListener()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        return listener;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task SendAndFinishAsync(Socket socket, byte[] data, CancellationToken cancellationToken)
    {
        // Odd-sized writes so segment boundaries fall everywhere.
        for (int sent = 0; sent < data.Length;)
        {
            sent += await socket.SendAsync(data.AsMemory(sent, Math.Min(7919, data.Length - sent)), SocketFlags.None, cancellationToken);
        }

        socket.Shutdown(SocketShutdown.Send);
    }

    private static async Task<byte[]> ReceiveToEndAsync(Socket socket, CancellationToken cancellationToken)
    {
        var received = new MemoryStream();
        byte[] buffer = new byte[4096];
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                return received.ToArray();
            }

            received.Write(buffer, 0, n);
        }
    }
}
