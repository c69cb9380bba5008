using System.Diagnostics;
using System.Globalization;
using Collectives.NetEmulation;

namespace Collectives.Benchmarks;

/// <summary>
/// <c>wan-pool</c>: one large float32 all-reduce between 2 peers over an emulated long fat pipe (one-way delay plus an
/// in-flight cap per TCP connection, optionally a link rate), for several connection-pool sizes. A window-limited
/// connection moves about cap / RTT, so a single all-reduce can only fill the pipe if it is striped over the pool:
/// throughput should grow about linearly with the pool until the link rate. One all-reduce at a time.
/// </summary>
/// <remarks>
/// Options: <c>--size-mib 64 --delay-ms 50 --cap-kib 256 --pools 1,2,4,8 --iterations 2 --rate-mbit 0 --piece-kib 256 --socket-buffer-kib 0</c>
/// (rate 0: no link limit; a rate needs root for the network namespaces).
/// </remarks>
internal static class WanPoolBenchmark
{
    private const int WarmUpBytes = 4 << 20;

    // 4 KiB: one piece per step, so its time is the fixed cost of an operation (control round trips plus the pipe's
    // latency, two one-way delays for 2 peers).
    private const int SmallCount = 1024;

    public static async Task RunAsync(string[] args)
    {
        WanPoolSettings settings = WanPoolSettings.Parse(args);
        if (settings.LinkBitsPerSecond is not null && !WanNetwork.IsSupported(out string reason))
        {
            Console.WriteLine($"wan-pool: a link rate needs network namespaces: {reason}");
            return;
        }

        var relay = new RelayOptions { Delay = settings.Delay, InFlightCap = settings.CapBytes };
        double connectionBound = relay.PerConnectionBytesPerSecond / 1e6;
        string link = settings.LinkBitsPerSecond is long bits ? $"{bits / 1e6:F0} Mbit/s ({bits / 8e6:F1} MB/s) per direction" : "unlimited";
        Console.WriteLine($"wan-pool: 2 peers, {settings.SizeBytes >> 20} MiB float32 all-reduce, one-way delay {settings.Delay.TotalMilliseconds:F0} ms, " +
                          $"in-flight cap {settings.CapBytes >> 10} KiB per connection (≤ {connectionBound:F2} MB/s each), link {link}, piece {settings.PieceBytes >> 10} KiB, socket buffers {(settings.SocketBufferBytes == 0 ? "auto" : $"{settings.SocketBufferBytes >> 10} KiB")}, " +
                          $"{settings.Iterations} timed run(s) per pool size, {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"pool",5} {"median ms",10} {"MB/s",8} {"bound MB/s",11} {"raw MB/s",9} {"linearity",10} {"vs raw",7} {"MiB to peer",12} {"fill",5} {"raw fill",9} {"4KiB ms",8} {"model MB/s",11} {"direct MB/s",12}");

        MachineLoad.Print("wan_pool", "before");
        float[][] buffers = [new float[settings.SizeBytes / sizeof(float)], new float[settings.SizeBytes / sizeof(float)]];
        double? single = null;
        ulong tag = 1;
        foreach (int pool in settings.Pools)
        {
            await using WanPair pair = await WanPair.StartAsync(relay, settings.LinkBitsPerSecond, pool, settings.PieceBytes, settings.SocketBufferBytes, settings.Direct);
            await AllReduceAsync(pair, buffers, WarmUpBytes / sizeof(float), tag++);
            long before = pair.DelayRelays.Count > 1 ? pair.DelayRelays[1].BytesToTarget : 0;
            double smallMs = (await AllReduceAsync(pair, buffers, SmallCount, tag++)).Seconds * 1000;
            var times = new List<double>();
            var fills = new List<double>();
            for (int i = 0; i < settings.Iterations; i++)
            {
                (double elapsed, double fill) = await AllReduceAsync(pair, buffers, buffers[0].Length, tag++, pool * (long)settings.CapBytes);
                times.Add(elapsed);
                fills.Add(fill);
            }

            double windowFill = fills.Average();
            if (settings.Trace && pair.DelayRelays.Count > 1)
            {
                await TraceAsync(pair, buffers, tag++, settings.CapBytes * (long)pool);
            }

            await pair.DisposeAsync();
            double ceiling = settings.Direct ? double.NaN : await DirectCeilingAsync(settings, pool, buffers, () => tag++);
            (double raw, double rawFill) = settings.LinkBitsPerSecond is null
                ? await WanRawProbe.MeasureAsync(relay, pool, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1.5))
                : (double.NaN, double.NaN);
            raw /= 1e6;
            double movedMiB = pair.DelayRelays.Count < 2 ? double.NaN : (pair.DelayRelays[1].BytesToTarget - before) / (double)settings.Iterations / (1 << 20);
            double seconds = Stats.Median(times);
            double mbps = settings.SizeBytes / seconds / 1e6;
            single ??= pool == settings.Pools[0] ? mbps / pool : null;
            // What a perfect pipeline would do: the fixed cost of an operation plus the payload at the raw ceiling.
            double model = settings.SizeBytes / (smallMs / 1000 + settings.SizeBytes / (raw * 1e6)) / 1e6;
            double linearity = single is double one ? mbps / (pool * one) : double.NaN;
            double bound = Math.Min(pool * connectionBound, settings.LinkBitsPerSecond is long r ? r / 8e6 : double.PositiveInfinity);
            Console.WriteLine($"{pool,5} {seconds * 1000,10:F0} {mbps,8:F2} {bound,11:F2} {raw,9:F2} {linearity,10:F3} {mbps / raw,7:F2} {movedMiB,12:F1} {windowFill,5:F2} {rawFill,9:F2} {smallMs,8:F0} {model,11:F2} {ceiling,12:F2}");
            Report.Result($"wan_pool_{pool}", mbps, "MB/s");
            Report.Result($"wan_pool_linearity_{pool}", linearity, "ratio");
            if (!double.IsNaN(ceiling))
            {
                Report.Result($"wan_pool_direct_{pool}", ceiling, "MB/s");
            }
            if (!double.IsNaN(raw))
            {
                Report.Result($"wan_pool_raw_{pool}", raw, "MB/s");
            }
        }

