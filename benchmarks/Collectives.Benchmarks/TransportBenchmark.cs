using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Collectives.Transport;

namespace Collectives.Benchmarks;

/// <summary>
/// Loopback throughput of the transport against a raw <see cref="Socket"/> baseline measured in the same run:
/// one sender, one receiver, one payload in flight at a time (the shape of one ring step).
/// </summary>
internal static class TransportBenchmark
{
    private static readonly int[] SizesMiB = [1, 4, 16, 64, 256];

    public static async Task RunAsync(string[] args)
    {
        long volume = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) << 20 : 2L << 30; // bytes moved per measurement
        Console.WriteLine($"transport benchmark, loopback, {Environment.ProcessorCount} cores, {Report.Size(volume)} moved per cell");
        Console.WriteLine($"{"payload",8} {"raw GiB/s",10} {"pool1 GiB/s",12} {"pool4 GiB/s",12} {"pool1/raw",10} {"pool4/raw",10}");
        foreach (int mib in SizesMiB)
        {
            int size = mib << 20;
            int reps = (int)Math.Max(3, volume / size);
            double raw = await RawSocketAsync(size, reps);
            double pool1 = await TransportAsync(size, reps, 1);
            double pool4 = await TransportAsync(size, reps, 4);
            Console.WriteLine($"{Report.Size(size),8} {raw,10:F2} {pool1,12:F2} {pool4,12:F2} {pool1 / raw,10:F2} {pool4 / raw,10:F2}");
            Report.Result($"transport_raw_{mib}MiB", raw, "GiB/s");
            Report.Result($"transport_pool1_{mib}MiB", pool1, "GiB/s");
            Report.Result($"transport_pool4_{mib}MiB", pool4, "GiB/s");
            Report.Result($"transport_ratio_pool1_{mib}MiB", pool1 / raw, "x");
            Report.Result($"transport_ratio_pool4_{mib}MiB", pool4 / raw, "x");
        }
    }

    /// <summary>GiB/s of one raw loopback connection moving <paramref name="size"/> bytes <paramref name="reps"/> times.</summary>
    internal static async Task<double> RawSocketAsync(int size, int reps)
    {
        byte[] source = new byte[size];
        byte[] destination = new byte[size];
        Random.Shared.NextBytes(source);
        double gigabytesPerSecond = await RawSocketCopy.MoveAsync(
            Enumerable.Repeat((Memory<byte>)source, reps).ToArray(), Enumerable.Repeat((Memory<byte>)destination, reps).ToArray());
        return gigabytesPerSecond * 1e9 / (1L << 30);
    }

    private static async Task<double> TransportAsync(int size, int reps, int pool)
    {
        var options = TransportOptions.Default with { PoolSize = pool };
        var acceptor = new Acceptor(options);
        await using var listener = new TransportListener(new IPEndPoint(IPAddress.Loopback, 0), Guid.NewGuid(), 1, options, acceptor);
        listener.Start();
        Guid senderId = Guid.NewGuid();
        await using OutboundLink link = await OutboundLink.ConnectAsync(
            listener.LocalEndPoint, senderId, 1, ConnectionPurpose.Data, pool, options, ErrorCode.RankConnectionFailed, CancellationToken.None);
        byte[] source = new byte[size];
        byte[] destination = new byte[size];
        Random.Shared.NextBytes(source);

        var clock = Stopwatch.StartNew();
        for (int r = 0; r < reps; r++)
        {
            ulong seq = (ulong)r + 1;
            var sink = new BufferSink(destination);
            acceptor.Router.Register(seq, 1, senderId, sink);
            var tracker = new SendTracker();
            link.Send(1, seq, 0, source, tracker);
            await sink.WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
            await tracker.DrainAsync();
            acceptor.Router.Unregister(seq);
        }

        TimeSpan elapsed = clock.Elapsed;
        if (!destination.AsSpan().SequenceEqual(source))
        {
            throw new InvalidOperationException("transport delivered wrong bytes");
        }

        acceptor.Router.BreakAll(new ConnectionLostException(ErrorCode.RankConnectionLost, "benchmark over"));
        return Report.GiBps((long)size * reps, elapsed);
    }

    private sealed class Acceptor(TransportOptions options) : IConnectionAcceptor
    {
        public InboundRouter Router { get; } = new(options);

        public HandshakeStatus Check(HandshakeHello hello) => HandshakeStatus.Accepted;

        public void OnConnected(FramedConnection connection) => Router.Adopt(connection);
    }
}
