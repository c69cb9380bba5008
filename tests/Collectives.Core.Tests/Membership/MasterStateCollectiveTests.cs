using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using NUnit.Framework;
using static Collectives.Tests.Membership.MasterHarness;

namespace Collectives.Tests.Membership;

/// <summary>Initiate, commence, complete and verdict; descriptor mismatches; failures of participants.</summary>
public class MasterStateCollectiveTests
{
    private static (MasterHarness H, ConnectionId[] Peers) Group(int size)
    {
        var h = new MasterHarness();
        var first = h.First();
        var rest = size > 1 ? h.Join([first], Enumerable.Repeat(0u, size - 1).ToArray()) : [];
        return (h, rest.Prepend(first).ToArray());
    }

    [Test]
    public void AllMembersInitiatingCommencesWithASequenceNumberAndTheRing()
    {
        var (h, peers) = Group(3);
        h.Send(peers[0], new InitiateCollective(9, Floats));
        h.Send(peers[1], new InitiateCollective(9, Floats));
        h.AssertNothingFor(peers);
        h.Send(peers[2], new InitiateCollective(9, Floats));

        var ring = h.State.GetStatus().Rings[0];
        foreach (var peer in peers)
        {
            var commence = h.TakeSingle<CommenceCollective>(peer);
            Assert.That(commence.Tag, Is.EqualTo(9));
            Assert.That(commence.Seq, Is.EqualTo(1));
            Assert.That(commence.Ring, Is.EqualTo(ring));
        }
    }

    [Test]
    public void AllSuccessfulReportsGiveOneSuccessVerdictToEveryParticipant()
    {
        var (h, peers) = Commenced(3, tag: 2);
        h.Send(peers[0], new CollectiveComplete(2, 1, true, ErrorCode.Success, ""));
        h.Send(peers[1], new CollectiveComplete(2, 1, true, ErrorCode.Success, ""));
        h.AssertNothingFor(peers);
        h.Send(peers[2], new CollectiveComplete(2, 1, true, ErrorCode.Success, ""));

        var tickets = new List<CollectiveTicket>();
        foreach (var peer in peers)
        {
            CollectiveVerdict verdict = h.TakeSingle<CollectiveVerdict>(peer);
            Assert.That(verdict with { Ticket = default }, Is.EqualTo(new CollectiveVerdict(2, 1, true, ErrorCode.Success, "")));
            tickets.Add(verdict.Ticket);
        }

        Assert.That(tickets.Distinct().Single(), Is.EqualTo(new CollectiveTicket(3, 2, RingFingerprint.Of([.. h.State.GetStatus().Rings[0]]))),
            "every participant is offered the same ticket: tag + 1, the next sequence number, the ring");
        Assert.That(h.State.GetStatus().ReducedBytes, Is.EqualTo(1024 * 4), "one operation's payload, counted once, not per peer");

        h.Send(peers[0], new CollectiveComplete(2, 1, true, ErrorCode.Success, ""));
        Assert.That(h.Closed, Is.Empty, "a report after the verdict is a harmless race, not a violation");
        h.AssertNothingFor(peers);
    }

    [Test]
    public void OneFailedReportFailsTheOpForEveryoneAtOnce()
    {
        var (h, peers) = Commenced(3, tag: 2);
        h.Send(peers[1], new CollectiveComplete(2, 1, false, ErrorCode.Timeout, "no progress for 30 s"));
        foreach (var peer in peers)
        {
            var verdict = h.TakeSingle<CollectiveVerdict>(peer);
            Assert.That(verdict.Success, Is.False);
            Assert.That(verdict.ErrorCode, Is.EqualTo(ErrorCode.Timeout));
            Assert.That(verdict.Reason, Does.Contain("no progress"));
        }

        h.Send(peers[0], new CollectiveComplete(2, 1, true, ErrorCode.Success, ""));
        h.AssertNothingFor(peers);
        Assert.That(h.Closed, Is.Empty);
    }

    [Test]
    public void ParticipantDeathFailsItsCommencedOpsForTheOthersAtOnce()
    {
        var (h, peers) = Commenced(3, tag: 5);
        h.Send(peers[0], new CollectiveComplete(5, 1, true, ErrorCode.Success, ""));
        h.Disconnect(peers[2]);

        foreach (var peer in peers[..2])
        {
            var messages = h.Take(peer);
            var verdict = messages.OfType<CollectiveVerdict>().Single();
            Assert.That(verdict.ErrorCode, Is.EqualTo(ErrorCode.RankConnectionLost));
            Assert.That(verdict.Seq, Is.EqualTo(1));
            Assert.That(messages.OfType<MembershipChanged>().Single().WorldSizes.PeerGroup, Is.EqualTo(2));
        }

        // The retry among the survivors needs no topology update.
        h.Send(peers[0], new InitiateCollective(5, Floats));
        h.Send(peers[1], new InitiateCollective(5, Floats));
        Assert.That(h.TakeSingle<CommenceCollective>(peers[0]).Ring.Count, Is.EqualTo(2));
    }

