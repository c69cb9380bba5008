using System.Collections.Immutable;
using Collectives.Membership;
using Collectives.Protocol.Messages;
using Collectives.SharedState;
using NUnit.Framework;
using static Collectives.Tests.Membership.SharedStateRequests;

namespace Collectives.Tests.Membership;

/// <summary>Shared-state sync under departures, illegal messages and the deadlock rule.</summary>
public class MasterStateSharedStateFailureTests
{
    [Test]
    public void ADonorDyingMidRoundFailsTheRoundForTheRestAtOnceAndExactlyOnce()
    {
        var (h, peers) = Group(4);
        var (donors, joiner) = (peers[..3], peers[3]);
        h.SyncAll(donors.Select(d => (d, Sync(7, Model(0)))).Append((joiner, Sync(0, SharedStateStrategy.ReceiveOnly, Model(1)))));
        h.Send(donors[0], Done(1));
        h.Disconnect(donors[1]);

        foreach (var peer in new[] { donors[0], donors[2], joiner })
        {
            var messages = h.Take(peer);
            var complete = messages.OfType<SharedStateSyncComplete>().Single();
            Assert.That(complete, Is.EqualTo(complete with { Round = 1, Success = false, ErrorCode = ErrorCode.RankConnectionLost }));
            Assert.That(complete.Reason, Does.Contain(h.Ids[donors[1]].ToString()));
            Assert.That(messages.OfType<MembershipChanged>(), Has.Exactly(1).Items);
        }

        // The fetcher's late answer and the other donor's answer race with the failure: ignored, nobody hears twice.
        h.Send(joiner, Failed(1, "donor gone"));
        h.Send(donors[2], Done(1));
        h.AssertNothingFor(donors[0], donors[2], joiner);
        Assert.That(h.Closed, Is.Empty, "nobody was kicked for answering late");
        Assert.That(h.Log.OfType<SendCommand>().Count(s => s.Message is SharedStateSyncComplete), Is.EqualTo(3));
        Assert.That(h.State.GetStatus().SharedStateSyncs, Is.Empty);

        // The retry among the survivors is a fresh round.
        var retry = h.SyncAll(new[] { donors[0], donors[2] }.Select(d => (d, Sync(7, Model(0)))).Append((joiner, Sync(7, SharedStateStrategy.ReceiveOnly, Model(1)))));
        Assert.That(DecisionIn(retry[joiner]).Round, Is.EqualTo(2));
    }

    [Test]
    public void AParticipantLeavingGracefullyAlsoFailsTheRound()
    {
        var (h, peers) = Group(2);
        h.SyncAllAlike(peers, Sync(1, Model(0)));
        h.Send(peers[1], new Leave());
        Assert.That(h.Closed[peers[1]].ErrorCode, Is.EqualTo(ErrorCode.Success));
        Assert.That(h.Take(peers[0]).OfType<SharedStateSyncComplete>().Single().ErrorCode, Is.EqualTo(ErrorCode.RankConnectionLost));
    }

    [Test]
    public void AParticipantTimingOutFailsTheRound()
    {
        var (h, peers) = Group(2);
        h.SyncAllAlike(peers, Sync(1, Model(0)));
        h.Now += MasterStateOptions.Default.PeerTimeout / 2;
        h.Send(peers[0], new PeerHeartbeat());
        h.Tick(h.Now + (MasterStateOptions.Default.PeerTimeout * 0.75));
        Assert.That(h.Closed[peers[1]].ErrorCode, Is.EqualTo(ErrorCode.Timeout));
        Assert.That(h.Take(peers[0]).OfType<SharedStateSyncComplete>().Single().Success, Is.False);
    }

    [Test]
    public void ARemovalWhileCollectingDecidesTheRoundWithoutTheLeaver()
    {
        var (h, peers) = Group(3);
        h.Send(peers[0], Sync(2, Model(0)));
        h.Send(peers[1], Sync(2, Model(0)));
        h.Disconnect(peers[2]);
        foreach (var peer in peers[..2])
        {
            Assert.That(DecisionIn(h.Take(peer)), Is.EqualTo(new SharedStateDecision(1, 2, true, [])));
        }
    }

    [Test]
    public void ARequesterLeavingWhileCollectingIsForgotten()
    {
        var (h, peers) = Group(3);
        h.Send(peers[0], Sync(2, Model(0)));
        h.Disconnect(peers[0]);
        Assert.That(h.State.GetStatus().SharedStateSyncs, Is.Empty);
        h.Take(peers[1]);
        h.Send(peers[1], Sync(2, Model(0)));
        h.AssertNothingFor(peers[1]);
        h.Send(peers[2], Sync(2, Model(0)));
        Assert.That(DecisionIn(h.Take(peers[1])).Round, Is.EqualTo(1));
    }

