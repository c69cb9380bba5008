using System.Collections.Immutable;
using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using NUnit.Framework;
using static Collectives.Tests.Membership.MasterHarness;

namespace Collectives.Tests.Membership;

/// <summary>Registration, the accept-new-peers vote, the establish phase and ring order.</summary>
public class MasterStateTopologyTests
{
    [Test]
    public void FirstPeerIsAcceptedAtOnceAndToldItsTopology()
    {
        var h = new MasterHarness();
        var a = h.Connect("192.0.2.7");
        h.Send(a, new Register(3, 48149, null));

        var messages = h.Take(a);
        Assert.That(messages, Has.Count.EqualTo(2));
        var registered = (Registered)messages[0];
        Assert.That(registered.AcceptedImmediately, Is.True);
        Assert.That(messages[1], Is.EqualTo(new TopologyUpdated(1, new WorldSizes(1, 1, 1, 1), ImmutableArray.Create(registered.PeerId))));
        Assert.That(h.StatusOf(a).Endpoint, Is.EqualTo(new PeerEndpoint(PeerAddress.FromIPAddress(System.Net.IPAddress.Parse("192.0.2.7")), 48149)),
            "without an advertised address, neighbours dial the address the master saw");
    }

    [Test]
    public void AdvertisedAddressWinsOverTheObservedOne()
    {
        var h = new MasterHarness();
        var a = h.Connect("192.0.2.7");
        var advertised = PeerAddress.FromIPAddress(System.Net.IPAddress.Parse("2001:db8::5"));
        h.Send(a, new Register(0, 1234, advertised));
        Assert.That(h.StatusOf(a).Endpoint, Is.EqualTo(new PeerEndpoint(advertised, 1234)));
    }

    [Test]
    public void LaterPeersWaitForTheVoteThenEstablishThenJoin()
    {
        var h = new MasterHarness();
        var a = h.First();
        var b = h.Connect("10.0.0.2");
        var idB = h.Register(b);
        Assert.That(h.TakeSingle<Registered>(b), Is.EqualTo(new Registered(idB, false)));
        h.AssertNothingFor(a);

        h.Send(a, new VoteUpdateTopology());
        var ring = ImmutableArray.Create(new PeerInfo(h.Ids[a], h.StatusOf(a).Endpoint!.Value), new PeerInfo(idB, h.StatusOf(b).Endpoint!.Value));
        Assert.That(h.TakeSingle<EstablishConnections>(a), Is.EqualTo(new EstablishConnections(2, ring)));
        Assert.That(h.TakeSingle<EstablishConnections>(b), Is.EqualTo(new EstablishConnections(2, ring)));
        Assert.That(h.StatusOf(b).State, Is.EqualTo(PeerLifecycle.Joining));

        h.Send(a, new ConnectionsEstablished(2, []));
        h.AssertNothingFor(a, b);
        h.Send(b, new ConnectionsEstablished(2, []));

        var expected = new TopologyUpdated(2, new WorldSizes(2, 2, 1, 2), ImmutableArray.Create(h.Ids[a], idB));
        Assert.That(h.TakeSingle<TopologyUpdated>(a), Is.EqualTo(expected));
        Assert.That(h.TakeSingle<TopologyUpdated>(b), Is.EqualTo(expected));
        Assert.That(h.StatusOf(b).State, Is.EqualTo(PeerLifecycle.Accepted));
    }

    [Test]
    public void VoteWaitsForEveryAcceptedPeer()
    {
        var h = new MasterHarness();
        var a = h.First();
        var b = h.Join([a], 0)[0];
        var c = h.Connect();
        h.Register(c);
        h.Take(c);

        h.Send(a, new VoteUpdateTopology());
        h.AssertNothingFor(a, b, c);
        h.Send(b, new VoteUpdateTopology());
        Assert.That(h.Take(a).OfType<EstablishConnections>().Count(), Is.EqualTo(1));
    }

    [Test]
    public void VoteWithNothingPendingCompletesAtOnceForThatPeerAlone()
    {
        var h = new MasterHarness();
        var a = h.First();
        var b = h.Join([a], 0)[0];

        h.Send(b, new VoteUpdateTopology());
        var updated = h.TakeSingle<TopologyUpdated>(b);
        Assert.That(updated.Epoch, Is.EqualTo(2), "same epoch: nothing changed");
        Assert.That(updated.Ring, Is.EqualTo(new EquatableArray<PeerId>(ImmutableArray.Create(h.Ids[a], h.Ids[b]))));
        h.AssertNothingFor(a);
    }

