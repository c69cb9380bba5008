using System.Collections.Immutable;
using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using Collectives.SharedState;
using NUnit.Framework;
using static Collectives.Tests.Membership.SharedStateRequests;

namespace Collectives.Tests.Membership;

/// <summary>The master's shared-state sync round: collect, elect, tell each peer its part, collect transfer answers, end once.</summary>
public class MasterStateSharedStateTests
{
    [Test]
    public void NothingIsDecidedUntilEveryMemberAsked()
    {
        var (h, peers) = Group(3);
        h.Send(peers[0], Sync(1, Model(0)));
        h.Send(peers[1], Sync(1, Model(0)));
        h.AssertNothingFor(peers);
        var collecting = h.State.GetStatus().SharedStateSyncs.Single();
        Assert.That(collecting, Is.EqualTo(collecting with { Group = 0, Round = 0, Revision = null }));
        Assert.That(collecting.Peers, Is.EquivalentTo(new[] { h.Ids[peers[0]], h.Ids[peers[1]] }));
        Assert.That(h.StatusOf(peers[0]).SynchronizingSharedState, Is.True);
        Assert.That(h.StatusOf(peers[2]).SynchronizingSharedState, Is.False);

        h.Send(peers[2], Sync(1, Model(0)));
        foreach (var peer in peers)
        {
            Assert.That(h.TakeSingle<SharedStateDecision>(peer), Is.EqualTo(new SharedStateDecision(1, 1, true, [])));
        }
    }

    [Test]
    public void UpToDatePeersAnswerAndAllGetOneSuccessfulCompletion()
    {
        var (h, peers) = Group(3);
        h.SyncAllAlike(peers, Sync(4, Model(0)));
        var round = h.State.GetStatus().SharedStateSyncs.Single();
        Assert.That(round, Is.EqualTo(round with { Round = 1, Revision = 4 }));
        Assert.That(round.Peers, Has.Count.EqualTo(3));

        h.Send(peers[0], Done(1));
        h.Send(peers[1], Done(1));
        h.AssertNothingFor(peers);
        Assert.That(h.State.GetStatus().SharedStateSyncs.Single().Answered, Has.Count.EqualTo(2));
        h.Send(peers[2], Done(1));

        foreach (var peer in peers)
        {
            Assert.That(h.TakeSingle<SharedStateSyncComplete>(peer), Is.EqualTo(new SharedStateSyncComplete(1, true, ErrorCode.Success, "")));
            Assert.That(h.StatusOf(peer).SynchronizingSharedState, Is.False);
        }

        Assert.That(h.State.GetStatus().SharedStateSyncs, Is.Empty);
        Assert.That(h.State.GetStatus().SharedStateRevisions[0], Is.EqualTo(4));
        h.Send(peers[1], Done(1));
        Assert.That(h.Closed, Is.Empty, "an answer for a finished round is a harmless race");
        h.AssertNothingFor(peers);
    }

    [Test]
    public void AJoinerFetchesFromThreeDonorsAtOnce()
    {
        var (h, peers) = Group(4);
        var (donors, joiner) = (peers[..3], peers[3]);
        // Three tensors below the split threshold and one far above it (400 MB of floats).
        SharedStateEntryInfo[] State(ulong seed) => [.. Model(seed), Tensor("big", seed + 40, count: 100_000_000)];
        var messages = h.SyncAll(donors.Select(d => (d, Sync(7, State(0)))).Append((joiner, Sync(0, SharedStateStrategy.ReceiveOnly, State(1000)))));

        var fetch = DecisionIn(messages[joiner]);
        Assert.That(fetch.Revision, Is.EqualTo(7), "the joiner adopts the donors' revision");
        Assert.That(fetch.IsDonor, Is.False);
        Assert.That(fetch.Transfers.Select(t => (t.Name, t.ExpectedHash)), Is.EqualTo(State(0).Select(e => (e.Name, e.Hash)).Order()));
        var donorIds = donors.Select(d => h.Ids[d]).ToHashSet();
        var usedDonors = fetch.Transfers.SelectMany(t => t.Slices).Select(s => s.Donor).ToHashSet();
        Assert.That(usedDonors, Is.EquivalentTo(donorIds), "every donor's uplink is used");
        var big = fetch.Transfers.Single(t => t.Name == "big");
        Assert.That(big.Slices.Select(s => s.Donor).Distinct().Count(), Is.EqualTo(3), "the large tensor is striped over all donors");
        Assert.That(big.Slices.Sum(s => (decimal)s.Length), Is.EqualTo(400_000_000m));
        foreach (var donor in donors)
        {
            Assert.That(DecisionIn(messages[donor]), Is.EqualTo(new SharedStateDecision(1, 7, true, [])));
        }
    }

