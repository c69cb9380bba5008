using System.Collections.Immutable;
using Collectives.Protocol;
using Collectives.Protocol.Messages;

namespace Collectives.Membership;

internal sealed partial class MasterState
{
    /// <summary>
    /// A ring change that needs no newcomer, such as an optimised ring order. Topology optimisation will queue its
    /// ring here; the next vote then has something to agree on and its establish phase adopts the queued order.
    /// </summary>
    private static bool HasQueuedRingChange => false;

    private void OnVote(PeerRecord peer)
    {
        string? refusal = peer switch
        {
            { State: not PeerLifecycle.Accepted } => "voted to update the topology before being accepted",
            { Voted: true } => "voted again while its vote is pending",
            { AskedPeersPending: true } => "voted while waiting in the peers-pending query",
            { InFlight.Count: > 0 } => "voted with collectives in flight",
            { IsSyncing: true } => "voted while waiting in a shared-state sync",
            { IsOptimizing: true } => "voted while in an optimize-topology call",
            _ => null,
        };
        if (refusal is not null)
        {
            Kick(peer, ErrorCode.ProtocolViolation, refusal);
            return;
        }

        peer.Voted = true;
    }

    private void SettleVotes()
    {
        if (_phase is not null)
        {
            return;
        }

        var voters = AcceptedPeers().Where(p => p.Voted).ToList();
        if (voters.Count == 0)
        {
            return;
        }

        // Nothing to agree on: answering at once is what lets a joiner vote right after joining without
        // waiting for peers that are busy in a collective with it.
        if (!PendingPeers().Any() && !HasQueuedRingChange)
        {
            foreach (PeerRecord voter in voters)
            {
                voter.Voted = false;
                SendTopologyUpdated(voter);
            }

            return;
        }

        if (voters.Count == AcceptedPeers().Count())
        {
            StartEstablishPhase();
            return;
        }

        if (FindDeadlock(voters) is { } reason)
        {
            foreach (PeerRecord voter in voters)
            {
                voter.Voted = false;
                Send(voter, new TopologyUpdateFailed(ErrorCode.UpdateTopologyFailed, reason));
            }
        }
    }

    /// <summary>
    /// A voter never has collectives or a sync in flight, so a non-voter waiting for a voter (in an uncommenced
    /// collective or a collecting shared-state sync of a voter's group, or in the peers-pending query, which needs
    /// everyone) can never vote: the vote cannot pass. A sync past its decision waits only for its participants,
    /// none of whom can be voting, so it blocks nobody.
    /// </summary>
    private string? FindDeadlock(List<PeerRecord> voters)
    {
        var voterGroups = voters.Select(v => v.Group).ToHashSet();
        foreach (PeerRecord peer in AcceptedPeers().Where(p => !p.Voted))
        {
            if (peer.AskedPeersPending)
            {
                return $"peer {peer.Id} waits in the peers-pending query, which needs the voters";
            }

            if (voterGroups.Contains(peer.Group) && peer.InFlight.Values.FirstOrDefault(op => !op.IsCommenced) is { } op)
            {
                return $"peer {peer.Id} waits in collective tag {op.Tag} of group {op.Group}, which needs the voters";
            }

            if (voterGroups.Contains(peer.Group) && peer.PendingSync is not null)
            {
                return $"peer {peer.Id} waits in a shared-state sync of group {peer.Group}, which needs the voters";
            }

            if (peer.AskedOptimize)
            {
                return $"peer {peer.Id} waits in an optimize-topology call of group {peer.Group}, which needs the voters";
            }
        }

        return null;
    }

    private void StartEstablishPhase()
    {
        var rings = _rings.ToDictionary(entry => entry.Key, entry => new List<PeerId>(entry.Value));
        foreach (PeerRecord joiner in PendingPeers().ToList())
        {
            joiner.State = PeerLifecycle.Joining;
            if (!rings.TryGetValue(joiner.Group, out var ring))
            {
                rings.Add(joiner.Group, ring = []);
            }

            ring.Add(joiner.Id);
        }

        _phase = new EstablishPhase(rings);
        StartEstablishEpoch(_phase);
    }

