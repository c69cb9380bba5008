using System.Net;
using Collectives.Membership;

namespace Collectives.Benchmarks;

/// <summary>
/// The all-reduce benchmark through the C API against the .NET API, in the same run and the same processes: every
/// peer process holds a .NET <see cref="Communicator"/> (group of the <see cref="PeerGroup"/>'s master) and a
/// communicator made through libcollectives.so's exports (group of a second in-process master); per iteration both
/// run the same float32 Sum all-reduce, in alternating order. Also the library's size and the cost of a trivial
/// export. Options: --sizes 4K,1M (subset; 256M is optional), --worlds 2,4, --quick, --pool P, --lib &lt;path&gt;,
/// --c-tests &lt;dir with test_call_overhead&gt;.
/// </summary>
internal static class CapiBenchmark
{
    private const int MaxWorld = 4;
    private static readonly int[] DefaultSizes = [4 << 10, 1 << 20, 16 << 20, 64 << 20];

    /// <summary>One size at one world size; times are the median over iterations of the slowest peer's time (µs).</summary>
    /// <remarks>
    /// <see cref="PairedRatio"/>: median over iterations of .NET time / C API time of the same iteration. The minima
    /// are the iterations least disturbed by the rest of the machine (the fastest slowest-peer time of each API).
    /// </remarks>
    /// <remarks>
    /// CPU: per iteration the sum over peers of each process's CPU time (every thread of both runtimes) during its
    /// call, then the median; scheduling delays of a loaded machine inflate wall time far more than CPU time.
    /// </remarks>
    internal readonly record struct Row(int World, int Bytes, double DotnetUs, double CapiUs, double PairedRatio, double DotnetMinUs, double CapiMinUs,
        double DotnetCpuUs, double CapiCpuUs)
    {
        public double DotnetGiBps => Bytes / (DotnetUs * 1e-6) / (1 << 30);

        public double CapiGiBps => Bytes / (CapiUs * 1e-6) / (1 << 30);

        /// <summary>C API throughput / .NET throughput, from the two medians.</summary>
        public double Ratio => DotnetUs / CapiUs;

        /// <summary>The same from the two minima.</summary>
        public double MinRatio => DotnetMinUs / CapiMinUs;

        /// <summary>.NET CPU time / C API CPU time per all-reduce (above 1: the C API costs less CPU).</summary>
        public double CpuRatio => DotnetCpuUs / CapiCpuUs;
    }

    public static async Task RunAsync(string[] args)
    {
        int pool = IntOption(args, "--pool", 0);
        bool quick = args.Contains("--quick");
        int[] sizes = Option(args, "--sizes") is { } sizeList ? sizeList.Split(',').Select(ParseSize).ToArray() : DefaultSizes;
        int[] worlds = Option(args, "--worlds") is { } worldList ? worldList.Split(',').Select(Stats.ParseInt).ToArray() : [2, 3, 4];
        string library = CapiLibrary.Find(Option(args, "--lib"));
        if (CapiLibrary.StalenessWarning(library) is { } warning)
        {
            Console.WriteLine(warning);
        }

        MachineLoad.Print("capi", "before");
        CapiOverhead.Report(library, Option(args, "--c-tests"));
        int effectivePool = pool == 0 ? Transport.TransportOptions.Default.PoolSize : pool;
        Console.WriteLine($"C API vs .NET API all-reduce: float32 Sum, out-of-place, loopback, N = {string.Join(',', worlds)} peer processes, "
            + $"pool size {effectivePool} on both, master defaults, API order alternating per iteration");
        var rows = new List<Row>();
        // The peers (disposed first) go before the master of their C API communicators.
        await using (MasterServer nativeMaster = StartNativeMaster())
        await using (PeerGroup group = PeerGroup.Start(effectivePool))
        {
            PeerProcess[] peers = await group.SpawnAsync(MaxWorld);
            foreach (PeerProcess peer in peers)
            {
                peer.Send($"native-open {library} {nativeMaster.LocalEndPoint} {effectivePool}");
                await peer.ExpectAsync("NATIVE-OPEN", PeerGroup.Bound);
            }

            await group.JoinAsync(peers[0]);
            await JoinNativeAsync(group);
            for (int world = 2; world <= MaxWorld; world++)
            {
                await group.JoinAsync(peers[world - 1]);
                await JoinNativeAsync(group);
                if (!worlds.Contains(world))
                {
                    continue;
                }

                if (world == worlds.Min())
                {
                    await WarmUpAsync(group);
                }

                foreach (int bytes in sizes)
                {
                    Row row = await MeasureAsync(group, bytes, PlanFor(bytes, quick));
                    rows.Add(row);
                    Console.WriteLine($"  measured N={world} {Report.Size(bytes)}: .NET {row.DotnetUs / 1000:F3} ms, C API {row.CapiUs / 1000:F3} ms, "
                        + $"ratio {row.Ratio:F3}, paired {row.PairedRatio:F3} (load {MachineLoad.Read()})");
                }
            }
        }

        PrintTable(rows);
        ReportRows(rows);
        MachineLoad.Print("capi", "after");
    }

