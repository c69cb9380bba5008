using Collectives.StressTests.Orchestration;
using Collectives.StressTests.Shared;

namespace Collectives.StressTests;

/// <summary>
/// <c>selftest</c> mode: checks the orchestrator's pure pieces (report lines, the parity book, the churn planner's
/// invariants over random situations) in a second, without starting any process. Exit code 0 when all hold.
/// </summary>
internal static class SelfTest
{
    public static int Run(Arguments args)
    {
        args.RejectUnknown();
        var failures = new List<string>();
        Check(failures, "report lines round-trip", ReportLinesRoundTrip);
        Check(failures, "parity book flags a mismatch and only a mismatch", ParityBookFlagsMismatches);
        Check(failures, "churn planner keeps its invariants", PlannerKeepsInvariants);
        Check(failures, "an unobserved task's origin is named", TaskOriginsAreNamed);
        Console.WriteLine(failures.Count == 0 ? "selftest: all checks passed" : $"selftest: {failures.Count} check(s) failed");
        return failures.Count == 0 ? 0 : 1;
    }

    private static void Check(List<string> failures, string name, Func<string?> check)
    {
        string? problem = check();
        Console.WriteLine($"  {(problem is null ? "ok  " : "FAIL")} {name}{(problem is null ? string.Empty : ": " + problem)}");
        if (problem is not null)
        {
            failures.Add(name);
        }
    }

    private static string? TaskOriginsAreNamed()
    {
        string method = Peer.PeerProgram.DescribeTask(YieldOnceAsync());
        string source = Peer.PeerProgram.DescribeTask(new TaskCompletionSource<int>().Task);
        return method.Contains(nameof(YieldOnceAsync), StringComparison.Ordinal) && source.StartsWith("Task", StringComparison.Ordinal)
            ? null : $"async method named '{method}', completion source '{source}'";

        // Any async method's task is a state machine box, faulted or not.
        static async Task YieldOnceAsync() => await Task.Yield();
    }

    private static string? ReportLinesRoundTrip()
    {
        string text = ReportLine.Format(LineKinds.Lost, [("code", ErrorCode.Kicked), ("gen", 3)], "kicked by the master (Timeout): a b=c\nnext");
        if (!ReportLine.TryParse(text, out ReportLine line))
        {
            return $"'{text}' did not parse";
        }

        if (line.Kind != LineKinds.Lost || line.Text("code") != "Kicked" || line.Long("gen") != 3 || line.Text("msg") != "kicked by the master (Timeout): a b=c | next")
        {
            return $"'{text}' parsed into the wrong fields";
        }

        string step = ReportLine.Format(LineKinds.Step, [("lin", "00000000000000ff"), ("rev", 42UL), ("hash", "deadbeef00000001")]);
        if (!ReportLine.TryParse(step, out ReportLine parsed) || parsed.Hex("lin") != 0xff || parsed.Long("rev") != 42 || parsed.Hex("hash") != 0xdeadbeef00000001)
        {
            return $"'{step}' parsed wrong";
        }

        return ReportLine.TryParse("Unhandled exception. System.Exception", out _) || ReportLine.TryParse(string.Empty, out _)
            ? "a runtime message passed for a report" : null;
    }

    private static string? ParityBookFlagsMismatches()
    {
        var book = new ParityBook();
        if (book.Record(1, 5, 0xaa, "p1") is not null || book.Record(1, 5, 0xaa, "p2") is not null)
        {
            return "equal hashes flagged";
        }

        if (book.Record(2, 5, 0xbb, "p3") is not null)
        {
            return "another lineage's revision compared with this one";
        }

        return book.Record(1, 5, 0xab, "p4") is null ? "a different hash for the same revision passed" : null;
    }

    private static string? PlannerKeepsInvariants()
    {
        var random = new Random(12345);
        for (int round = 0; round < 20_000; round++)
        {
            int max = random.Next(2, 7);
            var planner = new ChurnPlanner(new Random(round), Math.Min(max, random.Next(2, 5)), max);
            TimeSpan now = TimeSpan.FromSeconds(100);
            List<PeerView> peers = RandomPeers(random, random.Next(0, max + 1), now);
            ChurnAction action = planner.Next(peers, now);
            if (Violation(action, peers, max, now) is { } problem)
            {
                return $"round {round}: {problem}";
            }
        }

        return null;
    }

    private static List<PeerView> RandomPeers(Random random, int count, TimeSpan now) =>
        Enumerable.Range(0, count).Select(i => new PeerView($"p{i}", null!, TimeSpan.Zero)
        {
            Holder = random.Next(3) > 0,
            Stopped = random.Next(6) == 0,
            Disrupted = random.Next(6) == 0,
            AskedToLeave = random.Next(10) == 0,
            EndedByUs = random.Next(10) == 0,
            Exited = random.Next(10) == 0,
            StalledUntil = random.Next(4) == 0 ? now + TimeSpan.FromSeconds(random.Next(-8, 8)) : TimeSpan.Zero,
        }).ToList();

    private static string? Violation(ChurnAction action, List<PeerView> peers, int max, TimeSpan now)
    {
        int alive = peers.Count(p => p.Alive);
        bool Untouched(PeerView p) => p.Alive && !p.EndedByUs && !p.Stopped && !p.Disrupted && !p.AskedToLeave;
        switch (action.Kind)
        {
            case ChurnKind.None:
                return null;
            case ChurnKind.Spawn:
                return alive < max ? null : $"spawned with {alive} alive of at most {max}";
            case ChurnKind.Stall:
                if (action.Target is not { } stalled || !Untouched(stalled))
                {
                    return "stalled a peer that is gone or already disrupted";
                }

                return peers.Any(p => p.StalledUntil + TimeSpan.FromSeconds(5) > now) ? "stalled while another stall is on or cooling down" : null;
            default:
                if (action.Target is not { } target || !Untouched(target))
                {
                    return $"{action.Kind} of a peer that is gone or already disrupted";
                }

                int otherHolders = peers.Count(p => p != target && p.Holder && Untouched(p));
                return otherHolders >= 2 ? null : $"{action.Kind} of {target.Name} would leave {otherHolders} untouched holder(s)";
        }
    }
}
