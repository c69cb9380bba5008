using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Membership;

/// <summary>Random interleavings of everything peers can do, checked against the design's invariants after every step.</summary>
public class MasterStateModelTests
{
    private static readonly Gen<ModelStep> Step =
        from kind in Gen.Frequency(
            (20, Gen.Constant(StepKind.Connect)),
            (20, Gen.Constant(StepKind.Register)),
            (20, Gen.Constant(StepKind.Vote)),
            (6, Gen.Constant(StepKind.Query)),
            (40, Gen.Constant(StepKind.Initiate)),
            (25, Gen.Constant(StepKind.Complete)),
            (100, Gen.Constant(StepKind.Process)),
            (25, Gen.Constant(StepKind.EndOfStep)),
            (6, Gen.Constant(StepKind.EveryoneEndsStep)),
            (12, Gen.Constant(StepKind.GroupInitiates)),
            (10, Gen.Constant(StepKind.Sync)),
            (8, Gen.Constant(StepKind.GroupSyncs)),
            (2, Gen.Constant(StepKind.SyncAhead)),
            (20, Gen.Constant(StepKind.FinishTransfer)),
            (6, Gen.Constant(StepKind.AdvanceTime)),
            (1, Gen.Constant(StepKind.Leave)),
            (1, Gen.Constant(StepKind.Disconnect)),
            (1, Gen.Constant(StepKind.Stall)),
            (1, Gen.Constant(StepKind.Garbage)))
        from peer in Gen.Choose(0, 7)
        from arg in Gen.Choose(0, 10_000)
        from option in Gen.Choose(0, 10_000)
        select new ModelStep(kind, peer, arg, option);

    private static readonly Gen<ModelStep[]> Runs = Gen.Choose(20, 250).SelectMany(length => Gen.ArrayOf(Step, length));

    [Test]
    public void InvariantsHoldUnderRandomInterleavings() =>
        Prop.ForAll(Runs.ToArbitrary(), steps => new MasterStateModel().Run(steps))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(300));

    [Test]
    public void ModelRunsReachTheInterestingStates()
    {
        // Guards the generator: if runs never got this far the invariants above would hold vacuously.
        var totals = new ModelStats();
        int runsWithCommence = 0;
        foreach (var steps in Runs.Sample(50, new Rnd(7UL, 11UL), 60))
        {
            var model = new MasterStateModel();
            model.Run(steps);
            runsWithCommence += model.Stats.Commenced > 0 ? 1 : 0;
            totals.Succeeded += model.Stats.Succeeded;
            totals.Failed += model.Stats.Failed;
            totals.Mismatched += model.Stats.Mismatched;
            totals.Established += model.Stats.Established;
            totals.VotesFailed += model.Stats.VotesFailed;
            totals.Kicked += model.Stats.Kicked;
            totals.TimedOut += model.Stats.TimedOut;
            totals.QuiesceRounds = Math.Max(totals.QuiesceRounds, model.Stats.QuiesceRounds);
            totals.Commenced += model.Stats.Commenced;
            totals.Initiations += model.Stats.Initiations;
            totals.InitiationsIntoWaitingOps += model.Stats.InitiationsIntoWaitingOps;
            totals.LargestGroup += model.Stats.LargestGroup;
            totals.SyncRequests += model.Stats.SyncRequests;
            totals.SyncRounds += model.Stats.SyncRounds;
            totals.SyncSucceeded += model.Stats.SyncSucceeded;
            totals.SyncRoundsFailed += model.Stats.SyncRoundsFailed;
            totals.SyncUnavailable += model.Stats.SyncUnavailable;
            totals.JumpersKicked += model.Stats.JumpersKicked;
            totals.Fetchers += model.Stats.Fetchers;
            totals.StripedTransfers += model.Stats.StripedTransfers;
        }

        TestContext.Out.WriteLine($"runs with commence {runsWithCommence}/60; commenced {totals.Commenced}, succeeded {totals.Succeeded}, failed {totals.Failed}, " +
            $"mismatched {totals.Mismatched}, establish requests {totals.Established}, votes failed {totals.VotesFailed}, kicked {totals.Kicked}, timed out {totals.TimedOut}, max quiesce rounds {totals.QuiesceRounds}, " +
            $"initiations {totals.Initiations} ({totals.InitiationsIntoWaitingOps} into waiting ops), mean largest group {totals.LargestGroup / 60.0:F1}; " +
            $"sync requests {totals.SyncRequests}, rounds {totals.SyncRounds} ({totals.SyncSucceeded} ok, {totals.SyncRoundsFailed} failed), unavailable {totals.SyncUnavailable}, " +
            $"jumpers kicked {totals.JumpersKicked}, fetchers {totals.Fetchers}, striped transfers {totals.StripedTransfers}");
        Assert.Multiple(() =>
        {
            Assert.That(runsWithCommence, Is.GreaterThan(20));
            Assert.That(totals.Succeeded, Is.GreaterThan(0));
            Assert.That(totals.Failed, Is.GreaterThan(0));
            Assert.That(totals.Mismatched, Is.GreaterThan(0));
            Assert.That(totals.Established, Is.GreaterThan(0));
            Assert.That(totals.VotesFailed, Is.GreaterThan(0));
            Assert.That(totals.Kicked, Is.GreaterThan(0));
            Assert.That(totals.TimedOut, Is.GreaterThan(0));
            Assert.That(totals.SyncSucceeded, Is.GreaterThan(0));
            Assert.That(totals.SyncRoundsFailed, Is.GreaterThan(0));
            Assert.That(totals.SyncUnavailable, Is.GreaterThan(0));
            Assert.That(totals.JumpersKicked, Is.GreaterThan(0));
            Assert.That(totals.Fetchers, Is.GreaterThan(0));
            Assert.That(totals.StripedTransfers, Is.GreaterThan(0));
        });
    }
}