    [Test]
    public void JoinerVotingRightAfterJoiningDoesNotDeadlockAPeerWaitingInACollective()
    {
        var h = new MasterHarness();
        var a = h.First();
        var b = h.Join([a], 0)[0];

        // A goes straight into its training step; B's first act after ConnectAsync is UpdateTopologyAsync.
        h.Send(a, new InitiateCollective(7, Floats));
        h.Send(b, new VoteUpdateTopology());
        Assert.That(h.TakeSingle<TopologyUpdated>(b).Epoch, Is.EqualTo(2));

        h.Send(b, new InitiateCollective(7, Floats));
        Assert.That(h.TakeSingle<CommenceCollective>(a).Ring.Count, Is.EqualTo(2));
        Assert.That(h.TakeSingle<CommenceCollective>(b).Seq, Is.EqualTo(1));
    }

    [Test]
    public void DeadlockRule_VoteFailsWhenAPeerWaitsInACollectiveOfTheVotersGroup()
    {
        var h = new MasterHarness();
        var a = h.First();
        var b = h.Join([a], 0)[0];
        var c = h.Connect();
        h.Register(c);

        h.Send(a, new InitiateCollective(1, Floats));
        h.Send(b, new VoteUpdateTopology());

        var failed = h.TakeSingle<TopologyUpdateFailed>(b);
        Assert.That(failed.ErrorCode, Is.EqualTo(ErrorCode.UpdateTopologyFailed));
        Assert.That(new CollectivesException(failed.ErrorCode, failed.Reason).IsTransient, Is.True);
        Assert.That(failed.Reason, Does.Contain(h.Ids[a].ToString()));

        h.Send(b, new InitiateCollective(1, Floats));
        Assert.That(h.TakeSingle<CommenceCollective>(a).Tag, Is.EqualTo(1));
    }

    [Test]
    public void DeadlockRule_VoteFailsWhenAPeerWaitsInThePeersPendingQuery()
    {
        var h = new MasterHarness();
        var a = h.First();
        var b = h.Join([a], 0)[0];
        var c = h.Connect();
        h.Register(c);

        h.Send(a, new QueryPeersPending());
        h.Send(b, new VoteUpdateTopology());
        Assert.That(h.TakeSingle<TopologyUpdateFailed>(b).Reason, Does.Contain("peers-pending"));

        h.Send(b, new QueryPeersPending());
        Assert.That(h.TakeSingle<PeersPendingAnswer>(a).Pending, Is.True);
        Assert.That(h.TakeSingle<PeersPendingAnswer>(b).Pending, Is.True);
    }

    [Test]
    public void DeadlockRule_APeerWaitingInAnotherGroupsCollectiveDoesNotFailTheVote()
    {
        var h = new MasterHarness();
        var a1 = h.First(group: 0);
        var joiners = h.Join([a1], 0, 1);
        var (a2, b) = (joiners[0], joiners[1]);
        var c = h.Connect();
        h.Register(c, group: 1);

        h.Send(a1, new InitiateCollective(1, Floats)); // waits for a2, who is not a voter
        h.Send(b, new VoteUpdateTopology());
        h.AssertNothingFor(b);

        h.Send(a2, new InitiateCollective(1, Floats));
        h.Take(a1);
        h.Take(a2);
        h.Send(a1, new CollectiveComplete(1, 1, true, ErrorCode.Success, ""));
        h.Send(a2, new CollectiveComplete(1, 1, true, ErrorCode.Success, ""));
        Assert.That(h.TakeSingle<CollectiveVerdict>(a1).Success, Is.True);
        h.Take(a2);
        h.Send(a1, new VoteUpdateTopology());
        h.Send(a2, new VoteUpdateTopology());
        Assert.That(h.TakeSingle<EstablishConnections>(b).Ring.Count, Is.EqualTo(2), "group 1's ring: b then c");
    }

    [Test]
    public void PeerDeathDuringAVoteCompletesTheVoteForTheRest()
    {
        var h = new MasterHarness();
        var a = h.First();
        var joiners = h.Join([a], 0, 0);
        var (b, c) = (joiners[0], joiners[1]);
        var d = h.Connect();
        h.Register(d);
        h.Take(d);

        h.Send(a, new VoteUpdateTopology());
        h.Send(b, new VoteUpdateTopology());
        h.AssertNothingFor(a, b);
        h.Disconnect(c);

        var toA = h.Take(a);
        Assert.That(toA[0], Is.InstanceOf<MembershipChanged>());
        Assert.That(((EstablishConnections)toA[1]).Ring.Select(p => p.Id), Is.EqualTo(new[] { h.Ids[a], h.Ids[b], h.Ids[d] }));
        h.AnswerEstablish(b, d);
        h.Send(a, new ConnectionsEstablished(((EstablishConnections)toA[1]).Epoch, []));
        Assert.That(h.Take(d).OfType<TopologyUpdated>().Single().WorldSizes.Global, Is.EqualTo(3));
    }

