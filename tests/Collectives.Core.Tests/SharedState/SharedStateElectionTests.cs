using Collectives.SharedState;
using NUnit.Framework;

namespace Collectives.Tests.SharedState;

/// <summary>One example per rule of <see cref="SharedStateElection"/>.</summary>
public class SharedStateElectionTests
{
    private const SharedStateStrategy Popular = SharedStateStrategy.EnforcePopular;
    private const SharedStateStrategy ReceiveOnly = SharedStateStrategy.ReceiveOnly;
    private const SharedStateStrategy SendOnly = SharedStateStrategy.SendOnly;

    [Test]
    public void FirstSyncAcceptsAnyRevisionAndTheNewestWins()
    {
        SharedStateDecision<int> decision = Decide(null,
            Peer(1, 40, Popular, State(weights: 7)),
            Peer(2, 3, Popular, State(weights: 9)),
            Peer(3, 3, Popular, State(weights: 9)));

        Assert.That(decision.Revision, Is.EqualTo(40));
        Assert.That(decision.OutcomeOf(1), Is.TypeOf<UpToDateOutcome<int>>());
        Assert.That(FetchedNames(decision, 2), Is.EqualTo(new[] { "weights" }), "older revisions lose even when more popular");
        Assert.That(FetchedNames(decision, 3), Is.EqualTo(new[] { "weights" }));
    }

    [Test]
    public void PeersMoreThanOneAheadAreViolationsAndTheRestProceed()
    {
        SharedStateDecision<int> decision = Decide(10,
            Peer(1, 11, Popular, State(weights: 1)),
            Peer(2, 12, Popular, State(weights: 2)),
            Peer(3, 30, Popular, State(weights: 2)),
            Peer(4, 11, Popular, State(weights: 1)));

        Assert.That(Violation(decision, 2), Is.EqualTo(ErrorCode.ProtocolViolation));
        Assert.That(Violation(decision, 3), Is.EqualTo(ErrorCode.ProtocolViolation));
        Assert.That(decision.OutcomeOf(1), Is.EqualTo(new UpToDateOutcome<int>(1, IsDonor: true)));
        Assert.That(decision.OutcomeOf(4), Is.EqualTo(new UpToDateOutcome<int>(4, IsDonor: true)));
        Assert.That(decision.Revision, Is.EqualTo(11));
    }

    [Test]
    public void BehindPeerFetchesOnlyDifferingEntriesAndAdoptsTheRevision()
    {
        SharedStateDecision<int> decision = Decide(10,
            Peer(1, 11, Popular, State(weights: 5, moments: 6, step: 11)),
            Peer(2, 7, Popular, State(weights: 5, moments: 0, step: 7)));

        Assert.That(decision.Revision, Is.EqualTo(11));
        Assert.That(FetchedNames(decision, 2), Is.EqualTo(new[] { "moments", "step" }));
    }

    [Test]
    public void BehindPeerWithTheElectedBytesFetchesNothingButIsNotUpToDate()
    {
        SharedStateDecision<int> decision = Decide(10,
            Peer(1, 11, Popular, State(weights: 5)),
            Peer(2, 10, Popular, State(weights: 5)));

        Assert.That(decision.OutcomeOf(2), Is.TypeOf<FetchOutcome<int>>());
        Assert.That(((FetchOutcome<int>)decision.OutcomeOf(2)!).ByteCount, Is.Zero);
    }

    [Test]
    public void RepeatingASyncWithoutAdvancingIsANoOp()
    {
        SharedStateDecision<int> decision = Decide(10,
            Peer(1, 10, Popular, State(weights: 5)),
            Peer(2, 10, Popular, State(weights: 5)));

        Assert.That(decision.Revision, Is.EqualTo(10));
        Assert.That(decision.Outcomes, Is.All.TypeOf<UpToDateOutcome<int>>());
    }

    [Test]
    public void WhenOnlyAnOlderStateSurvivesTheGroupFallsBackToIt()
    {
        SharedStateDecision<int> decision = Decide(10,
            Peer(1, 0, Popular, State(weights: 5)),
            Peer(2, 11, ReceiveOnly, State(weights: 6)));

        Assert.That(decision.Revision, Is.EqualTo(0));
        Assert.That(FetchedNames(decision, 2), Is.EqualTo(new[] { "weights" }));
    }