    [Test]
    public void ADivergedTensorIsFetchedAloneFromThePopularContent()
    {
        var (h, peers) = Group(3);
        SharedStateEntryInfo[] diverged = [Tensor("a", 10), Tensor("b", 999), Tensor("c", 30)];
        var messages = h.SyncAll([(peers[0], Sync(3, Model(0))), (peers[1], Sync(3, diverged)), (peers[2], Sync(3, Model(0)))]);

        var fetch = DecisionIn(messages[peers[1]]);
        Assert.That(fetch.Transfers.Select(t => t.Name), Is.EqualTo(new[] { "b" }));
        Assert.That(fetch.Transfers[0].ExpectedHash, Is.EqualTo(20));
        Assert.That(fetch.Transfers[0].ByteLength, Is.EqualTo(4096));
        Assert.That(fetch.Transfers[0].Slices.Select(s => s.Donor), Is.SubsetOf(new[] { h.Ids[peers[0]], h.Ids[peers[2]] }));
        Assert.That(DecisionIn(messages[peers[0]]).Transfers, Is.Empty);
        Assert.That(DecisionIn(messages[peers[2]]).Transfers, Is.Empty);
    }

    [Test]
    public void EntriesThatAllowInequalityAreNeverFetched()
    {
        var (h, peers) = Group(2);
        var messages = h.SyncAll([
            (peers[0], Sync(1, Tensor("w", 1), Tensor("rng", 5, allowInequality: true))),
            (peers[1], Sync(1, Tensor("w", 1), Tensor("rng", 6, allowInequality: true)))]);
        Assert.That(messages.Values.Select(DecisionIn).All(d => d.Transfers.Count == 0 && d.IsDonor), Is.True);
    }

    [Test]
    public void TwoPeersAheadAreKickedAndTheOthersProceed()
    {
        var (h, peers) = Group(4);
        h.SyncAllAlike(peers, Sync(5, Model(0)));
        foreach (var peer in peers)
        {
            h.Send(peer, Done(1));
            h.Take(peer);
        }

        var messages = h.SyncAll([(peers[0], Sync(7, Model(1))), (peers[1], Sync(6, Model(1))), (peers[2], Sync(8, Model(1))), (peers[3], Sync(6, Model(1)))]);

        foreach (var jumper in new[] { peers[0], peers[2] })
        {
            var kicked = messages[jumper].OfType<Kicked>().Single();
            Assert.That(kicked.ErrorCode, Is.EqualTo(ErrorCode.ProtocolViolation));
            Assert.That(kicked.Reason, Does.Contain("round 2").And.Contain("jumps ahead"));
            Assert.That(messages[jumper].OfType<SharedStateDecision>(), Is.Empty, "a violator takes no part in the round");
        }

        foreach (var survivor in new[] { peers[1], peers[3] })
        {
            Assert.That(DecisionIn(messages[survivor]), Is.EqualTo(new SharedStateDecision(2, 6, true, [])));
            Assert.That(messages[survivor].OfType<MembershipChanged>().Last().WorldSizes.PeerGroup, Is.EqualTo(2));
        }

        Assert.That(h.Closed.Keys, Is.EquivalentTo(new[] { peers[0], peers[2] }));
        h.Send(peers[1], Done(2));
        h.Send(peers[3], Done(2));
        Assert.That(h.TakeSingle<SharedStateSyncComplete>(peers[1]).Success, Is.True, "the kicks did not fail the round");
    }