    [Test]
    public void AVoteFailsWhileAnotherMemberOfItsGroupWaitsInASync()
    {
        var (h, peers) = Group(2);
        h.Register(h.Connect("10.0.9.9")); // someone pending, so the vote has to wait for everyone
        h.Send(peers[0], Sync(1, Model(0)));
        h.Send(peers[1], new VoteUpdateTopology());

        var failed = h.TakeSingle<TopologyUpdateFailed>(peers[1]);
        Assert.That(failed.ErrorCode, Is.EqualTo(ErrorCode.UpdateTopologyFailed));
        Assert.That(failed.Reason, Does.Contain("shared-state sync"));

        // The voter is free again and can join the sync, which then completes.
        h.Send(peers[1], Sync(1, Model(0)));
        Assert.That(DecisionIn(h.Take(peers[0])).Round, Is.EqualTo(1));
    }

    [Test]
    public void APendingVoteFailsWhenAnotherMemberStartsASync()
    {
        var (h, peers) = Group(2);
        h.Register(h.Connect("10.0.9.9"));
        h.Send(peers[1], new VoteUpdateTopology());
        h.AssertNothingFor(peers);
        h.Send(peers[0], Sync(1, Model(0)));
        Assert.That(h.TakeSingle<TopologyUpdateFailed>(peers[1]).Reason, Does.Contain("shared-state sync"));
    }

    [Test]
    public void ASyncWaitsOnlyForItsOwnGroupAndSoFailsOnlyVotesOfItsGroup()
    {
        var h = new MasterHarness();
        var a = h.First(group: 0);
        var others = h.Join([a], 0, 1, 1);
        var (b, c, d) = (others[0], others[1], others[2]);
        h.Register(h.Connect("10.0.9.9"));

        h.Send(c, Sync(1, Model(0)));
        h.Send(a, new VoteUpdateTopology());
        h.AssertNothingFor(a, b, c, d);
        Assert.That(h.StatusOf(a).VotedForTopology, Is.True, "c waits for group 1 only, which a does not block: a's vote waits");

        // A voter in c's group can never be joined by c: every pending vote fails.
        h.Send(d, new VoteUpdateTopology());
        Assert.That(h.TakeSingle<TopologyUpdateFailed>(a).Reason, Does.Contain("shared-state sync"));
        Assert.That(h.TakeSingle<TopologyUpdateFailed>(d).Reason, Does.Contain("shared-state sync"));
    }

    [Test]
    public void AMemberInTheTransferStageBlocksNoVote()
    {
        var h = new MasterHarness();
        var a = h.First(group: 0);
        var others = h.Join([a], 0, 7);
        var (b, f) = (others[0], others[1]);
        h.Register(h.Connect("10.0.9.9"));
        h.SyncAllAlike([f], Sync(1, Model(0))); // group 7 alone: decided at once

        // f is past its decision and waits for no voter; the votes wait for f, and nothing deadlocks.
        h.Send(a, new VoteUpdateTopology());
        h.Send(b, new VoteUpdateTopology());
        h.AssertNothingFor(a, b);
        h.Send(f, Done(1));
        Assert.That(h.TakeSingle<SharedStateSyncComplete>(f).Success, Is.True);
        h.Send(f, new VoteUpdateTopology());
        Assert.That(h.Take(a).OfType<EstablishConnections>(), Is.Not.Empty, "everyone voted: the phase starts");
    }