        MachineLoad.Print("wan_pool", "after");
    }

    // The same all-reduce with no relay at all (peers dial each other on loopback): what this machine and the library
    // can do right now, the ceiling any emulated link result is capped by.
    private static async Task<double> DirectCeilingAsync(WanPoolSettings settings, int pool, float[][] buffers, Func<ulong> nextTag)
    {
        await using WanPair direct = await WanPair.StartAsync(RelayOptions.PassThrough, null, pool, settings.PieceBytes, settings.SocketBufferBytes, direct: true);
        await AllReduceAsync(direct, buffers, WarmUpBytes / sizeof(float), nextTag());
        (double seconds, _) = await AllReduceAsync(direct, buffers, buffers[0].Length, nextTag());
        return settings.SizeBytes / seconds / 1e6;
    }

    // One more all-reduce with relay 1's forwarded bytes and in-flight bytes printed every 100 ms: shows bubbles.
    private static async Task TraceAsync(WanPair pair, float[][] buffers, ulong tag, long capacity)
    {
        TcpRelay relay = pair.DelayRelays[1];
        foreach (float[] buffer in buffers)
        {
            Array.Fill(buffer, 1f);
        }

        using var stop = new CancellationTokenSource();
        long start = Stopwatch.GetTimestamp();
        long last = relay.BytesToTarget;
        var line = new System.Text.StringBuilder("trace (ms: MB forwarded in the last 100 ms / window fill):");
        Task sampling = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token))
                {
                    long now = relay.BytesToTarget;
                    line.Append(CultureInfo.InvariantCulture, $" {Stopwatch.GetElapsedTime(start).TotalMilliseconds:F0}:{(now - last) / 1e6:F2}/{relay.InFlightToTarget / (double)capacity:F2}");
                    last = now;
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        await Task.WhenAll(pair.Peers.Select((peer, i) => peer.AllReduceAsync(buffers[i].AsMemory(), ReduceOp.Sum, tag)))
            .WaitAsync(TimeSpan.FromMinutes(5));
        await stop.CancelAsync();
        await sampling;
        Console.WriteLine(line);
    }

    // Both peers at once: the time until both have finished, in seconds, and relay 1's mean window fill meanwhile
    // (NaN without a capacity).
    private static async Task<(double Seconds, double Fill)> AllReduceAsync(WanPair pair, float[][] buffers, int count, ulong tag, long capacity = 0)
    {
        foreach (float[] buffer in buffers)
        {
            Array.Fill(buffer, 1f, 0, count);
        }

        WindowFill? fill = capacity > 0 && pair.DelayRelays.Count > 1 ? new WindowFill(pair.DelayRelays[1], capacity) : null;
        long start = Stopwatch.GetTimestamp();
        await Task.WhenAll(pair.Peers.Select((peer, i) => peer.AllReduceAsync(buffers[i].AsMemory(0, count), ReduceOp.Sum, tag)))
            .WaitAsync(TimeSpan.FromMinutes(5));
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        double meanFill = fill is null ? double.NaN : await fill.StopAsync();
        if (buffers.Any(b => b[0] != 2f || b[count - 1] != 2f))
        {
            throw new InvalidOperationException("wrong all-reduce result");
        }

        return (seconds, meanFill);
    }
}

