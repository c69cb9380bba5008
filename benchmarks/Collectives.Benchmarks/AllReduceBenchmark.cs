namespace Collectives.Benchmarks;

/// <summary>
/// Multi-process float32 Sum all-reduce against a raw-TCP ring-copy baseline measured in the same run, for N = 2..4
/// peer processes joining one after another; then the failure figures (SIGKILL mid-operation at N = 4) and a sweep
/// of connection-pool sizes. Options: --pool P (main runs; default = the library default), --pools 1,2,4 (sweep,
/// "none" to skip), --fail-reps R, --quick (fewer iterations), --failure-only, --sizes 4K,64M (subset), --worlds 2,4 (subset),
/// --no-baseline and --iterations K (all-reduce only, K timed iterations: for profiling).
/// </summary>
internal static class AllReduceBenchmark
{
    private const int MaxWorld = 4;
    private static readonly int[] Sizes = [4 << 10, 1 << 20, 16 << 20, 64 << 20, 256 << 20];
    private static readonly int[] SweepSizes = [16 << 20, 64 << 20, 256 << 20];
    private static readonly int[] FailureSizes = [64 << 20, 256 << 20];

    internal readonly record struct Plan(int Warmup, int Iterations);

    /// <summary>One table row. Times are the median over iterations of the slowest peer's time.</summary>
    /// <remarks>
    /// <see cref="PairedRatio"/> is the median over iterations of baseline time / all-reduce time of the same iteration
    /// (the two run back to back), which cancels most of the drift of a shared machine's load.
    /// </remarks>
    /// <para><see cref="PeerWorkItems"/> and <see cref="PeerCpuUs"/> are per timed iteration (barrier, all-reduce and, with a
    /// baseline, the ring copy), averaged over the peers; <see cref="MasterCpuUs"/> is the master's process per iteration.</para>
    internal readonly record struct Row(int Pool, int World, int Bytes, double TimeUs, double MinUs, double MaxUs, double RingUs, double PairedRatio,
        double PeerWorkItems = double.NaN, double PeerCpuUs = double.NaN, double MasterCpuUs = double.NaN)
    {
        public double AlgGiBps => Bytes / (TimeUs * 1e-6) / (1 << 30);

        public double BusGiBps => AlgGiBps * 2 * (World - 1) / World;

        public double BaselineGiBps => BenchPeer.RingBytesPerPeer(Bytes, World) / (RingUs * 1e-6) / (1 << 30);

        public double Ratio => BusGiBps / BaselineGiBps;
    }

    public static async Task RunAsync(string[] args)
    {
        int pool = IntOption(args, "--pool", Transport.TransportOptions.Default.PoolSize);
        string sweep = Option(args, "--pools") ?? "1,2,4";
        int failReps = IntOption(args, "--fail-reps", 3);
        bool quick = args.Contains("--quick");
        bool failureOnly = args.Contains("--failure-only");
        bool baseline = !args.Contains("--no-baseline");
        int iterations = IntOption(args, "--iterations", 0);
        int[] sizes = Option(args, "--sizes") is { } sizeList ? sizeList.Split(',').Select(ParseSize).ToArray() : Sizes;
        int[] worlds = Option(args, "--worlds") is { } worldList ? worldList.Split(',').Select(Stats.ParseInt).ToArray() : [2, 3, 4];
        MachineLoad.Print("allreduce", "before");
        Console.WriteLine($"all-reduce benchmark: float32 Sum, out-of-place, loopback, N = 2..{MaxWorld} peer processes, pool size {pool}, master defaults");
        var rows = new List<Row>();
        await using (PeerGroup group = PeerGroup.Start(pool))
        {
            PeerProcess[] peers = await group.SpawnAsync(MaxWorld);
            await group.JoinAsync(peers[0]);
            for (int world = 2; world <= MaxWorld; world++)
            {
                await group.JoinAsync(peers[world - 1]);
                if (failureOnly || !worlds.Contains(world))
                {
                    continue;
                }

                await group.LinkRawRingAsync();
                // Every measured world: the peer that just joined is a fresh process (tier-0 code) however warm the others are.
                await WarmUpAsync(group);

                foreach (int bytes in sizes)
                {
                    Plan plan = PlanFor(bytes, quick);
                    Row row = await MeasureAsync(group, pool, bytes, iterations > 0 ? plan with { Iterations = iterations } : plan, baseline);
                    rows.Add(row);
                    Console.WriteLine($"  measured N={world} {Report.Size(bytes)}: {row.TimeUs / 1000:F3} ms, ratio {row.Ratio:F2}, paired {row.PairedRatio:F2} (load {MachineLoad.Read()}); "
                        + $"per iteration: {row.PeerWorkItems:F1} work items and {row.PeerCpuUs:F0} us CPU per peer, master process {row.MasterCpuUs:F0} us CPU");
                }

                if (rows.LastOrDefault(r => r.World == world && r.Bytes == Sizes[0]) is { TimeUs: > 0 } small)
                {
                    await LatencyBreakdownAsync(group, small, quick);
                }
            }

            PrintTable(rows);
            ReportRows(rows, "allreduce");
            if (failReps > 0)
            {
                await FailureBenchmark.RunAsync(group, FailureSizes, failReps, rows);
            }
        }

        if (sweep != "none" && !failureOnly)
        {
            await SweepPoolsAsync(sweep.Split(',').Select(Stats.ParseInt).ToArray(), pool, rows, quick);
        }

        MachineLoad.Print("allreduce", "after");
    }