    private static IEnumerable<TestCaseData> IllegalMessages()
    {
        TestCaseData Case(string name, Func<MasterHarness, ConnectionId[], ConnectionId> act) =>
            new TestCaseData(act).SetName("SyncKicks_" + name);

        yield return Case("SyncBeforeRegister", (h, _) =>
        {
            var x = h.Connect();
            h.Send(x, Sync(1, Model(0)));
            return x;
        });
        yield return Case("SyncWhilePending", (h, _) =>
        {
            var x = h.Connect();
            h.Register(x);
            h.Send(x, Sync(1, Model(0)));
            return x;
        });
        yield return Case("SecondSyncWhileCollecting", (h, p) =>
        {
            h.Send(p[0], Sync(1, Model(0)));
            h.Send(p[0], Sync(1, Model(0)));
            return p[0];
        });
        yield return Case("SecondSyncDuringTheRound", (h, p) =>
        {
            h.Send(p[0], Sync(1, Model(0)));
            h.Send(p[1], Sync(1, Model(0)));
            h.Send(p[1], Done(1));
            h.Send(p[1], Sync(2, Model(0)));
            return p[1];
        });
        yield return Case("SyncWhileVoting", (h, p) =>
        {
            h.Register(h.Connect("10.0.9.9"));
            h.Send(p[0], new VoteUpdateTopology());
            h.Send(p[0], Sync(1, Model(0)));
            return p[0];
        });
        yield return Case("VoteWhileSyncing", (h, p) =>
        {
            h.Send(p[0], Sync(1, Model(0)));
            h.Send(p[0], new VoteUpdateTopology());
            return p[0];
        });
        yield return Case("VoteDuringTheTransferStage", (h, p) =>
        {
            h.Send(p[0], Sync(1, Model(0)));
            h.Send(p[1], Sync(1, Model(0)));
            h.Send(p[0], new VoteUpdateTopology());
            return p[0];
        });
        yield return Case("UndefinedStrategy", (h, p) =>
        {
            h.Send(p[0], new SyncSharedState(1, 7, Model(0).ToImmutableArray()));
            return p[0];
        });
        yield return Case("TransferDoneRoundZero", (h, p) =>
        {
            h.Send(p[0], Done(0));
            return p[0];
        });
        yield return Case("TransferDoneNeverIssued", (h, p) =>
        {
            h.Send(p[0], Sync(1, Model(0)));
            h.Send(p[1], Sync(1, Model(0)));
            h.Send(p[0], Done(2));
            return p[0];
        });
        yield return Case("TransferDoneBeforeRegister", (h, _) =>
        {
            var x = h.Connect();
            h.Send(x, Done(1));
            return x;
        });
        yield return Case("TransferDoneTwice", (h, p) =>
        {
            h.Send(p[0], Sync(1, Model(0)));
            h.Send(p[1], Sync(1, Model(0)));
            h.Send(p[0], Done(1));
            h.Send(p[0], Done(1));
            return p[0];
        });
        yield return Case("TransferDoneWhileStillCollecting", (h, p) =>
        {
            h.Send(p[0], Sync(1, Model(0)));
            h.Send(p[1], Sync(1, Model(0)));
            h.Send(p[0], Done(1));
            h.Send(p[1], Done(1));
            h.Send(p[0], Sync(2, Model(0)));
            h.Send(p[1], Sync(2, Model(0)));
            h.Send(p[0], Done(2));
            h.Send(p[1], Done(2));
            h.Send(p[0], Sync(3, Model(0)));
            h.Send(p[0], Done(3)); // round 3 was never issued: p[1] has not asked
            return p[0];
        });
    }

    [TestCaseSource(nameof(IllegalMessages))]
    public void IllegalSyncMessagesKickOnlyTheirSender(object scenario)
    {
        var act = (Func<MasterHarness, ConnectionId[], ConnectionId>)scenario;
        var h = new MasterHarness();
        var a = h.First();
        var b = h.Join([a], 0)[0];

        var sender = act(h, [a, b]);

        Assert.That(h.Closed.Keys, Is.EquivalentTo(new[] { sender }));
        var kicked = h.Take(sender).OfType<Kicked>().Single();
        Assert.That(kicked.ErrorCode, Is.EqualTo(ErrorCode.ProtocolViolation));
    }

    [Test]
    public void ATransferAnswerFromAPeerOutsideTheRoundIsKicked()
    {
        var h = new MasterHarness();
        var a = h.First(group: 0);
        var others = h.Join([a], 0, 1);
        var (b, c) = (others[0], others[1]);
        h.Send(a, Sync(1, Model(0)));
        h.Send(b, Sync(1, Model(0)));
        h.Send(c, Done(1));
        Assert.That(h.Closed.Keys, Is.EquivalentTo(new[] { c }));
        Assert.That(h.Take(c).OfType<Kicked>().Single().Reason, Does.Contain("does not take part"));

        h.Send(a, Done(1));
        h.Send(b, Done(1));
        Assert.That(h.Take(a).OfType<SharedStateSyncComplete>().Single().Success, Is.True, "the round is unaffected");
    }

    [Test]
    public void AKickedParticipantFailsTheRoundForTheOthers()
    {
        var (h, peers) = Group(3);
        h.SyncAllAlike(peers, Sync(1, Model(0)));
        h.Send(peers[2], Done(9)); // never issued: kicked
        foreach (var peer in peers[..2])
        {
            Assert.That(h.Take(peer).OfType<SharedStateSyncComplete>().Single().ErrorCode, Is.EqualTo(ErrorCode.RankConnectionLost));
        }
    }
}