    [Test]
    public void ReceiveOnlyContentIsNeverElectedEvenWhenMostPopular()
    {
        SharedStateDecision<int> decision = Decide(null,
            Peer(1, 5, Popular, State(weights: 1)),
            Peer(2, 5, ReceiveOnly, State(weights: 2)),
            Peer(3, 5, ReceiveOnly, State(weights: 2)),
            Peer(4, 5, ReceiveOnly, State(weights: 1)));

        Assert.That(decision.ElectedEntries!.Single(e => e.Name == "weights").Hash, Is.EqualTo(1));
        Assert.That(FetchedNames(decision, 2), Is.EqualTo(new[] { "weights" }));
        Assert.That(decision.OutcomeOf(4), Is.EqualTo(new UpToDateOutcome<int>(4, IsDonor: false)), "receive-only never sends");
        Assert.That(decision.SlicesServedBy(4), Is.Empty);
        Assert.That(decision.SlicesServedBy(1).Select(s => s.Fetcher), Is.EquivalentTo(new[] { 2, 3 }));
    }

    [Test]
    public void ReceiveOnlyWithoutAnyDonorGetsNoSharedStateAvailable()
    {
        SharedStateDecision<int> onlyReceivers = Decide(3, Peer(1, 4, ReceiveOnly, State()), Peer(2, 4, ReceiveOnly, State()));
        Assert.That(Violation(onlyReceivers, 1), Is.EqualTo(ErrorCode.NoSharedStateAvailable));
        Assert.That(Violation(onlyReceivers, 2), Is.EqualTo(ErrorCode.NoSharedStateAvailable));
        Assert.That(onlyReceivers.Revision, Is.EqualTo(3));
        Assert.That(onlyReceivers.ElectedEntries, Is.Null);

        SharedStateDecision<int> donorCheated = Decide(3, Peer(1, 4, ReceiveOnly, State()), Peer(2, 9, Popular, State()));
        Assert.That(Violation(donorCheated, 2), Is.EqualTo(ErrorCode.ProtocolViolation));
        Assert.That(Violation(donorCheated, 1), Is.EqualTo(ErrorCode.NoSharedStateAvailable));
    }

    [Test]
    public void SendOnlyMustAlreadyHoldTheElectedContent()
    {
        SharedStateDecision<int> decision = Decide(10,
            Peer(1, 11, Popular, State(weights: 1)),
            Peer(2, 11, Popular, State(weights: 1)),
            Peer(3, 11, SendOnly, State(weights: 2)),
            Peer(4, 11, SendOnly, State(weights: 1)),
            Peer(5, 10, SendOnly, State(weights: 1)),
            Peer(6, 3, Popular, State(weights: 9)));

        Assert.That(Violation(decision, 3), Is.EqualTo(ErrorCode.ProtocolViolation), "loses the vote and may not receive");
        Assert.That(Violation(decision, 5), Is.EqualTo(ErrorCode.ProtocolViolation), "behind and may not receive");
        Assert.That(decision.OutcomeOf(4), Is.EqualTo(new UpToDateOutcome<int>(4, IsDonor: true)));
        var donors = ((FetchOutcome<int>)decision.OutcomeOf(6)!).Transfers.SelectMany(t => t.Slices).Select(s => s.Donor);
        Assert.That(donors, Is.SubsetOf(new[] { 1, 2, 4 }));
    }

    [Test]
    public void SendOnlyPeersCanWinTheElection()
    {
        SharedStateDecision<int> decision = Decide(10,
            Peer(1, 11, SendOnly, State(weights: 4)),
            Peer(2, 11, SendOnly, State(weights: 4)),
            Peer(3, 11, Popular, State(weights: 8)));

        Assert.That(decision.OutcomeOf(1), Is.TypeOf<UpToDateOutcome<int>>());
        Assert.That(FetchedNames(decision, 3), Is.EqualTo(new[] { "weights" }));
    }

