using System.Diagnostics;

namespace Collectives.Benchmarks;

/// <summary>
/// SIGKILL of one peer in the middle of an all-reduce at N = 4: (a) kill → each survivor's call failing,
/// (b) kill → the survivors' immediate retry (same call, now among 3) completing. The kill time is taken in the parent
/// and compared with the survivors' timestamps on the machine-wide monotonic clock.
/// </summary>
internal static class FailureBenchmark
{
    private const double KillAtFraction = 0.3; // of the victim's share received: well inside the operation

    public static async Task RunAsync(PeerGroup group, int[] sizes, int repetitions, IReadOnlyList<AllReduceBenchmark.Row> rows)
    {
        int world = group.Accepted.Count;
        Console.WriteLine($"failure: SIGKILL 1 of {world} peers at {KillAtFraction:P0} of its share received; survivors retry the same call at once");
        Console.WriteLine($"{"size",7} {"rep",3} {"seen ms (min..max over survivors)",34} {"retry done ms (min..max)",26} {"retry op alone ms",18} {"victim exit ms",15}");
        foreach (int bytes in sizes)
        {
            var seen = new List<double>();
            var done = new List<double>();
            var exits = new List<double>();
            for (int rep = 1; rep <= repetitions; rep++)
            {
                (double[] failMs, double[] retryMs, double[] retryAloneMs, double exitMs) = await KillOnceAsync(group, bytes);
                exits.Add(exitMs);
                if (failMs.Length == 0)
                {
                    Console.WriteLine($"{Report.Size(bytes),7} {rep,3} the operation finished before the kill; sample dropped");
                    continue;
                }

                seen.Add(failMs.Max());
                done.Add(retryMs.Max());
                Console.WriteLine($"{Report.Size(bytes),7} {rep,3} {$"{failMs.Min():F1}..{failMs.Max():F1}",34} {$"{retryMs.Min():F1}..{retryMs.Max():F1}",26} {retryAloneMs.Max(),18:F1} {exitMs,15:F1}");
            }

            string key = $"allreduce_fail_n{world}_{Report.Size(bytes)}";
            Report.Result($"{key}_seen", Stats.Median(seen), "ms");
            Report.Result($"{key}_retry_done", Stats.Median(done), "ms");
            Report.Result($"{key}_victim_exit", Stats.Median(exits), "ms");
            if (rows.FirstOrDefault(r => r.World == world - 1 && r.Bytes == bytes) is { TimeUs: > 0 } survivorsRow)
            {
                Console.WriteLine($"  for scale: one {Report.Size(bytes)} all-reduce at N = {world - 1} takes {survivorsRow.TimeUs / 1000:F1} ms (median, main table)");
                if (survivorsRow.RingUs > 0)
                {
                    // The retry moves this volume again among the survivors: no retry can finish faster than raw sockets copy it.
                    Console.WriteLine($"  lower bound for the retry alone: the raw-socket ring copy of the same volume at N = {world - 1} takes {survivorsRow.RingUs / 1000:F1} ms");
                    Report.Result($"{key}_retry_raw_bound", survivorsRow.RingUs / 1000, "ms");
                }
            }
        }
    }

    /// <summary>
    /// One kill: per-survivor ms from the kill to failing, to the retry's success, and the retry alone; and ms from the
    /// kill until the parent saw the victim exit (the kernel closes a killed process's sockets only after freeing its memory).
    /// </summary>
    private static async Task<(double[] Fail, double[] Retry, double[] RetryAlone, double ExitMs)> KillOnceAsync(PeerGroup group, int bytes)
    {
        PeerProcess[] peers = [.. group.Accepted];
        PeerProcess victim = peers[^1];
        PeerProcess[] survivors = peers[..^1];
        ulong tag = group.TakeTags(2);
        foreach (PeerProcess peer in peers)
        {
            peer.Send($"fail-op {bytes} {tag} {Stats.Format(KillAtFraction)}");
        }

        await victim.ExpectAsync("FLOWING", PeerGroup.Bound);
        long killed = Stopwatch.GetTimestamp();
        victim.Kill();
        Task<long> exited = victim.WaitForExitAsync(PeerGroup.Bound);
        group.Forget(victim);
        if (Environment.GetEnvironmentVariable("COLLECTIVES_BENCH_LOG") is not null)
        {
            Console.Error.WriteLine($"{killed} parent SIGKILL sent to {victim.Name} (pid {victim.Pid})");
        }

        var fail = new List<double>();
        var retry = new List<double>();
        var alone = new List<double>();
        foreach (PeerProcess survivor in survivors)
        {
            string[] outcome = await survivor.ExpectAsync("FAILED", PeerGroup.Bound, "DONE");
            if (outcome[0] == "DONE")
            {
                continue;
            }

            string[] retried = await survivor.ExpectAsync("RETRIED", PeerGroup.Bound);
            long failedAt = Stats.ParseLong(outcome[1]);
            long retriedAt = Stats.ParseLong(retried[1]);
            fail.Add(Stats.Ms(killed, failedAt));
            retry.Add(Stats.Ms(killed, retriedAt));
            alone.Add(Stats.Ms(failedAt, retriedAt));
        }

        double exitMs = Stats.Ms(killed, await exited);
        await victim.DisposeAsync();
        PeerProcess[] replacement = await group.SpawnAsync(1);
        await group.JoinAsync(replacement[0]);
        return (fail.ToArray(), retry.ToArray(), alone.ToArray(), exitMs);
    }
}
