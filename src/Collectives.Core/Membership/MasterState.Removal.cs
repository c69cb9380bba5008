using System.Collections.Immutable;
using Collectives.Protocol.Messages;

namespace Collectives.Membership;

internal sealed partial class MasterState
{
    /// <summary>
    /// An illegal message, a timeout or an unreachable report: the peer is told why, its connection is closed, and it
    /// is removed as if it had left. Nobody else is affected beyond what its removal implies.
    /// </summary>
    private void Kick(PeerRecord peer, ErrorCode code, string reason)
    {
        Send(peer, new Kicked(code, reason));
        Close(peer, code, reason);
        Remove(peer, "was removed: " + reason);
    }

    /// <summary>
    /// Forgets the peer: its commenced ops and its shared-state round fail for everyone else at once, uncommenced ops
    /// and its group's sync collection stop waiting for it, a running establish phase restarts without it, and accepted peers are told their new world (in <see cref="Settle"/>).
    /// Pending votes, the query and sync collections are re-evaluated by <see cref="Settle"/> as well.
    /// </summary>
    private void Remove(PeerRecord peer, string reason)
    {
        _connections.Remove(peer.Connection);
        if (!peer.IsRegistered)
        {
            return;
        }

        _peers.Remove(peer.Id);
        ReleaseOptimization(peer);
        ReleaseCollectives(peer, reason);
        ReleaseSharedStateSync(peer, reason);
        _phase?.Remove(peer);
        if (peer.State == PeerLifecycle.Accepted && _rings.TryGetValue(peer.Group, out var ring))
        {
            ring.Remove(peer.Id);
            if (ring.Count == 0)
            {
                _rings.Remove(peer.Group);
                _groupRevisions.Remove(peer.Group);
            }

            _membershipChanged = true;
        }
    }

    /// <summary>
    /// Every accepted peer hears of a departure, not just the departed peer's group: the global world size and group
    /// count changed for all of them.
    /// </summary>
    private void AnnounceMembershipChange()
    {
        if (!_membershipChanged)
        {
            return;
        }

        _membershipChanged = false;
        foreach (var (group, ring) in _rings)
        {
            var message = new MembershipChanged(WorldSizesOf(group), ring.Select(id => _peers[id].Info).ToImmutableArray());
            foreach (var id in ring)
            {
                Send(_peers[id], message);
            }
        }
    }
}
