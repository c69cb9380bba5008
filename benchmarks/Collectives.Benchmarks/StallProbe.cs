using System.Diagnostics;
using System.Reflection;
using Collectives.Algorithms;
using Collectives.Membership;
using Collectives.Transport;

namespace Collectives.Benchmarks;

/// <summary>
/// Diagnostics only (COLLECTIVES_BENCH_LOG=Debug): when a failed run does not quiesce, dumps the communicator's
/// in-flight state to stderr a little later, to show what keeps it from settling. Reads private fields by
/// reflection because the library exposes no such view; never used for figures.
/// </summary>
internal static class StallProbe
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;

    public static Communicator? Target { get; set; }

    public static void OnQuiesceTimeout()
    {
        if (Target is { } communicator)
        {
            _ = DumpLaterAsync(communicator);
        }
    }

    private static async Task DumpLaterAsync(Communicator communicator)
    {
        foreach (int delayMs in new[] { 500, 3000 })
        {
            await Task.Delay(delayMs);
            Dump(communicator, delayMs);
        }
    }

    private static void Dump(Communicator communicator, int afterMs)
    {
        var lines = new List<string> { $"{Stopwatch.GetTimestamp()} probe: {afterMs} ms after a quiesce timeout" };
        var operations = (Dictionary<ulong, CollectiveOperation>)typeof(Communicator).GetField("_operations", Private)!.GetValue(communicator)!;
        CollectiveOperation[] snapshot;
        lock (typeof(Communicator).GetField("_gate", Private)!.GetValue(communicator)!)
        {
            snapshot = [.. operations.Values];
        }

        foreach (CollectiveOperation op in snapshot)
        {
            RingRun? run = op.Run as RingRun;
            object? active = run is null ? null : typeof(RingRun).GetField("_active", Private)!.GetValue(run);
            object? piecesLeft = run is null ? null : typeof(RingRun).GetField("_piecesLeft", Private)!.GetValue(run);
            lines.Add($"  op tag {op.Tag} seq {op.Sequence}: verdict {op.Verdict.Status}, handlers active {active}, pieces left {piecesLeft}, "
                + $"frames outstanding {run?.Tracker.Outstanding}, send failure {run?.Tracker.Failure?.Message}, slot targets broken {string.Join(",", op.Slots.Select(slot => (slot?.Target as OutboundLink)?.IsBroken))}");
        }

        var links = (LinkCache)typeof(Communicator).GetField("_links", Private)!.GetValue(communicator)!;
        foreach (OutboundLink link in links.OpenLinks())
        {
            lines.Add($"  outbound link to {link.RemoteId}: broken {link.IsBroken}, queued {string.Join(",", link.Connections.Select(c => c.QueuedFrames))}, "
                + $"sent {string.Join(",", link.Connections.Select(c => c.BytesSent))}");
        }

        var router = (InboundRouter)typeof(Communicator).GetField("_router", Private)!.GetValue(communicator)!;
        foreach (FramedConnection connection in router.AllConnections())
        {
            lines.Add($"  inbound from {connection.RemoteId} slot {connection.Hello.Slot}: broken {connection.IsBroken}, received {connection.BytesReceived}");
        }

        Console.Error.WriteLine(string.Join(Environment.NewLine, lines));
    }
}
