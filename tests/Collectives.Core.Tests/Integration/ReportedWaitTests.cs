using Collectives.Tests.Internal;
using NUnit.Framework;

namespace Collectives.Tests.Integration;

/// <summary>
/// A peer whose success was reported by its receiving thread waits for the verdict alone. Regression: it used to keep
/// polling its run, and a source connection breaking after the report (common under churn) turned that poll into a hot
/// loop that allocated a timer per turn until the verdict came (a chaos run saw a peer reach 990 MiB).
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class ReportedWaitTests
{
    [Test]
    public async Task ASourceBreakingAfterTheReportNeitherSpinsNorChangesTheOutcome()
    {
        await using var run = new LocalRun();
        Communicator a = await run.JoinAsync();
        Communicator b = await run.JoinAsync();
        byte[] data = new byte[4096];
        await Task.WhenAll(run.Peers.Select((p, i) => p.AllReduceAsync(data.AsMemory(), new byte[4096].AsMemory(), ReduceOp.Sum, 1)))
            .WaitAsync(LocalRun.Bound); // links dialled, tickets issued

        // b stops reading: a's data to it sits in socket buffers, so a's own frames have left, a receives b's data,
        // finishes and reports at once; b never finishes, so the verdict waits for b's progress deadline (3 s).
        b.SimulateInboundStall();
        Task<AllReduceInfo> atA = a.AllReduceAsync(data.AsMemory(), new byte[4096].AsMemory(), ReduceOp.Sum, 2);
        Task<AllReduceInfo> atB = b.AllReduceAsync(data.AsMemory(), new byte[4096].AsMemory(), ReduceOp.Sum, 2);
        await Eventually.HoldsAsync(() => a.ReportsOnReceipt >= 2, LocalRun.Bound, "a reported op 2 from its receiving thread");

        long roundsBefore = a.LocalWaitRounds;
        b.SimulateOutboundLinkFailure(); // a's run now sees its source fail, after its report

        var failures = await Task.WhenAll(Outcome(atA), Outcome(atB)).WaitAsync(LocalRun.Bound);
        Assert.That(failures, Is.All.InstanceOf<CollectivesException>(), "b timed out, so the verdict fails the op on both");
        Assert.That(a.LocalWaitRounds - roundsBefore, Is.LessThanOrEqualTo(1), "a slept until the verdict instead of polling its finished run");
    }

    private static async Task<Exception?> Outcome(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