    [Test]
    public void ASchemaMismatchIsKicked()
    {
        var (h, peers) = Group(3);
        SharedStateEntryInfo[] wrongType = [Tensor("a", 10, type: DataType.Float64), Tensor("b", 20), Tensor("c", 30)];
        var messages = h.SyncAll([(peers[0], Sync(1, Model(0))), (peers[1], Sync(1, wrongType)), (peers[2], Sync(1, Model(0)))]);
        Assert.That(messages[peers[1]].OfType<Kicked>().Single().Reason, Does.Contain("'a'"));
        Assert.That(DecisionIn(messages[peers[0]]).Revision, Is.EqualTo(1));
    }

    [Test]
    public void TiesAreBrokenTheSameWayForEveryoneWhateverTheOrderOfRequests()
    {
        // Two peers hold content X, two hold Y: the tie goes to the smaller hash sequence (X), in either order.
        foreach (bool xFirst in new[] { true, false })
        {
            var (h, peers) = Group(4);
            var x = Model(0);
            var y = Model(5);
            var requests = new[] { (peers[0], Sync(2, x)), (peers[1], Sync(2, y)), (peers[2], Sync(2, x)), (peers[3], Sync(2, y)) };
            var messages = h.SyncAll(xFirst ? requests : requests.Reverse());
            var decisions = peers.Select(p => DecisionIn(messages[p])).ToArray();

            Assert.That(decisions.Select(d => d.Revision).Distinct().Single(), Is.EqualTo(2));
            Assert.That(decisions[0].Transfers, Is.Empty, $"xFirst={xFirst}");
            Assert.That(decisions[2].Transfers, Is.Empty);
            var expected = x.Select(e => (e.Name, e.Hash)).ToArray();
            Assert.That(decisions[1].Transfers.Select(t => (t.Name, t.ExpectedHash)), Is.EqualTo(expected));
            Assert.That(decisions[3].Transfers.Select(t => (t.Name, t.ExpectedHash)), Is.EqualTo(expected));
        }
    }

    [Test]
    public void ReceiveOnlyPeersAreNeverDonorsAndSendOnlyPeersNeverFetch()
    {
        var (h, peers) = Group(4);
        var messages = h.SyncAll([
            (peers[0], Sync(3, SharedStateStrategy.SendOnly, Model(0))),
            (peers[1], Sync(3, SharedStateStrategy.ReceiveOnly, Model(0))),
            (peers[2], Sync(3, Model(0))),
            (peers[3], Sync(2, SharedStateStrategy.ReceiveOnly, Model(9)))]);

        Assert.That(DecisionIn(messages[peers[0]]), Is.EqualTo(new SharedStateDecision(1, 3, true, [])));
        Assert.That(DecisionIn(messages[peers[1]]), Is.EqualTo(new SharedStateDecision(1, 3, false, [])), "up to date, but receive-only");
        var fetch = DecisionIn(messages[peers[3]]);
        Assert.That(fetch.Transfers.SelectMany(t => t.Slices).Select(s => s.Donor).Distinct(),
            Is.SubsetOf(new[] { h.Ids[peers[0]], h.Ids[peers[2]] }));
    }

    [Test]
    public void ASendOnlyPeerWithoutTheElectedContentIsKicked()
    {
        var (h, peers) = Group(3);
        var messages = h.SyncAll([
            (peers[0], Sync(3, Model(0))),
            (peers[1], Sync(3, Model(0))),
            (peers[2], Sync(3, SharedStateStrategy.SendOnly, Model(4)))]);
        Assert.That(messages[peers[2]].OfType<Kicked>().Single().Reason, Does.Contain("send-only"));
        Assert.That(DecisionIn(messages[peers[0]]).IsDonor, Is.True);
    }

    [Test]
    public void EveryoneReceiveOnlyFailsWithNoSharedStateAvailableAndNoCompletion()
    {
        var (h, peers) = Group(2);
        var messages = h.SyncAll(peers.Select(p => (p, Sync(1, SharedStateStrategy.ReceiveOnly, Model(0)))));
        foreach (var peer in peers)
        {
            var failed = messages[peer].Cast<SharedStateSyncFailed>().Single();
            Assert.That(failed.Round, Is.EqualTo(1));
            Assert.That(failed.ErrorCode, Is.EqualTo(ErrorCode.NoSharedStateAvailable));
            Assert.That(h.StatusOf(peer).SynchronizingSharedState, Is.False, "its sync is over");
        }

        Assert.That(h.State.GetStatus().SharedStateSyncs, Is.Empty);
        Assert.That(h.State.GetStatus().SharedStateRevisions, Is.Empty, "nothing was elected");

        // Free again: the next sync is a new round.
        var decisions = h.SyncAllAlike(peers, Sync(1, Model(0)));
        Assert.That(decisions.Values.Select(d => d.Round).Distinct().Single(), Is.EqualTo(2));
    }

