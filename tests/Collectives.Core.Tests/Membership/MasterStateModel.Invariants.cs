using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using NUnit.Framework;

namespace Collectives.Tests.Membership;

internal sealed partial class MasterStateModel
{
    /// <summary>
    /// Delivers the master's commands to the simulated peers and checks each against the ledger: closes only where
    /// allowed, one verdict per initiation, commence only for what was initiated, rings and world sizes as the master holds them.
    /// </summary>
    private void Drain(IReadOnlyCollection<ConnectionId> allowedCloses)
    {
        foreach (MasterCommand command in _master.DrainOutbox())
        {
            SimulatedPeer peer = _peers.Single(p => p.Connection == command.Connection);
            Ensure(peer.Alive, () => $"command {command} for a connection that is gone");
            switch (command)
            {
                case CloseCommand close:
                    bool jumperKicked = _jumpers.Contains(close.Connection) && close.ErrorCode == ErrorCode.ProtocolViolation;
                    Ensure(allowedCloses.Contains(close.Connection) || jumperKicked, () => $"{peer} was closed ({close.ErrorCode}: {close.Reason})");
                    Stats.JumpersKicked += jumperKicked && close.Reason.Contains("jumps ahead", StringComparison.Ordinal) ? 1 : 0;
                    Stats.Kicked += close.ErrorCode == ErrorCode.Success ? 0 : 1;
                    Stats.TimedOut += close.ErrorCode == ErrorCode.Timeout ? 1 : 0;
                    Forget(peer);
                    break;
                case SendCommand { Message: var message }:
                    Record(peer, message);
                    peer.Inbox.Enqueue(message);
                    break;
            }
        }

        VerifyNewRounds();
    }

    private void Record(SimulatedPeer peer, ServerMessage message)
    {
        var awaiting = _awaiting[peer.Connection];
        switch (message)
        {
            case EstablishConnections:
                Stats.Established++;
                break;
            case TopologyUpdateFailed:
                Stats.VotesFailed++;
                break;
            case TopologyUpdated updated:
                _lastTold[peer.Connection] = (updated.Ring.ToArray(), updated.WorldSizes);
                break;
            case MembershipChanged changed:
                _lastTold[peer.Connection] = (changed.Ring.Select(p => p.Id).ToArray(), changed.WorldSizes);
                break;
            case CommenceCollective commence:
                Ensure(awaiting.TryGetValue(commence.Tag, out ulong seq) && seq == 0,
                    () => $"{peer} told to commence tag {commence.Tag} it is not waiting for");
                Ensure(commence.Ring.SequenceEqual(_lastTold[peer.Connection].Ring), () => $"commenced over a ring {peer} was not told");
                awaiting[commence.Tag] = commence.Seq;
                Stats.Commenced++;
                break;
            case CollectiveVerdict verdict:
                Ensure(awaiting.TryGetValue(verdict.Tag, out ulong expectedSeq),
                    () => $"second verdict, or verdict without initiation, for {peer} tag {verdict.Tag}");
                Ensure(verdict.Seq == expectedSeq, () => $"verdict for {peer} names seq {verdict.Seq}, expected {expectedSeq}");
                Ensure(verdict.Seq != 0 || verdict.ErrorCode == ErrorCode.DescriptorMismatch, () => "a seq-0 verdict that is not a mismatch");
                awaiting.Remove(verdict.Tag);
                Stats.Succeeded += verdict.Success ? 1 : 0;
                Stats.Failed += !verdict.Success && verdict.Seq != 0 ? 1 : 0;
                Stats.Mismatched += verdict.Seq == 0 ? 1 : 0;
                break;
            case SharedStateDecision or SharedStateSyncFailed or SharedStateSyncComplete:
                RecordSharedState(peer, message);
                break;
        }
    }

    /// <summary>Invariants of the master's state after every step.</summary>
    private void CheckStateInvariants()
    {
        MasterStatus status = _master.GetStatus();
        var accepted = status.Peers.Where(p => p.State == PeerLifecycle.Accepted).ToList();
        bool anyPending = status.Peers.Any(p => p.State == PeerLifecycle.Registered);

        Ensure(status.Peers.Where(p => p.VotedForTopology || p.AskedPeersPending).All(p => p.State == PeerLifecycle.Accepted),
            () => $"a vote or query waits on a peer that is not accepted");
        Ensure(status.Peers.Select(p => p.Connection).ToHashSet().SetEquals(_peers.Where(p => p.Alive).Select(p => p.Connection)),
            () => $"the master's connections differ from the open ones");

        if (status.EstablishingEpoch is null)
        {
            var voters = accepted.Where(p => p.VotedForTopology).ToList();
            Ensure(voters.Count == 0 || (anyPending && voters.Count < accepted.Count),
                () => $"votes wait although nothing is pending or everyone voted");
            Ensure(accepted.Count > 0 || !anyPending, () => $"pending peers with nobody to let them in");
        }

        var askers = accepted.Count(p => p.AskedPeersPending);
        Ensure(askers == 0 || askers < accepted.Count, () => $"everyone asked but the query was not answered");

        CheckRingsAndWorldSizes(status, accepted);
        CheckSharedStateInvariants(status);
    }

    /// <summary>Every accepted peer was last told its group's current ring and the world sizes computed from the rings.</summary>
    private void CheckRingsAndWorldSizes(MasterStatus status, List<PeerStatus> accepted)
    {
        int global = status.Rings.Values.Sum(r => r.Count);
        int largest = status.Rings.Count == 0 ? 0 : status.Rings.Values.Max(r => r.Count);
        Stats.LargestGroup = Math.Max(Stats.LargestGroup, largest);
        Ensure(global == accepted.Count, () => "rings and accepted peers disagree");
        foreach (PeerStatus peer in accepted)
        {
            var ring = status.Rings[peer.Group!.Value];
            Ensure(ring.Contains(peer.Id!.Value), () => $"{peer.Connection} is accepted but not in its ring");
            Ensure(_lastTold.TryGetValue(peer.Connection, out var told), () => $"{peer.Connection} accepted but never told its topology");
            Ensure(told.Ring.SequenceEqual(ring), () => $"{peer.Connection} was last told another ring");
            Ensure(told.Sizes == new WorldSizes(global, ring.Count, status.Rings.Count, largest),
                () => $"{peer.Connection} was last told other world sizes");
        }
    }
}