    [Test]
    public void PendingPeerLeavingAnswersTheWaitingVotesAtOnce()
    {
        var h = new MasterHarness();
        var a = h.First();
        var b = h.Join([a], 0)[0];
        var c = h.Connect();
        h.Register(c);

        h.Send(a, new VoteUpdateTopology());
        h.AssertNothingFor(a);
        h.Disconnect(c);
        Assert.That(h.TakeSingle<TopologyUpdated>(a).Epoch, Is.EqualTo(2));
        h.AssertNothingFor(b);
    }

    [Test]
    public void RingOrderIsStable_PreviousOrderWithLeaversDroppedAndJoinersAppended()
    {
        var h = new MasterHarness();
        var a = h.First();
        var joiners = h.Join([a], 0, 0);
        var (b, c) = (joiners[0], joiners[1]);
        h.Send(b, new Leave());
        h.Take(a);
        h.Take(c);

        var newcomers = h.Join([a, c], 0, 0);
        var ring = h.State.GetStatus().Rings[0];
        Assert.That(ring, Is.EqualTo(new[] { h.Ids[a], h.Ids[c], h.Ids[newcomers[0]], h.Ids[newcomers[1]] }));
    }

    [Test]
    public void UnreachableJoinerIsRemovedAndThePhaseRestartsAmongTheRest()
    {
        var h = new MasterHarness();
        var a = h.First();
        var b = h.Join([a], 0)[0];
        var c = h.Connect();
        var idC = h.Register(c);
        h.Send(a, new VoteUpdateTopology());
        h.Send(b, new VoteUpdateTopology());
        ulong epoch = h.TakeSingle<EstablishConnections>(a).Epoch;
        h.Take(b);

        h.Send(b, new ConnectionsEstablished(epoch, ImmutableArray.Create(idC))); // ring a, b, c: c is b's next
        Assert.That(h.Closed[c].ErrorCode, Is.EqualTo(ErrorCode.RankConnectionFailed));
        var restart = h.TakeSingle<EstablishConnections>(a);
        Assert.That(restart.Epoch, Is.EqualTo(epoch + 1));
        Assert.That(restart.Ring.Select(p => p.Id), Is.EqualTo(new[] { h.Ids[a], h.Ids[b] }));

        h.Send(a, new ConnectionsEstablished(epoch, [])); // stale: ignored, not kicked
        Assert.That(h.Closed.ContainsKey(a), Is.False);
        h.Send(a, new ConnectionsEstablished(restart.Epoch, []));
        h.AnswerEstablish(b);
        Assert.That(h.TakeSingle<TopologyUpdated>(a).Ring.Count, Is.EqualTo(2));
    }

    [Test]
    public void JoinerThatCannotReachAnAcceptedPeerIsTheOneRemoved()
    {
        var h = new MasterHarness();
        var a = h.First();
        var b = h.Connect();
        h.Register(b);
        h.Send(a, new VoteUpdateTopology());
        ulong epoch = h.Take(b).OfType<EstablishConnections>().Single().Epoch;

        h.Send(b, new ConnectionsEstablished(epoch, ImmutableArray.Create(h.Ids[a])));
        Assert.That(h.Closed.Keys, Is.EquivalentTo(new[] { b }));
        var messages = h.Take(a);
        Assert.That(messages.OfType<EstablishConnections>().Last().Ring.Count, Is.EqualTo(1));
    }

    [Test]
    public void ReportingAPeerThatIsNotARingNeighbourKicksTheReporter()
    {
        var h = new MasterHarness();
        var a = h.First();
        var others = h.Join([a], 0, 0, 0);
        var d = h.Connect();
        h.Register(d);
        foreach (var member in others.Prepend(a))
        {
            h.Send(member, new VoteUpdateTopology());
        }

        ulong epoch = h.Take(a).OfType<EstablishConnections>().Single().Epoch;
        // Ring a, b, c, e, d: c is two hops from a.
        h.Send(a, new ConnectionsEstablished(epoch, ImmutableArray.Create(h.Ids[others[1]])));
        Assert.That(h.Closed.Keys, Is.EquivalentTo(new[] { a }));
    }