    private static Plan PlanFor(int bytes, bool quick) => (bytes, quick) switch
    {
        ( <= 4 << 10, false) => new Plan(50, 1000),
        ( <= 4 << 10, true) => new Plan(20, 100),
        ( <= 1 << 20, false) => new Plan(10, 40),
        ( <= 1 << 20, true) => new Plan(3, 15),
        ( <= 16 << 20, false) => new Plan(3, 15),
        ( <= 16 << 20, true) => new Plan(2, 7),
        ( <= 64 << 20, false) => new Plan(2, 9),
        ( <= 64 << 20, true) => new Plan(1, 5),
        (_, false) => new Plan(1, 5),
        (_, true) => new Plan(1, 3),
    };

    private static readonly TimeSpan MinWarmUp = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan MaxWarmUp = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Fresh processes run tier-0 code for their first few hundred operations while tiered compilation optimises the
    /// hot paths in the background; without this the first cell measured (4 KiB at N = 2) came out 3x slower than with
    /// DOTNET_TieredCompilation=0. Untimed small all-reduces (and ring copies) settle it: at least 3 s, and until blocks
    /// of 100 small all-reduces stop getting faster (a trace at N = 4 showed 4-5 ms per op for the first 4-5 s, then
    /// 1.1-1.3 ms). Runs for every measured world: a world's newest peer has run nothing yet.
    /// </summary>
    private static async Task WarmUpAsync(PeerGroup group)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double previous = double.MaxValue;
        while (clock.Elapsed < MaxWarmUp)
        {
            Row small = await MeasureAsync(group, 0, 4 << 10, new Plan(0, 100), baseline: false);
            await MeasureAsync(group, 0, 1 << 20, new Plan(0, 5));
            // Done once small all-reduces stopped getting faster: tier-1 code replaced tier 0 in every peer process.
            bool settled = small.TimeUs >= previous * 0.9;
            previous = small.TimeUs;
            if (settled && clock.Elapsed >= MinWarmUp)
            {
                break;
            }
        }