    private void StartEstablishEpoch(EstablishPhase phase)
    {
        phase.Epoch = ++_epoch;
        phase.Answered.Clear();
        phase.NeedsRestart = false;
        foreach (var (_, ring) in phase.Rings)
        {
            var infos = ring.Select(id => _peers[id].Info).ToImmutableArray();
            foreach (PeerId id in ring)
            {
                Send(_peers[id], new EstablishConnections(phase.Epoch, infos));
            }
        }
    }

    private void AdvanceEstablishPhase()
    {
        if (_phase is not { } phase)
        {
            return;
        }

        if (phase.Rings.Count == 0)
        {
            _phase = null;
        }
        else if (phase.NeedsRestart)
        {
            StartEstablishEpoch(phase);
        }
        else if (phase.Participants.All(phase.Answered.Contains))
        {
            CompleteEstablishPhase(phase);
        }
    }

    private void CompleteEstablishPhase(EstablishPhase phase)
    {
        _phase = null;
        _rings.Clear();
        foreach (var (group, ring) in phase.Rings)
        {
            _rings.Add(group, ring);
        }

        var participants = phase.Participants.Select(id => _peers[id]).ToList();
        foreach (PeerRecord peer in participants)
        {
            peer.State = PeerLifecycle.Accepted;
            peer.Voted = false;
        }

        foreach (PeerRecord peer in participants)
        {
            SendTopologyUpdated(peer);
        }

        // A rejected op waits for members that never initiated it; with a new ring their agreement starts afresh.
        DropRejectedCollectives();
    }

    private void OnConnectionsEstablished(PeerRecord peer, ConnectionsEstablished message)
    {
        if (peer.State is not (PeerLifecycle.Joining or PeerLifecycle.Accepted))
        {
            Kick(peer, ErrorCode.ProtocolViolation, "answered an establish-connections request it never got");
            return;
        }

        if (message.Epoch < _epoch)
        {
            return; // Raced with a restart of the phase: the peer will answer the new epoch too.
        }

        if (message.Epoch > _epoch || _phase is not { } phase || phase.Epoch != message.Epoch || !phase.Contains(peer))
        {
            Kick(peer, ErrorCode.ProtocolViolation, $"answered establish-connections epoch {message.Epoch}, which it was not asked for");
            return;
        }

        if (!phase.Answered.Add(peer.Id))
        {
            Kick(peer, ErrorCode.ProtocolViolation, $"answered establish-connections epoch {message.Epoch} twice");
            return;
        }

        var unreachable = message.UnreachablePeers.Distinct().ToList();
        int stranger = unreachable.FindIndex(id => !phase.AreNeighbours(peer, id));
        if (stranger >= 0)
        {
            Kick(peer, ErrorCode.ProtocolViolation, $"reported peer {unreachable[stranger]} unreachable, which is not its ring neighbour");
            return;
        }

        // A joiner's connectivity is unproven while accepted peers have been working; when a joiner cannot reach an
        // accepted peer the joiner goes, so that one bad newcomer cannot evict the run.
        var blamed = unreachable.Select(id => _peers[id]).ToList();
        if (peer.State == PeerLifecycle.Joining && blamed.Exists(p => p.State == PeerLifecycle.Accepted))
        {
            Kick(peer, ErrorCode.RankConnectionFailed, $"could not reach accepted peer(s) {string.Join(", ", unreachable)}");
            return;
        }

        foreach (PeerRecord unreachablePeer in blamed)
        {
            Kick(unreachablePeer, ErrorCode.RankConnectionFailed, $"unreachable from peer {peer.Id}");
        }
    }

    private void SendTopologyUpdated(PeerRecord peer) =>
        Send(peer, new TopologyUpdated(_epoch, WorldSizesOf(peer.Group), _rings[peer.Group].ToImmutableArray()));
}