    [TestCase("name")]
    [TestCase("type")]
    [TestCase("count")]
    [TestCase("flag")]
    [TestCase("missing")]
    [TestCase("extra")]
    public void OnlyThePeerWithAMismatchingSchemaIsViolated(string mismatch)
    {
        SharedStateEntry[] good = State(weights: 1);
        SharedStateEntry[] bad = mismatch switch
        {
            "name" => [good[0] with { Name = "weight" }, .. good[1..]],
            "type" => [good[0] with { DataType = DataType.Float16 }, .. good[1..]],
            "count" => [good[0] with { Count = good[0].Count + 1 }, .. good[1..]],
            "flag" => [good[0] with { AllowContentInequality = true }, .. good[1..]],
            "missing" => good[1..],
            _ => [.. good, new SharedStateEntry("extra", DataType.UInt8, 1, 1, false)],
        };

        SharedStateDecision<int> decision = Decide(10,
            Peer(1, 11, Popular, good), Peer(2, 11, Popular, bad), Peer(3, 11, Popular, State(weights: 2)));

        var violation = (ViolationOutcome<int>)decision.OutcomeOf(2)!;
        Assert.That(violation.Code, Is.EqualTo(ErrorCode.ProtocolViolation));
        Assert.That(violation.Reason, Does.Contain(mismatch == "extra" ? "'extra'" : "'weights'"));
        Assert.That(decision.OutcomeOf(1), Is.TypeOf<UpToDateOutcome<int>>(), "tie 1 vs 1 goes to the smaller hash");
        Assert.That(FetchedNames(decision, 3), Is.EqualTo(new[] { "weights" }));
    }

    [Test]
    public void TheSchemaIsElectedBeforeTheContent()
    {
        // Three peers agree on the declaration but not the bytes; two agree on bytes of a wrong declaration.
        SharedStateEntry[] wrong = [.. State(weights: 1), new SharedStateEntry("extra", DataType.UInt8, 1, 1, false)];
        SharedStateDecision<int> decision = Decide(null,
            Peer(1, 1, Popular, State(weights: 7)),
            Peer(2, 1, Popular, State(weights: 8)),
            Peer(3, 1, Popular, State(weights: 9)),
            Peer(4, 1, Popular, wrong),
            Peer(5, 1, Popular, wrong));

        Assert.That(Violation(decision, 4), Is.EqualTo(ErrorCode.ProtocolViolation));
        Assert.That(Violation(decision, 5), Is.EqualTo(ErrorCode.ProtocolViolation));
        Assert.That(decision.OutcomeOf(1), Is.TypeOf<UpToDateOutcome<int>>(), "three-way tie goes to the smallest hash");
    }

    [Test]
    public void EntriesThatAllowInequalityAreNeitherComparedNorFetched()
    {
        SharedStateDecision<int> decision = Decide(10,
            Peer(1, 11, Popular, State(weights: 1, rng: 100)),
            Peer(2, 11, Popular, State(weights: 1, rng: 200)),
            Peer(3, 11, Popular, State(weights: 2, rng: 100)),
            Peer(4, 11, Popular, State(weights: 2, rng: 100)));

        // Counting rng, {w1,r100} {w1,r200} {w2,r100}x2 would make weights 2 win; ignoring it, 2 vs 2 ties to weights 1.
        Assert.That(decision.OutcomeOf(1), Is.TypeOf<UpToDateOutcome<int>>());
        Assert.That(decision.OutcomeOf(2), Is.TypeOf<UpToDateOutcome<int>>());
        Assert.That(FetchedNames(decision, 3), Is.EqualTo(new[] { "weights" }));
    }

    [Test]
    public void TiesGoToTheSmallestHashSequenceWhateverTheOrder()
    {
        SharedStateSubmission<int>[] round =
        [
            Peer(1, 5, Popular, State(weights: 9, moments: 1)),
            Peer(2, 5, Popular, State(weights: 9, moments: 1)),
            Peer(3, 5, Popular, State(weights: 3, moments: 8)),
            Peer(4, 5, Popular, State(weights: 3, moments: 8)),
            Peer(5, 5, Popular, State(weights: 1, moments: 9)),
        ];

        foreach (SharedStateSubmission<int>[] order in new[] { round, round.Reverse().ToArray(), [round[2], round[0], round[4], round[3], round[1]] })
        {
            SharedStateDecision<int> decision = SharedStateElection.Decide(null, order);
            // Compared in name order (moments, step, weights): (1, 1, 9) beats (8, 1, 3) on the first hash.
            Assert.That(decision.OutcomeOf(1), Is.TypeOf<UpToDateOutcome<int>>());
            Assert.That(decision.OutcomeOf(2), Is.TypeOf<UpToDateOutcome<int>>());
            Assert.That(FetchedNames(decision, 3), Is.EqualTo(new[] { "moments", "weights" }));
        }
    }