/// <summary>
/// Samples a relay's bytes in flight every few milliseconds while the timed runs go: the mean over the capacity
/// (connections × cap) says whether the sender kept the emulated pipe full (near 1) or starved it.
/// </summary>
internal sealed class WindowFill
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<double> _sampling;

    public WindowFill(TcpRelay relay, long capacity) => _sampling = SampleAsync(relay, capacity, _stop.Token);

    public async Task<double> StopAsync()
    {
        await _stop.CancelAsync();
        double mean = await _sampling;
        _stop.Dispose();
        return mean;
    }

    private static async Task<double> SampleAsync(TcpRelay relay, long capacity, CancellationToken stop)
    {
        double sum = 0;
        long samples = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                sum += relay.InFlightToTarget / (double)capacity;
                samples++;
            }
        }
        catch (OperationCanceledException)
        {
        }

        return samples == 0 ? double.NaN : sum / samples;
    }
}

/// <summary>Command-line settings of <see cref="WanPoolBenchmark"/>.</summary>
internal sealed record WanPoolSettings(int SizeBytes, TimeSpan Delay, int CapBytes, int[] Pools, int Iterations, long? LinkBitsPerSecond, int PieceBytes, int SocketBufferBytes, bool Trace, bool Direct)
{
    public static WanPoolSettings Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i]] = args[i + 1];
        }

        int Int(string name, int fallback) => values.TryGetValue(name, out string? text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
        int[] pools = values.TryGetValue("--pools", out string? list)
            ? list.Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray()
            : [1, 2, 4, 8];
        int rateMbit = Int("--rate-mbit", 0);
        return new WanPoolSettings(
            Int("--size-mib", 64) << 20,
            TimeSpan.FromMilliseconds(Int("--delay-ms", 50)),
            Int("--cap-kib", 256) << 10,
            pools,
            Int("--iterations", 2),
            rateMbit > 0 ? rateMbit * 1_000_000L : null,
            Int("--piece-kib", 256) << 10,
            Int("--socket-buffer-kib", 0) << 10,
            Int("--trace", 0) != 0,
            Int("--direct", 0) != 0);
    }
}
