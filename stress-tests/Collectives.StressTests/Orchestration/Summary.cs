namespace Collectives.StressTests.Orchestration;

/// <summary>The end-of-run report; on failure also the violations, the seed and the last events for a replay.</summary>
internal static class Summary
{
    private const int UnobservedGroupsShown = 12;

    public static void Print(RunOptions options, RunBook book, TimeSpan total, TimeSpan churn, EventLog events)
    {
        IReadOnlyList<string> violations = book.Violations;
        RunCounters c = book.Counters;
        bool passed = violations.Count == 0;
        string losses;
        lock (book.Gate)
        {
            losses = string.Join(", ", book.Losses.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key} {l.Value}"));
        }

        lock (book.Gate)
        {
            Console.WriteLine($"""
                == stress {(passed ? "PASSED" : "FAILED")} (profile {options.Profile}, seed {options.Seed}) ==
                duration          {churn.TotalSeconds:F0} s of churn + {options.QuietTail.TotalSeconds:F0} s quiet tail, {total.TotalSeconds:F0} s in all
                peers             target {options.Peers}, at most {options.MaxPeers}; {c.Spawns} processes spawned, {c.Joins} joins (rejoins included)
                faults            {c.Kills} SIGKILL, {c.Stops} SIGSTOP ({c.StopsContinued} continued, {c.StopsKilled} then killed), {c.Cuts} connection cuts, {c.Stalls} stalls, {c.Leaves} graceful leaves
                all-reduces       {c.Operations} completed, {c.OperationRetries} single all-reduces retried
                retried phases    {c.PhaseRetries} (topology update, sync or step failed and ran again)
                steps             {c.Steps} completed by all peers, highest revision {c.MaxRevision}
                parity            {c.ParityChecks} reports checked, {c.ParityViolations} violations
                syncs             {c.Syncs}, {c.SyncsWithTransfers} with transfers ({c.SyncBytes / 1048576.0:F1} MiB)
                removals          {(losses.Length == 0 ? "none" : losses)}
                state losses      {c.Resets}
                unobserved tasks  {c.UnobservedExceptions} task exceptions nobody observed (see below; {(options.StrictUnobserved ? "violations" : "not counted as violations")})
                longest stall     {book.LongestStall.TotalSeconds:F1} s (bound {options.StallBound.TotalSeconds:F0} s)
                max RSS           peers {c.MaxPeerRss >> 20} MiB, master {c.MaxMasterRss >> 20} MiB (bound {options.MaxRssBytes >> 20} MiB)
                violations        {violations.Count}
                replay            {options.ReplayCommand()}
                """);
        }

        var sources = book.UnobservedSources.OrderByDescending(s => s.Value).ToList();
        foreach ((string source, int count) in sources.Take(UnobservedGroupsShown))
        {
            Console.WriteLine($"  unobserved {count}x: {source}");
        }

        if (sources.Count > UnobservedGroupsShown)
        {
            Console.WriteLine($"  unobserved: {sources.Count - UnobservedGroupsShown} more kinds, {sources.Skip(UnobservedGroupsShown).Sum(s => s.Value)} exceptions (all in the log file)");
        }

        if (passed)
        {
            return;
        }

        Console.WriteLine("violations:");
        foreach (string violation in violations.Take(30))
        {
            Console.WriteLine("  " + violation);
        }

        Console.WriteLine($"last events (seed {options.Seed}):");
        foreach (string line in events.Recent())
        {
            Console.WriteLine("  " + line);
        }

        if (events.Path is { } path)
        {
            Console.WriteLine($"full event log: {path}");
        }
    }
}