    /// <summary>The C API peers' master: default settings, loopback, like the .NET peers' one.</summary>
    private static MasterServer StartNativeMaster()
    {
        var master = new MasterServer(MasterOptions.Default with { Listen = new IPEndPoint(IPAddress.Loopback, 0) }, StderrLoggerFactory.FromEnvironment("capi-master"));
        master.Start();
        return master;
    }

    /// <summary>Grows the C API group to the .NET group's accepted peers: the newest connects, the others update.</summary>
    private static async Task JoinNativeAsync(PeerGroup group)
    {
        int world = group.Accepted.Count;
        foreach (PeerProcess peer in group.Accepted)
        {
            peer.Send($"native-join {world}");
        }

        await Task.WhenAll(group.Accepted.Select(p => p.ExpectAsync("NATIVE-JOINED", PeerGroup.Bound)));
    }

    private static AllReduceBenchmark.Plan PlanFor(int bytes, bool quick) => (bytes, quick) switch
    {
        ( <= 4 << 10, false) => new(50, 300),
        ( <= 4 << 10, true) => new(20, 100),
        ( <= 1 << 20, false) => new(10, 40),
        ( <= 1 << 20, true) => new(3, 15),
        ( <= 16 << 20, false) => new(3, 15),
        ( <= 16 << 20, true) => new(2, 7),
        ( <= 64 << 20, false) => new(2, 9),
        ( <= 64 << 20, true) => new(1, 5),
        (_, false) => new(1, 5),
        (_, true) => new(1, 3),
    };