    [Test]
    public void MalformedSubmissionsAreViolationsOfTheirSenderOnly()
    {
        SharedStateDecision<int> decision = Decide(null,
            Peer(1, 1, Popular, State()),
            Peer(2, 1, Popular, [new SharedStateEntry("a", DataType.UInt8, 1, 1, false), new SharedStateEntry("a", DataType.UInt8, 1, 1, false)]),
            Peer(3, 1, Popular, [new SharedStateEntry("a", (DataType)42, 1, 1, false)]),
            Peer(4, 1, (SharedStateStrategy)7, State()),
            Peer(5, 1, Popular, [new SharedStateEntry("a", DataType.UInt64, ulong.MaxValue / 4, 1, false)]),
            new SharedStateSubmission<int>(6, 1, Popular, null!));

        Assert.That(decision.OutcomeOf(1), Is.TypeOf<UpToDateOutcome<int>>());
        foreach (int peer in new[] { 2, 3, 4, 5, 6 })
        {
            Assert.That(Violation(decision, peer), Is.EqualTo(ErrorCode.ProtocolViolation), $"peer {peer}");
        }
    }

    [Test]
    public void CallerMistakesThrow()
    {
        Assert.Throws<ArgumentException>(() => Decide(null, Peer(1, 1, Popular, State()), Peer(1, 1, Popular, State())));
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedStateElection.Decide(null, [Peer(1, 1, Popular, State())], splitThresholdBytes: 0));
        Assert.That(SharedStateElection.Decide<int>(4, []).Outcomes, Is.Empty);
    }

    [Test]
    public void LargeEntriesAreSplitAcrossAllDonorsAlignedToElements()
    {
        SharedStateEntry[] held = [new("weights", DataType.Float32, 10, 1, false)];
        SharedStateEntry[] stale = [new("weights", DataType.Float32, 10, 2, false)];
        SharedStateDecision<int> decision = SharedStateElection.Decide(null,
            [Peer(1, 1, Popular, held), Peer(2, 1, Popular, held), Peer(3, 1, SendOnly, held), Peer(4, 1, ReceiveOnly, stale)],
            splitThresholdBytes: 16);

        EntryTransfer<int> transfer = ((FetchOutcome<int>)decision.OutcomeOf(4)!).Transfers.Single();
        Assert.That(transfer.Slices, Is.EqualTo(new[]
        {
            new TransferSlice<int>(1, 0, 16), new TransferSlice<int>(2, 16, 12), new TransferSlice<int>(3, 28, 12),
        }));
    }

    private static SharedStateDecision<int> Decide(ulong? groupRevision, params SharedStateSubmission<int>[] submissions) =>
        SharedStateElection.Decide(groupRevision, submissions);

    private static SharedStateSubmission<int> Peer(int id, ulong revision, SharedStateStrategy strategy, SharedStateEntry[] entries) =>
        new(id, revision, strategy, entries);

    private static SharedStateEntry[] State(ulong weights = 1, ulong moments = 1, ulong step = 1, ulong rng = 1) =>
    [
        new("weights", DataType.BFloat16, 1000, weights, false),
        new("moments", DataType.Float32, 1000, moments, false),
        new("step", DataType.Int64, 1, step, false),
        new("rng", DataType.UInt8, 16, rng, true),
    ];

    private static string[] FetchedNames(SharedStateDecision<int> decision, int peer) =>
        decision.OutcomeOf(peer) is FetchOutcome<int> fetch
            ? fetch.Transfers.Select(t => t.Name).ToArray()
            : throw new AssertionException($"peer {peer} does not fetch: {decision.OutcomeOf(peer)}");

    private static ErrorCode? Violation(SharedStateDecision<int> decision, int peer) =>
        (decision.OutcomeOf(peer) as ViolationOutcome<int>)?.Code;
}
