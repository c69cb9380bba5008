using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Collectives.Membership;
using Collectives.Protocol;

namespace Collectives.Benchmarks;

/// <summary>
/// All-reduce throughput of 4–6 in-process peers whose links have very different rates (per-pair token buckets in
/// <see cref="PairThrottledRelay"/>s), with one slow link in the join-order ring, before and after OptimizeTopologyAsync.
/// The optimisation measures the links itself, through the same relays, with its real probes.
/// </summary>
internal static class TopologyBenchmark
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    public static async Task RunAsync(string[] args)
    {
        int count = Math.Clamp(IntOption(args, "--peers", 5), 4, 6);
        int mib = IntOption(args, "--mib", 16);
        int reps = IntOption(args, "--reps", 3);
        double fastMbit = DoubleOption(args, "--fast-mbit", 400);
        double slowMbit = DoubleOption(args, "--slow-mbit", 50);
        double[,] mbit = Rates(count, fastMbit, slowMbit);
        PrintRates(mbit);

        var senders = new ConcurrentDictionary<Guid, int>();
        var relays = new List<PairThrottledRelay>();
        var peers = new List<Communicator>();
        var master = new MasterServer(MasterOptions.Default with { Listen = new IPEndPoint(IPAddress.Loopback, 0) });
        master.Start();
        try
        {
            for (int k = 0; k < count; k++)
            {
                int receiver = k;
                int port = FreePort();
                var relay = new PairThrottledRelay(new IPEndPoint(IPAddress.Loopback, port),
                    sender => senders.TryGetValue(sender, out int from) ? mbit[from, receiver] * 1e6 : null);
                relays.Add(relay);
                var peer = new Communicator(new CommunicatorOptions(master.LocalEndPoint)
                {
                    PeerListen = new IPEndPoint(IPAddress.Loopback, port),
                    AdvertisedAddress = IPAddress.Loopback,
                    AdvertisedPort = relay.LocalEndPoint.Port,
                    ProgressTimeout = TimeSpan.FromSeconds(30),
                });
                Task connect = peer.ConnectAsync();
                await Task.WhenAny(peer.Registration, connect).WaitAsync(Bound);
                senders[peer.Id.ToGuid()] = k; // before any data connection of this peer: those open in the vote below
                await Task.WhenAll(peers.Select(p => p.UpdateTopologyAsync())).WaitAsync(Bound);
                await connect.WaitAsync(Bound);
                peers.Add(peer);
            }

            var index = peers.Select((p, k) => (p.Id, k)).ToDictionary(e => e.Id, e => e.k);
            float[][] buffers = peers.Select(_ => new float[mib << 18]).ToArray();
            ulong tag = 0;

            int[] before = peers[0].Ring.Select(id => index[id]).ToArray();
            double beforeMiBps = await MeasureAsync(peers, buffers, reps, () => ++tag);
            var clock = Stopwatch.StartNew();
            TopologyOptimizationInfo[] infos = await Task.WhenAll(peers.Select(p => p.OptimizeTopologyAsync())).WaitAsync(Bound);
            double optimizeSeconds = clock.Elapsed.TotalSeconds;
            int[] after = peers[0].Ring.Select(id => index[id]).ToArray();
            double afterMiBps = await MeasureAsync(peers, buffers, reps, () => ++tag);

            Console.WriteLine();
            Console.WriteLine($"| ring | order (join index) | slowest link, configured | all-reduce {mib} MiB float32, median of {reps} |");
            Console.WriteLine("|---|---|---|---|");
            Console.WriteLine(Invariant($"| before | {string.Join("→", before)}→{before[0]} | {Bottleneck(mbit, before):F0} Mbit/s | {beforeMiBps:F1} MiB/s |"));
            Console.WriteLine(Invariant($"| after | {string.Join("→", after)}→{after[0]} | {Bottleneck(mbit, after):F0} Mbit/s | {afterMiBps:F1} MiB/s |"));
            Console.WriteLine(Invariant($"OptimizeTopologyAsync: {optimizeSeconds:F2} s, {infos[0].MeasuredLinks} links measured, slowest link of the new ring as measured: {infos[0].BottleneckBytesPerSecond * 8 / 1e6:F0} Mbit/s"));
            Report.Result("topology_before", beforeMiBps, "MiB/s");
            Report.Result("topology_after", afterMiBps, "MiB/s");
            Report.Result("topology_optimize_seconds", optimizeSeconds, "s");
            Report.Result("topology_speedup", afterMiBps / beforeMiBps, "ratio");
        }
        finally
        {
            foreach (Communicator peer in peers)
            {
                await peer.DisposeAsync();
            }

            foreach (PairThrottledRelay relay in relays)
            {
                await relay.DisposeAsync();
            }

            await master.DisposeAsync();
        }
    }

    /// <summary>
    /// Link rates by join index: fast links spread over half to all of <paramref name="fastMbit"/> so the best ring is not
    /// any ring, and three slow links: the join-order ring's closing link n−1→0, and two off that ring (1→0, 0→n−1).
    /// </summary>
    private static double[,] Rates(int count, double fastMbit, double slowMbit)
    {
        var random = new Random(7);
        var mbit = new double[count, count];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < count; j++)
            {
                mbit[i, j] = i == j ? 0 : Math.Round(fastMbit * (0.5 + (0.5 * random.NextDouble())));
            }
        }

        mbit[count - 1, 0] = slowMbit;
        mbit[1, 0] = slowMbit;
        mbit[0, count - 1] = slowMbit;
        return mbit;
    }

    private static void PrintRates(double[,] mbit)
    {
        int n = mbit.GetLength(0);
        Console.WriteLine("Configured link rates in Mbit/s (row: sender, column: receiver, by join index):");
        for (int i = 0; i < n; i++)
        {
            Console.WriteLine(string.Join(" ", Enumerable.Range(0, n).Select(j => i == j ? "    -" : mbit[i, j].ToString("F0", CultureInfo.InvariantCulture).PadLeft(5))));
        }
    }

    private static double Bottleneck(double[,] mbit, int[] ring) =>
        Enumerable.Range(0, ring.Length).Min(k => mbit[ring[k], ring[(k + 1) % ring.Length]]);

    /// <summary>Median all-reduce throughput (buffer bytes over wall time until every peer finished), after one warm-up run.</summary>
    private static async Task<double> MeasureAsync(List<Communicator> peers, float[][] buffers, int reps, Func<ulong> nextTag)
    {
        var rates = new List<double>();
        for (int r = 0; r <= reps; r++)
        {
            ulong tag = nextTag();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(peers.Select((p, k) => p.AllReduceAsync(buffers[k].AsMemory(), ReduceOp.Sum, tag))).WaitAsync(Bound);
            if (r > 0)
            {
                rates.Add(buffers[0].Length * sizeof(float) / (double)(1 << 20) / clock.Elapsed.TotalSeconds);
            }
        }

        rates.Sort();
        return rates[rates.Count / 2];
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string? Option(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    private static int IntOption(string[] args, string name, int fallback) => Option(args, name) is { } text ? Stats.ParseInt(text) : fallback;

    private static double DoubleOption(string[] args, string name, double fallback) => Option(args, name) is { } text ? Stats.ParseDouble(text) : fallback;
}
