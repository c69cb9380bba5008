using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using NUnit.Framework;
using static Collectives.Tests.Membership.MasterHarness;

namespace Collectives.Tests.Membership;

/// <summary>
/// Optimistic starts: the master hands out a ticket (reserved sequence number) with every verdict; peers that started
/// on it claim it when they initiate; the master commences on the ticket only if every claim matches, and otherwise
/// refuses the op everywhere so that no two peers ever run it on different numbers or rings.
/// </summary>
[TestFixture]
public sealed class MasterStateTicketTests
{
    [Test]
    public void MatchingClaimsCommenceOnTheTicketAndEarlyReportsCountOnceCommenced()
    {
        var (h, peers, ticket) = AfterOneSuccess(3, tag: 4);
        Assert.That(ticket.Tag, Is.EqualTo(5));

        // Two peers start on the ticket and even finish before the third initiates (it did not claim).
        h.Send(peers[0], Claim(ticket));
        h.Send(peers[1], Claim(ticket));
        h.Send(peers[0], new CollectiveComplete(5, ticket.Seq, true, ErrorCode.Success, ""));
        h.Send(peers[1], new CollectiveComplete(5, ticket.Seq, true, ErrorCode.Success, ""));
        h.AssertNothingFor(peers);
        Assert.That(h.Closed, Is.Empty, "a report on a claimed number before the commencement is no violation");

        h.Send(peers[2], new InitiateCollective(5, Floats));
        Assert.That(h.TakeSingle<CommenceCollective>(peers[2]).Seq, Is.EqualTo(ticket.Seq), "the peer that waited runs on the ticket's number too");
        h.AssertNothingFor(peers[..2]); // the claimants already run on it: no commence for them

        h.Send(peers[2], new CollectiveComplete(5, ticket.Seq, true, ErrorCode.Success, ""));
        foreach (var peer in peers)
        {
            var verdict = h.TakeSingle<CollectiveVerdict>(peer);
            Assert.That((verdict.Seq, verdict.Success), Is.EqualTo((ticket.Seq, true)));
            Assert.That(verdict.Ticket.Seq, Is.GreaterThan(ticket.Seq), "the next ticket is a fresh number");
        }
    }

    [Test]
    public void AllPeersFinishingEarlyGetOnlyTheVerdict()
    {
        // The last initiation commences; the reports of both claimants were already in (the second right behind its
        // initiation). Claimants are never sent the commence of the number they claimed: one message per op, the verdict.
        var (h, peers, ticket) = AfterOneSuccess(2, tag: 0);
        h.Send(peers[0], Claim(ticket));
        h.Send(peers[0], new CollectiveComplete(1, ticket.Seq, true, ErrorCode.Success, ""));
        h.Send(peers[1], Claim(ticket));
        h.Send(peers[1], new CollectiveComplete(1, ticket.Seq, true, ErrorCode.Success, ""));
        foreach (var peer in peers)
        {
            var messages = h.Take(peer);
            Assert.That(messages.Select(m => m.GetType()), Is.EqualTo(new[] { typeof(CollectiveVerdict) }));
            Assert.That(((CollectiveVerdict)messages[0]).Success, Is.True);
        }
    }

    [Test]
    public void AnEarlyFailureRefusesTheOpAtOnceForEveryInitiatorNowAndLater()
    {
        var (h, peers, ticket) = AfterOneSuccess(3, tag: 7);
        h.Send(peers[0], Claim(ticket));
        h.Send(peers[1], Claim(ticket));
        h.Send(peers[1], new CollectiveComplete(8, ticket.Seq, false, ErrorCode.Timeout, "no data for 5000 ms"));
        foreach (var peer in peers[..2])
        {
            var verdict = h.TakeSingle<CollectiveVerdict>(peer);
            Assert.That((verdict.Seq, verdict.Success, verdict.ErrorCode), Is.EqualTo((0UL, false, ErrorCode.Timeout)));
        }

        h.Send(peers[2], new InitiateCollective(8, Floats));
        Assert.That(h.TakeSingle<CollectiveVerdict>(peers[2]).ErrorCode, Is.EqualTo(ErrorCode.Timeout), "a late initiator hears the same outcome");
        AssertTagIsFreeAgain(h, peers, tag: 8);
    }

    [Test]
    public void AClaimOnANumberTheMasterDidNotReserveRefusesTheOp()
    {
        var (h, peers, ticket) = AfterOneSuccess(2, tag: 2);
        h.Send(peers[0], Claim(ticket with { Seq = ticket.Seq - 1 }));
        h.Send(peers[1], new InitiateCollective(3, Floats));
        foreach (var peer in peers)
        {
            var verdict = h.TakeSingle<CollectiveVerdict>(peer);
            Assert.That((verdict.Seq, verdict.Success, verdict.ErrorCode), Is.EqualTo((0UL, false, ErrorCode.RankConnectionLost)));
        }

        Assert.That(h.Closed, Is.Empty, "a stale claim is a race, not a violation");
    }

