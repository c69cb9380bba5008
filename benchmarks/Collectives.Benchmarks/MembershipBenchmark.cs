using System.Diagnostics;
using Collectives.Membership;

namespace Collectives.Benchmarks;

/// <summary>
/// Membership on loopback with the master's and the communicator's default settings: connect → accepted for the 2nd,
/// 4th and 8th peer (peer processes joining one after another), SIGKILL → the others seeing the smaller world, and
/// SIGSTOP → removal by the heartbeat timeout. Each repetition uses a fresh master and 8 fresh processes.
/// Options: --reps R; --pool P (data connections per link, default the library's); --warm runs each joiner's connect path once against a scratch master first, so the join
/// figures show the protocol without first-call JIT.
/// </summary>
internal static class MembershipBenchmark
{
    private const int Peers = 8;
    private static readonly int[] Reported = [2, 4, 8];

    public static async Task RunAsync(string[] args)
    {
        int at = Array.IndexOf(args, "--reps");
        int reps = at >= 0 && at + 1 < args.Length ? Stats.ParseInt(args[at + 1]) : 5;
        bool warm = args.Contains("--warm");
        int poolAt = Array.IndexOf(args, "--pool");
        int pool = poolAt >= 0 && poolAt + 1 < args.Length ? Stats.ParseInt(args[poolAt + 1]) : Transport.TransportOptions.Default.PoolSize;
        MasterOptions defaults = MasterOptions.Default;
        var communicatorDefaults = new CommunicatorOptions(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1));
        MachineLoad.Print("membership", "before");
        Console.WriteLine($"membership benchmark: loopback, {Peers} peer processes x {reps} repetitions; master heartbeat "
            + $"{defaults.HeartbeatInterval.TotalMilliseconds:F0} ms, peer timeout {defaults.PeerTimeout.TotalMilliseconds:F0} ms; peer heartbeat "
            + $"{communicatorDefaults.HeartbeatInterval.TotalMilliseconds:F0} ms (defaults); pool size {pool}; joiners {(warm ? "warmed up (connect path run once against a scratch master)" : "cold (fresh processes)")}");
        var registered = Reported.ToDictionary(k => k, _ => new List<double>());
        var accepted = Reported.ToDictionary(k => k, _ => new List<double>());
        var voting = Reported.ToDictionary(k => k, _ => new List<double>());
        var killSeen = new List<double>();
        var stopSeen = new List<double>();
        for (int rep = 1; rep <= reps; rep++)
        {
            await using PeerGroup group = PeerGroup.Start(pool);
            PeerProcess[] peers = await group.SpawnAsync(Peers);
            if (warm)
            {
                await WarmUpAsync(peers);
            }

            var line = new List<string>();
            for (int k = 1; k <= Peers; k++)
            {
                PeerGroup.JoinTiming timing = await group.JoinAsync(peers[k - 1]);
                if (Reported.Contains(k))
                {
                    registered[k].Add(timing.ToRegisteredMs);
                    accepted[k].Add(timing.ToAcceptedMs);
                    voting[k].Add(timing.ToAcceptedMs - timing.ToUpdateSentMs);
                    line.Add($"peer {k}: {timing.ToRegisteredMs:F1}/{timing.ToAcceptedMs:F1} ms");
                }
            }

            double[] kill = await ShrinkAsync(group, peers[3], freeze: false);
            double[] stop = await ShrinkAsync(group, peers[5], freeze: true);
            killSeen.Add(kill.Max());
            stopSeen.Add(stop.Max());
            Console.WriteLine($"rep {rep}: join (registered/accepted) {string.Join(", ", line)}; SIGKILL seen {kill.Min():F1}..{kill.Max():F1} ms; "
                + $"SIGSTOP removed {stop.Min():F1}..{stop.Max():F1} ms (load {MachineLoad.Read()})");
        }

        Console.WriteLine();
        Console.WriteLine($"{"figure",-40} {"median ms",10} {"min ms",9} {"max ms",9}");
        foreach (int k in Reported)
        {
            Row($"peer {k}: connect -> registered", registered[k]);
            Row($"peer {k}: connect -> accepted", accepted[k]);
            Row($"peer {k}: update sent -> accepted", voting[k]);
            string mode = warm ? "_warm" : string.Empty;
            Report.Result($"membership_join{k}{mode}_accepted", Stats.Median(accepted[k]), "ms");
            Report.Result($"membership_join{k}{mode}_registered", Stats.Median(registered[k]), "ms");
            Report.Result($"membership_join{k}{mode}_vote_to_accepted", Stats.Median(voting[k]), "ms");
        }

        Row("SIGKILL -> world 7 seen (slowest peer)", killSeen);
        Row("SIGSTOP -> world 6 seen (slowest peer)", stopSeen);
        Report.Result("membership_sigkill_seen", Stats.Median(killSeen), "ms");
        Report.Result("membership_sigstop_removed", Stats.Median(stopSeen), "ms");
        MachineLoad.Print("membership", "after");
    }

    private static async Task WarmUpAsync(PeerProcess[] peers)
    {
        foreach (PeerProcess peer in peers)
        {
            await using var scratch = new MasterServer(MasterOptions.Default with { Listen = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0) });
            scratch.Start();
            peer.Send($"warmup {scratch.LocalEndPoint}");
            await peer.ExpectAsync("WARM", PeerGroup.Bound);
        }
    }

    private static void Row(string name, List<double> values) =>
        Console.WriteLine($"{name,-40} {Stats.Median(values),10:F1} {values.Min(),9:F1} {values.Max(),9:F1}");

    /// <summary>Signals <paramref name="victim"/> while every other accepted peer waits for the world to shrink by one.</summary>
    private static async Task<double[]> ShrinkAsync(PeerGroup group, PeerProcess victim, bool freeze)
    {
        PeerProcess[] others = group.Accepted.Where(p => p != victim).ToArray();
        int smaller = others.Length;
        foreach (PeerProcess peer in others)
        {
            peer.Send($"waitworld {smaller}");
        }

        await Task.WhenAll(others.Select(p => p.ExpectAsync("WAITING", PeerGroup.Bound)));
        long signalled = Stopwatch.GetTimestamp();
        if (freeze)
        {
            victim.Freeze();
        }
        else
        {
            victim.Kill();
        }

        group.Forget(victim);
        var seen = new List<double>();
        foreach (PeerProcess peer in others)
        {
            string[] world = await peer.ExpectAsync("WORLD", PeerGroup.Bound);
            seen.Add(Stats.Ms(signalled, Stats.ParseLong(world[2])));
        }

        await victim.DisposeAsync(); // continues and kills a frozen one
        return seen.ToArray();
    }
}