    [Test]
    public void WhenTheLastAcceptedPeerLeavesThePendingOnesLetThemselvesIn()
    {
        var h = new MasterHarness();
        var a = h.First();
        var b = h.Connect();
        var c = h.Connect();
        h.Register(b);
        h.Register(c);
        h.Take(b);
        h.Take(c);

        h.Send(a, new Leave());
        Assert.That(h.Closed[a].ErrorCode, Is.EqualTo(ErrorCode.Success));
        Assert.That(h.TakeSingle<EstablishConnections>(b).Ring.Count, Is.EqualTo(2));
        h.Send(b, new ConnectionsEstablished(h.State.GetStatus().Epoch, []));
        h.AnswerEstablish(c);
        Assert.That(h.TakeSingle<TopologyUpdated>(b).WorldSizes, Is.EqualTo(new WorldSizes(2, 2, 1, 2)));
    }

    [Test]
    public void NewcomerDuringAnEstablishPhaseWaitsForTheNextVote()
    {
        var h = new MasterHarness();
        var a = h.First();
        var b = h.Connect();
        h.Register(b);
        h.Send(a, new VoteUpdateTopology());
        h.Send(a, new Leave()); // phase continues with b alone, b not accepted yet

        var c = h.Connect();
        h.Register(c);
        Assert.That(h.TakeSingle<Registered>(c).AcceptedImmediately, Is.False);
        h.AnswerEstablish(b);
        Assert.That(h.Take(b).OfType<TopologyUpdated>().Single().Ring.Count, Is.EqualTo(1));
        Assert.That(h.StatusOf(c).State, Is.EqualTo(PeerLifecycle.Registered));
    }

    [Test]
    public void WorldSizesCountAcceptedPeersAcrossGroups()
    {
        var h = new MasterHarness();
        var a = h.First(group: 5);
        var joiners = h.Join([a], 5, 9, 9, 9);
        h.Send(joiners[1], new VoteUpdateTopology());
        Assert.That(h.TakeSingle<TopologyUpdated>(joiners[1]).WorldSizes, Is.EqualTo(new WorldSizes(5, 3, 2, 3)));
        h.Send(a, new VoteUpdateTopology());
        Assert.That(h.TakeSingle<TopologyUpdated>(a).WorldSizes, Is.EqualTo(new WorldSizes(5, 2, 2, 3)));
    }

    [Test]
    public void PeersPendingQueryAnswersEveryoneAlikeOnceAllAsked()
    {
        var h = new MasterHarness();
        var a = h.First();
        var b = h.Join([a], 0)[0];

        h.Send(a, new InitiateCollective(4, Floats)); // allowed with collectives in flight
        h.Send(a, new QueryPeersPending());
        h.AssertNothingFor(a);
        h.Send(b, new QueryPeersPending());
        Assert.That(h.TakeSingle<PeersPendingAnswer>(a), Is.EqualTo(new PeersPendingAnswer(false)));
        Assert.That(h.TakeSingle<PeersPendingAnswer>(b), Is.EqualTo(new PeersPendingAnswer(false)));
    }

    [Test]
    public void PeersPendingQueryCompletesWhenTheLastNonAskerLeaves()
    {
        var h = new MasterHarness();
        var a = h.First();
        var b = h.Join([a], 0)[0];
        h.Send(a, new QueryPeersPending());
        h.Disconnect(b);
        Assert.That(h.Take(a).OfType<PeersPendingAnswer>().Single().Pending, Is.False);
    }

    [Test]
    public void GroupFullIsRefused()
    {
        var h = new MasterHarness(MasterStateOptions.Default with { Limits = ProtocolLimits.Default with { MaxPeersPerRing = 2 } });
        var a = h.First();
        var b = h.Connect();
        h.Register(b);
        var c = h.Connect();
        h.Send(c, new Register(0, 1, null));
        Assert.That(h.Closed[c].ErrorCode, Is.EqualTo(ErrorCode.InvalidUsage));
        var d = h.Connect();
        h.Register(d, group: 1);
        Assert.That(h.Closed.ContainsKey(d), Is.False, "another group still has room");
        Assert.That(h.Closed.ContainsKey(a), Is.False);
    }

    [Test]
    public void PeerIdsAreUniqueAndNeverNone()
    {
        var generator = new PeerIdGenerator(UInt128.Zero);
        var ids = Enumerable.Range(0, 10_000).Select(_ => generator.Next()).ToList();
        Assert.That(ids.Distinct().Count(), Is.EqualTo(ids.Count));
        Assert.That(ids.Select(id => id.ToString()).Distinct().Count(), Is.GreaterThan(9_900), "short forms should look random");
        Assert.That(ids, Has.None.Matches<PeerId>(id => id.IsNone));
    }
}