    [Test]
    public void UncommencedOpCommencesWhenTheMissingMemberLeaves()
    {
        var (h, peers) = Group(3);
        h.Send(peers[0], new InitiateCollective(1, Floats));
        h.Send(peers[1], new InitiateCollective(1, Floats));
        h.Send(peers[2], new Leave());

        var commence = h.Take(peers[0]).OfType<CommenceCollective>().Single();
        Assert.That(commence.Ring, Is.EqualTo(new EquatableArray<PeerId>([h.Ids[peers[0]], h.Ids[peers[1]]])));
    }

    [Test]
    public void DescriptorMismatchReachesEveryInitiatorIncludingLateOnes()
    {
        var (h, peers) = Group(3);
        h.Send(peers[0], new InitiateCollective(3, Floats));
        h.AssertNothingFor(peers);
        h.Send(peers[1], new InitiateCollective(3, Doubles));

        foreach (var peer in peers[..2])
        {
            var verdict = h.TakeSingle<CollectiveVerdict>(peer);
            Assert.That(verdict, Is.EqualTo(verdict with { Tag = 3, Seq = 0, Success = false, ErrorCode = ErrorCode.DescriptorMismatch }));
            Assert.That(verdict.Reason, Does.Contain("Float32").And.Contain("Float64"));
        }

        h.AssertNothingFor(peers[2]);
        h.Send(peers[2], new InitiateCollective(3, Floats));
        Assert.That(h.TakeSingle<CollectiveVerdict>(peers[2]).ErrorCode, Is.EqualTo(ErrorCode.DescriptorMismatch), "the late initiator agreed with the first but the op is poisoned");
        Assert.That(h.State.GetStatus().Collectives, Is.Empty, "every member was told: the tag is free again");

        foreach (var peer in peers)
        {
            h.Send(peer, new InitiateCollective(3, Floats));
        }

        Assert.That(h.TakeSingle<CommenceCollective>(peers[0]).Seq, Is.EqualTo(1), "rejected ops never consumed a sequence number");
        Assert.That(h.Closed, Is.Empty);
    }

    [Test]
    public void TagsAreIndependentAndPerGroup()
    {
        var h = new MasterHarness();
        var a = h.First(group: 0);
        var others = h.Join([a], 0, 1);
        var (b, c) = (others[0], others[1]);

        h.Send(c, new InitiateCollective(1, Doubles)); // group 1 alone: commences at once, own descriptor
        Assert.That(h.TakeSingle<CommenceCollective>(c).Seq, Is.EqualTo(1));
        h.Send(a, new InitiateCollective(1, Floats));
        h.Send(a, new InitiateCollective(2, Floats));
        h.Send(b, new InitiateCollective(2, Floats));
        Assert.That(h.TakeSingle<CommenceCollective>(b).Tag, Is.EqualTo(2));
        h.Send(b, new InitiateCollective(1, Floats));
        Assert.That(h.TakeSingle<CommenceCollective>(b).Seq, Is.EqualTo(3));
    }

    [Test]
    public void SingleMemberGroupCommencesAtOnce()
    {
        var h = new MasterHarness();
        var a = h.First();
        h.Send(a, new InitiateCollective(0, Floats));
        Assert.That(h.TakeSingle<CommenceCollective>(a).Ring.Count, Is.EqualTo(1));
        h.Send(a, new CollectiveComplete(0, 1, true, ErrorCode.Success, ""));
        Assert.That(h.TakeSingle<CollectiveVerdict>(a).Success, Is.True);
    }

    [Test]
    public void StatusShowsOpsInFlight()
    {
        var (h, peers) = Group(2);
        h.Send(peers[0], new InitiateCollective(8, Floats));
        var op = h.State.GetStatus().Collectives.Single();
        Assert.That(op, Is.EqualTo(op with { Tag = 8, Sequence = 0, Rejected = false, Descriptor = Floats }));
        Assert.That(op.Initiators, Is.EqualTo(new[] { h.Ids[peers[0]] }));
        Assert.That(h.StatusOf(peers[0]).TagsInFlight, Is.EqualTo(new[] { 8UL }));
    }

    private static (MasterHarness H, ConnectionId[] Peers) Commenced(int size, ulong tag)
    {
        var (h, peers) = Group(size);
        foreach (var peer in peers)
        {
            h.Send(peer, new InitiateCollective(tag, Floats));
        }

        foreach (var peer in peers)
        {
            h.TakeSingle<CommenceCollective>(peer);
        }

        return (h, peers);
    }
}
