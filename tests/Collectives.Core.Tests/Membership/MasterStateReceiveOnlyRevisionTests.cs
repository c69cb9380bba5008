using Collectives.Protocol.Messages;
using Collectives.SharedState;
using NUnit.Framework;
using static Collectives.Tests.Membership.SharedStateRequests;

namespace Collectives.Tests.Membership;

/// <summary>
/// The soak's case at the master (stress-tests/RESULTS.md): a group whose lineage restarted at revision 0 and a
/// receive-only peer that still holds revision 824 of the lost lineage.
/// </summary>
public class MasterStateReceiveOnlyRevisionTests
{
    [Test]
    public void AReceiveOnlyPeerFromALostLineageIsGivenTheGroupsStateNotKicked()
    {
        var (h, peers) = Group(3);
        var (holders, rejoiner) = (peers[..2], peers[2]);
        // The new lineage's first round: the rejoiner takes part at revision 0 like everyone, so the group is at 0.
        h.SyncAllAlike(peers, Sync(0, Model(0)));
        foreach (var peer in peers)
        {
            h.Send(peer, Done(1));
            h.Take(peer);
        }

        // Its training loop reloaded the old lineage's checkpoint and asks to receive.
        var messages = h.SyncAll(holders.Select(p => (p, Sync(1, Model(5)))).Append((rejoiner, Sync(824, SharedStateStrategy.ReceiveOnly, Model(99)))));

        Assert.That(h.Closed, Is.Empty, "nobody is kicked");
        SharedStateDecision fetch = DecisionIn(messages[rejoiner]);
        Assert.That(fetch.Revision, Is.EqualTo(1), "it adopts the group's revision, below its own");
        Assert.That(fetch.IsDonor, Is.False);
        Assert.That(fetch.Transfers.Select(t => (t.Name, t.ExpectedHash)), Is.EqualTo(Model(5).Select(e => (e.Name, e.Hash))));
        Assert.That(fetch.Transfers.SelectMany(t => t.Slices).Select(s => s.Donor).Distinct(), Is.SubsetOf(holders.Select(p => h.Ids[p])));
        Assert.That(h.State.GetStatus().SharedStateRevisions[0], Is.EqualTo(1));
    }

    [TestCase(SharedStateStrategy.EnforcePopular)]
    [TestCase(SharedStateStrategy.SendOnly)]
    public void APeerThatMayBeASourceIsStillKickedForTheSameJump(SharedStateStrategy strategy)
    {
        var (h, peers) = Group(3);
        h.SyncAllAlike(peers, Sync(0, Model(0)));
        foreach (var peer in peers)
        {
            h.Send(peer, Done(1));
            h.Take(peer);
        }

        h.SyncAll(peers[..2].Select(p => (p, Sync(1, Model(0)))).Append((peers[2], Sync(824, strategy, Model(0)))));

        Assert.That(h.Closed[peers[2]].ErrorCode, Is.EqualTo(ErrorCode.ProtocolViolation));
        Assert.That(h.Closed[peers[2]].Reason, Does.Contain("revision 824 jumps ahead of the expected 1"));
    }
}
