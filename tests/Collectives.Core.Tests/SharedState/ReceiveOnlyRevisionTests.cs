using Collectives.SharedState;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.SharedState;

/// <summary>
/// A receive-only peer's revision is never a violation: it adopts the elected content and revision in whatever
/// direction. Found by the soak (stress-tests/RESULTS.md): after every holder of the state died the group restarted at
/// revision 0, and receive-only peers rejoining with revision 824 were kicked for "jumping ahead".
/// </summary>
public class ReceiveOnlyRevisionTests
{
    private const SharedStateStrategy Popular = SharedStateStrategy.EnforcePopular;
    private const SharedStateStrategy ReceiveOnly = SharedStateStrategy.ReceiveOnly;
    private const SharedStateStrategy SendOnly = SharedStateStrategy.SendOnly;
    private const int Newcomer = 100; // never one of the scenarios' peer ids (0..19)

    [Test]
    public void AReceiveOnlyPeerFarAheadOfANewLineageAdoptsItsContentAndRevision()
    {
        SharedStateDecision<int> decision = SharedStateElection.Decide<int>(0,
        [
            new(1, 1, Popular, State(weights: 5)),
            new(2, 1, Popular, State(weights: 5)),
            new(3, 824, ReceiveOnly, State(weights: 9)),
        ]);

        Assert.That(decision.Revision, Is.EqualTo(1));
        var fetch = decision.OutcomeOf(3) as FetchOutcome<int>;
        Assert.That(fetch, Is.Not.Null, $"peer 3: {decision.OutcomeOf(3)}");
        Assert.That(fetch!.Transfers.Select(t => t.Name), Is.EqualTo(new[] { "weights" }));
    }

    [Test]
    public void AReceiveOnlyPeerAheadWithTheElectedBytesFetchesNothingButStillAdoptsTheRevision()
    {
        SharedStateDecision<int> decision = SharedStateElection.Decide<int>(7,
        [
            new(1, 8, Popular, State(weights: 5)),
            new(2, 824, ReceiveOnly, State(weights: 5)),
        ]);

        Assert.That(decision.Revision, Is.EqualTo(8));
        Assert.That(decision.OutcomeOf(2), Is.TypeOf<FetchOutcome<int>>(), "not up to date: its revision is not the elected one");
        Assert.That(((FetchOutcome<int>)decision.OutcomeOf(2)!).ByteCount, Is.Zero);
    }

    [TestCase(Popular)]
    [TestCase(SendOnly)]
    public void PeersThatMayBeElectedAreStillViolationsWhenTheyJumpAhead(SharedStateStrategy strategy)
    {
        SharedStateDecision<int> decision = SharedStateElection.Decide<int>(7,
        [
            new(1, 8, Popular, State(weights: 5)),
            new(2, 824, strategy, State(weights: 5)),
        ]);

        var violation = decision.OutcomeOf(2) as ViolationOutcome<int>;
        Assert.That(violation?.Code, Is.EqualTo(ErrorCode.ProtocolViolation));
        Assert.That(violation!.Reason, Does.Contain("jumps ahead"));
        Assert.That(decision.Revision, Is.EqualTo(8));
    }

    [Test]
    public void AReceiveOnlyPeerWithAnotherSchemaIsStillAViolationWhateverItsRevision()
    {
        SharedStateEntry[] renamed = [.. State().Select(e => e.Name == "weights" ? e with { Name = "weight" } : e)];
        SharedStateDecision<int> decision = SharedStateElection.Decide<int>(7,
        [
            new(1, 8, Popular, State()),
            new(2, 824, ReceiveOnly, renamed),
        ]);

        Assert.That((decision.OutcomeOf(2) as ViolationOutcome<int>)?.Reason, Does.Contain("differs from the group's"));
    }

    /// <summary>
    /// Adding a receive-only peer at any revision, far ahead included, changes nothing for anyone else (it is never a
    /// candidate), and its own outcome is never a revision violation: it is up to date, fetches, or — like any peer —
    /// fails on its schema or for want of a donor.
    /// </summary>
    [Test]
    public void AReceiveOnlyPeerAtAnyRevisionChangesNothingElseAndIsNeverKickedForItsRevision()
    {
        Gen<(ElectionScenario Round, ulong Revision, bool SameContent)> cases =
            from round in ElectionScenarios.Rounds
            from revision in Gen.OneOf(Gen.Choose(0, 30).Select(r => (ulong)r), Gen.Constant(824UL), Gen.Constant(ulong.MaxValue))
            from sameContent in ArbMap.Default.GeneratorFor<bool>()
            select (round, revision, sameContent);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(cases.ToArbitrary(), c =>
        {
            SharedStateDecision<int> without = SharedStateElection.Decide(c.Round.GroupRevision, c.Round.Submissions, c.Round.SplitThresholdBytes);
            IReadOnlyList<SharedStateEntry> entries = c.SameContent && without.ElectedEntries is { } elected ? elected : c.Round.Submissions[0].Entries;
            var newcomer = new SharedStateSubmission<int>(Newcomer, c.Revision, ReceiveOnly, entries);
            SharedStateDecision<int> with = SharedStateElection.Decide(c.Round.GroupRevision, [.. c.Round.Submissions, newcomer], c.Round.SplitThresholdBytes);

            Assert.That(with.Revision, Is.EqualTo(without.Revision));
            Assert.That(with.ElectedEntries, Is.EqualTo(without.ElectedEntries));
            Assert.That(with.Outcomes.Where(o => o.Peer != Newcomer).Select(Summary), Is.EqualTo(without.Outcomes.Select(Summary)));
            SharedStateOutcome<int> own = with.OutcomeOf(Newcomer)!;
            Assert.That(own is ViolationOutcome<int> v && v.Reason.Contains("jumps ahead", StringComparison.Ordinal), Is.False, own.ToString());
            if (without.ElectedEntries is null)
            {
                Assert.That((own as ViolationOutcome<int>)?.Code, Is.EqualTo(ErrorCode.NoSharedStateAvailable));
            }
            else if (c.SameContent)
            {
                // The elected entries themselves: the schema matches, so only the revision can differ.
                Assert.That(own, c.Revision == with.Revision ? Is.EqualTo(new UpToDateOutcome<int>(Newcomer, IsDonor: false)) : Is.TypeOf<FetchOutcome<int>>());
            }
        }));
    }

    /// <summary>What a peer is told, without the donor slices (a further fetcher may rebalance them).</summary>
    private static string Summary(SharedStateOutcome<int> outcome) => outcome switch
    {
        FetchOutcome<int> fetch => $"{fetch.Peer} fetches {string.Join(",", fetch.Transfers.Select(t => $"{t.Name}={t.ExpectedHash}"))}",
        ViolationOutcome<int> violation => $"{violation.Peer} {violation.Code}",
        _ => outcome.ToString()!,
    };

    private static SharedStateEntry[] State(ulong weights = 1) =>
    [
        new("weights", DataType.Float32, 1000, weights, false),
        new("step", DataType.Int64, 1, 1, false),
    ];
}