    [Test]
    public void AClaimOnTheRingBeforeAMemberLeftRefusesTheOp()
    {
        var (h, peers, ticket) = AfterOneSuccess(3, tag: 10);
        h.Send(peers[0], Claim(ticket));
        h.Disconnect(peers[2]);
        h.Take(peers[0]);
        h.Take(peers[1]);
        h.Send(peers[1], Claim(ticket));
        foreach (var peer in peers[..2])
        {
            var verdict = h.TakeSingle<CollectiveVerdict>(peer);
            Assert.That((verdict.Seq, verdict.ErrorCode), Is.EqualTo((0UL, ErrorCode.RankConnectionLost)), "the claims were made on the old ring");
        }
    }

    [Test]
    public void WithoutClaimsATicketOnAnotherRingIsNotUsed()
    {
        var (h, peers, ticket) = AfterOneSuccess(3, tag: 10);
        h.Disconnect(peers[2]);
        h.Take(peers[0]);
        h.Take(peers[1]);
        h.Send(peers[0], new InitiateCollective(11, Floats));
        h.Send(peers[1], new InitiateCollective(11, Floats));
        foreach (var peer in peers[..2])
        {
            Assert.That(h.TakeSingle<CommenceCollective>(peer).Seq, Is.GreaterThan(ticket.Seq), "a fresh number for the new ring");
        }
    }

    [Test]
    public void AFailureOffersTheSameTagForTheRetryAndNoTicketForATagAlreadyUnderWay()
    {
        var (h, peers) = Group(2);
        Initiate(h, peers, tag: 20);
        h.Send(peers[0], new InitiateCollective(21, Floats)); // tag + 1 is already under way on one peer
        h.Send(peers[1], new CollectiveComplete(20, 1, true, ErrorCode.Success, ""));
        h.Send(peers[0], new CollectiveComplete(20, 1, true, ErrorCode.Success, ""));
        Assert.That(h.TakeSingle<CollectiveVerdict>(peers[1]).Ticket.IsPresent, Is.False);

        var (h2, peers2) = Group(2);
        Initiate(h2, peers2, tag: 30);
        h2.Send(peers2[0], new CollectiveComplete(30, 1, false, ErrorCode.RankConnectionLost, "link broken"));
        var verdict = h2.TakeSingle<CollectiveVerdict>(peers2[1]);
        Assert.That((verdict.Success, verdict.Ticket.Tag, verdict.Ticket.IsPresent), Is.EqualTo((false, 30UL, true)), "the retry may start at once");
    }

    private static InitiateCollective Claim(CollectiveTicket ticket) => new(ticket.Tag, Floats, ticket.Seq, ticket.RingFingerprint);

    private static (MasterHarness H, ConnectionId[] Peers) Group(int size)
    {
        var h = new MasterHarness();
        var first = h.First();
        var rest = size > 1 ? h.Join([first], Enumerable.Repeat(0u, size - 1).ToArray()) : [];
        return (h, rest.Prepend(first).ToArray());
    }

    private static ulong Initiate(MasterHarness h, ConnectionId[] peers, ulong tag)
    {
        foreach (var peer in peers)
        {
            h.Send(peer, new InitiateCollective(tag, Floats));
        }

        return peers.Select(p => h.TakeSingle<CommenceCollective>(p).Seq).Distinct().Single();
    }

    /// <summary>A group that completed op <paramref name="tag"/>; the ticket every member was offered.</summary>
    private static (MasterHarness H, ConnectionId[] Peers, CollectiveTicket Ticket) AfterOneSuccess(int size, ulong tag)
    {
        var (h, peers) = Group(size);
        ulong seq = Initiate(h, peers, tag);
        foreach (var peer in peers)
        {
            h.Send(peer, new CollectiveComplete(tag, seq, true, ErrorCode.Success, ""));
        }

        var tickets = peers.Select(p => h.TakeSingle<CollectiveVerdict>(p).Ticket).Distinct().ToList();
        Assert.That(tickets, Has.Count.EqualTo(1), "one ticket for the whole group");
        Assert.That(tickets[0].RingFingerprint, Is.EqualTo(RingFingerprint.Of([.. h.State.GetStatus().Rings[0]])));
        return (h, peers, tickets[0]);
    }

    private static void AssertTagIsFreeAgain(MasterHarness h, ConnectionId[] peers, ulong tag)
    {
        foreach (var peer in peers)
        {
            h.Send(peer, new InitiateCollective(tag, Floats));
        }

        foreach (var peer in peers)
        {
            Assert.That(h.TakeSingle<CommenceCollective>(peer).Tag, Is.EqualTo(tag));
        }
    }
}