        Console.WriteLine($"  warm-up: {clock.Elapsed.TotalSeconds:F1} s, last 100 small all-reduces {previous / 1000:F3} ms (median)");
    }

    /// <summary>Runs one size on every accepted peer and folds their times: per iteration the slowest peer, then the median.</summary>
    internal static async Task<Row> MeasureAsync(PeerGroup group, int pool, int bytes, Plan plan, bool baseline = true)
    {
        IReadOnlyList<PeerProcess> peers = group.Accepted;
        int total = plan.Warmup + plan.Iterations;
        ulong tag = group.TakeTags(3 * total);
        foreach (PeerProcess peer in peers)
        {
            peer.Send($"bench {bytes} {plan.Warmup} {plan.Iterations} {tag} {(baseline ? 1 : 0)}");
        }

        ProcessCost master = ProcessCost.Now();
        var allReduce = new List<double[]>();
        var ring = new List<double[]>();
        var costs = new List<double[]>();
        foreach (PeerProcess peer in peers)
        {
            allReduce.Add(ParseTimes(await peer.ExpectAsync("TIMES", PeerGroup.Bound * 4)));
            ring.Add(ParseTimes(await peer.ExpectAsync("TIMES", PeerGroup.Bound)));
            costs.Add((await peer.ExpectAsync("COST", PeerGroup.Bound)).Skip(1).Select(Stats.ParseDouble).ToArray());
        }

        // The master's share: its whole process over every iteration (warm-up included), so an upper bound.
        double masterCpuUs = (ProcessCost.Now() - master).CpuUs / total;
        double[] slowest = Stats.MaxPerIteration(allReduce);
        double[] ringSlowest = Stats.MaxPerIteration(ring);
        double paired = Stats.Median(ringSlowest.Zip(slowest, (r, a) => r / a));
        return new Row(pool, peers.Count, bytes, Stats.Median(slowest), slowest.Min(), slowest.Max(), Stats.Median(ringSlowest), paired,
            costs.Average(c => c[0]), costs.Average(c => c[1]), masterCpuUs);
    }

    /// <summary>
    /// Where a small all-reduce's time goes: it needs two master round trips (initiate → commence, complete → verdict)
    /// and 2(N−1) sequential ring hops; both are timed on their own here and the sum is printed next to the measurement.
    /// </summary>
    private static async Task LatencyBreakdownAsync(PeerGroup group, Row small, bool quick)
    {
        IReadOnlyList<PeerProcess> peers = group.Accepted;
        Plan plan = quick ? new Plan(10, 50) : new Plan(30, 200);
        ulong tag = group.TakeTags(2 * (plan.Warmup + plan.Iterations));
        for (int i = 0; i < peers.Count; i++)
        {
            peers[i].Send($"latency {plan.Warmup} {plan.Iterations} {tag} {(i == 0 ? 1 : 0)}");
        }

        var pending = new List<double[]>();
        var token = new List<double[]>();
        foreach (PeerProcess peer in peers)
        {
            pending.Add(ParseTimes(await peer.ExpectAsync("TIMES", PeerGroup.Bound)));
            token.Add(ParseTimes(await peer.ExpectAsync("TIMES", PeerGroup.Bound)));
        }

        int world = peers.Count;
        double masterRtt = Stats.Median(Stats.MaxPerIteration(pending));
        double hop = Stats.Median(token[0]) / world; // the first peer's time is the whole ring
        double model = 2 * masterRtt + 2 * (world - 1) * hop;
        Console.WriteLine($"  latency N={world}: 4KiB all-reduce {small.TimeUs:F0} us; master round trip (peers-pending query) {masterRtt:F0} us; "
            + $"raw one-way hop {hop:F0} us; model 2 x round trip + {2 * (world - 1)} hops = {model:F0} us");
        Report.Result($"allreduce_n{world}_master_rtt", masterRtt, "us");
        Report.Result($"allreduce_n{world}_raw_hop", hop, "us");
        Report.Result($"allreduce_n{world}_4KiB_model", model, "us");
    }

    private static double[] ParseTimes(string[] words) => words.Skip(2).Select(Stats.ParseDouble).ToArray();

    private static void PrintTable(IEnumerable<Row> rows)
    {
        Console.WriteLine();
        Console.WriteLine($"{"pool",4} {"N",2} {"size",7} {"median ms",10} {"min ms",9} {"max ms",9} {"alg GiB/s",10} {"bus GiB/s",10} {"base GiB/s",11} {"bus/base",9} {"paired",7}");
        foreach (Row r in rows)
        {
            Console.WriteLine($"{r.Pool,4} {r.World,2} {Report.Size(r.Bytes),7} {r.TimeUs / 1000,10:F3} {r.MinUs / 1000,9:F3} {r.MaxUs / 1000,9:F3} "
                + $"{r.AlgGiBps,10:F3} {r.BusGiBps,10:F3} {r.BaselineGiBps,11:F3} {r.Ratio,9:F2} {r.PairedRatio,7:F2}");
        }

        Console.WriteLine();
    }

    private static void ReportRows(IEnumerable<Row> rows, string prefix)
    {
        foreach (Row r in rows)
        {
            string key = $"{prefix}_n{r.World}_{Report.Size(r.Bytes)}";
            Report.Result($"{key}_time", r.TimeUs / 1000, "ms");
            Report.Result($"{key}_algbw", r.AlgGiBps, "GiB/s");
            Report.Result($"{key}_busbw", r.BusGiBps, "GiB/s");
            Report.Result($"{key}_baseline", r.BaselineGiBps, "GiB/s");
            Report.Result($"{key}_ratio", r.Ratio, "x");
            Report.Result($"{key}_ratio_paired", r.PairedRatio, "x");
            Report.Result($"{key}_peer_cpu_per_iteration", r.PeerCpuUs, "us");
            Report.Result($"{key}_peer_workitems_per_iteration", r.PeerWorkItems, "items");
            if (r.Bytes == 4 << 10)
            {
                Report.Result($"{prefix}_n{r.World}_4KiB_latency", r.TimeUs, "us");
            }
        }
    }

    /// <summary>The large sizes at N = 4 again with each other pool size (fresh processes per pool size).</summary>
    private static async Task SweepPoolsAsync(int[] pools, int mainPool, List<Row> mainRows, bool quick)
    {
        var rows = mainRows.Where(r => r.World == MaxWorld && SweepSizes.Contains(r.Bytes)).ToList();
        foreach (int pool in pools.Where(p => p != mainPool))
        {
            await using PeerGroup group = PeerGroup.Start(pool);
            foreach (PeerProcess peer in await group.SpawnAsync(MaxWorld))
            {
                await group.JoinAsync(peer);
            }

            await group.LinkRawRingAsync();
            await WarmUpAsync(group);
            foreach (int bytes in SweepSizes)
            {
                Row row = await MeasureAsync(group, pool, bytes, PlanFor(bytes, quick));
                rows.Add(row);
                ReportRows([row], $"allreduce_pool{pool}");
            }
        }

        Console.WriteLine($"pool-size sweep at N = {MaxWorld} (pool {mainPool} rows are from the main run above):");
        PrintTable(rows.OrderBy(r => r.Bytes).ThenBy(r => r.Pool));
    }

    /// <summary>"4K", "64M": a size in KiB or MiB.</summary>
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