    [Test]
    public void AFailedTransferFailsTheRoundForEveryoneOnceAllAnswered()
    {
        var (h, peers) = Group(3);
        h.SyncAll([(peers[0], Sync(1, Model(0))), (peers[1], Sync(1, Model(0))), (peers[2], Sync(0, SharedStateStrategy.ReceiveOnly, Model(3)))]);
        h.Send(peers[2], Failed(1));
        h.Send(peers[0], Done(1));
        h.AssertNothingFor(peers);
        h.Send(peers[1], Done(1));

        foreach (var peer in peers)
        {
            var complete = h.TakeSingle<SharedStateSyncComplete>(peer);
            Assert.That(complete, Is.EqualTo(complete with { Round = 1, Success = false, ErrorCode = ErrorCode.InternalError }));
            Assert.That(complete.Reason, Does.Contain(h.Ids[peers[2]].ToString()).And.Contain("hash mismatch"));
        }

        Assert.That(h.Closed, Is.Empty);
    }

    [Test]
    public void RoundsAreNumberedAcrossGroupsAndRevisionsAreKeptPerGroup()
    {
        var h = new MasterHarness();
        var a = h.First(group: 0);
        var others = h.Join([a], 0, 1);
        var (b, c) = (others[0], others[1]);

        Assert.That(h.SyncAllAlike([c], Sync(100, Model(0)))[c].Round, Is.EqualTo(1), "a group of one decides at once, alone");
        Assert.That(h.SyncAllAlike([a, b], Sync(5, Model(1)))[a].Round, Is.EqualTo(2));
        Assert.That(h.State.GetStatus().SharedStateRevisions, Is.EquivalentTo(new Dictionary<uint, ulong> { [0] = 5, [1] = 100 }));
        var syncs = h.State.GetStatus().SharedStateSyncs;
        Assert.That(syncs.Select(s => (s.Group, s.Round)), Is.EqualTo(new[] { (0u, 2UL), (1u, 1UL) }));

        foreach (var peer in new[] { a, b, c })
        {
            h.Send(peer, Done(peer == c ? 1UL : 2UL));
            h.Take(peer);
        }

        // Group 1 goes on from its own revision: 101 is the next step there, though group 0 is at 5.
        Assert.That(h.SyncAllAlike([c], Sync(101, Model(2)))[c].Revision, Is.EqualTo(101));
    }

    [Test]
    public void AGroupRevisionIsForgottenWhenTheGroupEmpties()
    {
        var h = new MasterHarness();
        var a = h.First(group: 0);
        var c = h.Join([a], 1)[0];
        h.SyncAllAlike([c], Sync(50, Model(0)));
        h.Send(c, Done(1));
        h.Send(c, new Leave());
        Assert.That(h.State.GetStatus().SharedStateRevisions.ContainsKey(1), Is.False);

        // Whoever forms group 1 anew may resume from any checkpoint: revision 3 is not "behind" or "ahead" of anything.
        var d = h.Join([a], 1)[0];
        Assert.That(h.SyncAllAlike([d], Sync(3, Model(0)))[d].Revision, Is.EqualTo(3));
    }

    [Test]
    public void ARequestWithADuplicateNameIsKickedAtOnce()
    {
        // The codec refuses these off the wire; the state checks again for requests that reach it some other way.
        var (h, peers) = Group(2);
        h.Send(peers[0], Sync(1, Tensor("a", 1), Tensor("a", 2)));
        Assert.That(h.Take(peers[0]).OfType<Kicked>().Single().Reason, Does.Contain("more than once"));
        h.Send(peers[1], Sync(1, Model(0)));
        Assert.That(DecisionIn(h.Take(peers[1])).Round, Is.EqualTo(1), "the survivor's group is complete without it");
    }
}