    /// <summary>
    /// Tiered JIT of the .NET path needs a few hundred operations to settle (see <see cref="AllReduceBenchmark"/>);
    /// the C path is ahead-of-time compiled but gets the same untimed rounds, so both start from the same state.
    /// </summary>
    private static async Task WarmUpAsync(PeerGroup group)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            await MeasureAsync(group, 4 << 10, new(100, 1));
            await MeasureAsync(group, 1 << 20, new(5, 1));
        }
    }

    private static async Task<Row> MeasureAsync(PeerGroup group, int bytes, AllReduceBenchmark.Plan plan)
    {
        IReadOnlyList<PeerProcess> peers = group.Accepted;
        ulong tag = group.TakeTags(4 * (plan.Warmup + plan.Iterations));
        foreach (PeerProcess peer in peers)
        {
            peer.Send($"capi-bench {bytes} {plan.Warmup} {plan.Iterations} {tag}");
        }

        var dotnet = new List<double[]>();
        var capi = new List<double[]>();
        var dotnetCpu = new List<double[]>();
        var capiCpu = new List<double[]>();
        foreach (PeerProcess peer in peers)
        {
            dotnet.Add(ParseTimes(await peer.ExpectAsync("TIMES", PeerGroup.Bound * 4)));
            capi.Add(ParseTimes(await peer.ExpectAsync("TIMES", PeerGroup.Bound)));
            dotnetCpu.Add(ParseTimes(await peer.ExpectAsync("TIMES", PeerGroup.Bound)));
            capiCpu.Add(ParseTimes(await peer.ExpectAsync("TIMES", PeerGroup.Bound)));
        }

        double[] dotnetSlowest = Stats.MaxPerIteration(dotnet);
        double[] capiSlowest = Stats.MaxPerIteration(capi);
        double paired = Stats.Median(dotnetSlowest.Zip(capiSlowest, (d, c) => d / c));
        if (Environment.GetEnvironmentVariable("COLLECTIVES_BENCH_RAW") == "1")
        {
            Console.WriteLine($"    raw N={peers.Count} {Report.Size(bytes)} .NET: {string.Join(' ', dotnetSlowest.Select(t => Stats.Format(t / 1000, "0.00")))}");
            Console.WriteLine($"    raw N={peers.Count} {Report.Size(bytes)} C:    {string.Join(' ', capiSlowest.Select(t => Stats.Format(t / 1000, "0.00")))}");
        }

        return new Row(peers.Count, bytes, Stats.Median(dotnetSlowest), Stats.Median(capiSlowest), paired, dotnetSlowest.Min(), capiSlowest.Min(),
            Stats.Median(SumPerIteration(dotnetCpu)), Stats.Median(SumPerIteration(capiCpu)));
    }

    private static double[] SumPerIteration(IReadOnlyList<double[]> perPeer)
    {
        int iterations = perPeer.Min(p => p.Length);
        return Enumerable.Range(0, iterations).Select(i => perPeer.Sum(p => p[i])).ToArray();
    }

    private static double[] ParseTimes(string[] words) => words.Skip(2).Select(Stats.ParseDouble).ToArray();

    private static void PrintTable(IEnumerable<Row> rows)
    {
        Console.WriteLine();
        Console.WriteLine($"{"N",2} {"size",7} {".NET ms",10} {"C API ms",10} {".NET GiB/s",11} {"C GiB/s",9} {"C/.NET",7} {"paired",7} {".NET min",9} {"C min",9} {"min C/.NET",10} {".NET cpu ms",11} {"C cpu ms",9} {"cpu .NET/C",10}");
        foreach (Row r in rows)
        {
            Console.WriteLine($"{r.World,2} {Report.Size(r.Bytes),7} {r.DotnetUs / 1000,10:F3} {r.CapiUs / 1000,10:F3} "
                + $"{r.DotnetGiBps,11:F3} {r.CapiGiBps,9:F3} {r.Ratio,7:F3} {r.PairedRatio,7:F3} {r.DotnetMinUs / 1000,9:F3} {r.CapiMinUs / 1000,9:F3} {r.MinRatio,10:F3} "
                + $"{r.DotnetCpuUs / 1000,11:F3} {r.CapiCpuUs / 1000,9:F3} {r.CpuRatio,10:F3}");
        }

        Console.WriteLine();
    }

    private static void ReportRows(IEnumerable<Row> rows)
    {
        foreach (Row r in rows)
        {
            string key = $"capi_n{r.World}_{Report.Size(r.Bytes)}";
            Report.Result($"{key}_dotnet_time", r.DotnetUs / 1000, "ms");
            Report.Result($"{key}_capi_time", r.CapiUs / 1000, "ms");
            Report.Result($"{key}_ratio", r.Ratio, "ratio");
            Report.Result($"{key}_ratio_paired", r.PairedRatio, "ratio");
            Report.Result($"{key}_ratio_min", r.MinRatio, "ratio");
            Report.Result($"{key}_dotnet_cpu", r.DotnetCpuUs / 1000, "ms");
            Report.Result($"{key}_capi_cpu", r.CapiCpuUs / 1000, "ms");
            Report.Result($"{key}_cpu_ratio", r.CpuRatio, "ratio");
        }
    }

    private static int ParseSize(string text) => text[^1] switch
    {
        'K' or 'k' => Stats.ParseInt(text[..^1]) << 10,
        'M' or 'm' => Stats.ParseInt(text[..^1]) << 20,
        _ => Stats.ParseInt(text),
    };

    private static string? Option(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    private static int IntOption(string[] args, string name, int fallback) => Option(args, name) is { } text ? Stats.ParseInt(text) : fallback;
}
