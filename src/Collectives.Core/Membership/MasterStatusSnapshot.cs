using System.Collections.ObjectModel;
using Collectives.Protocol;

namespace Collectives.Membership;

/// <summary>
/// What a running master knows at one moment, for status displays and monitoring; from
/// <see cref="MasterServer.GetStatusAsync"/>. Immutable: the lists are read-only copies that the master never touches
/// again. Records compare their lists by reference.
/// </summary>
/// <param name="Uptime">Time since the master was created.</param>
/// <param name="Epoch">The last topology epoch issued.</param>
/// <param name="LastSequence">The last collective sequence number issued (0: none yet).</param>
/// <param name="EstablishingEpoch">The epoch of the running establish-connections phase, or null.</param>
/// <param name="Peers">Every open control connection, in connection order.</param>
/// <param name="Groups">Every peer group with an accepted or waiting peer, by group number.</param>
/// <param name="Operations">Collective operations initiated and not decided yet (and rejected ones still collecting initiators).</param>
/// <param name="ReducedBytes">User payload of every collective that succeeded so far (elements × element size, once per operation).</param>
public sealed record MasterStatusSnapshot(
    TimeSpan Uptime,
    ulong Epoch,
    ulong LastSequence,
    ulong? EstablishingEpoch,
    IReadOnlyList<PeerSnapshot> Peers,
    IReadOnlyList<GroupSnapshot> Groups,
    IReadOnlyList<OperationSnapshot> Operations,
    long ReducedBytes = 0)
{
    internal static MasterStatusSnapshot From(MasterStatus status, TimeSpan now)
    {
        var peers = status.Peers
            .Select(p => new PeerSnapshot(
                p.Connection,
                p.Id,
                p.State,
                p.Group,
                p.Endpoint,
                p.VotedForTopology,
                p.AskedPeersPending,
                p.TagsInFlight.Count,
                now > p.LastHeard ? now - p.LastHeard : TimeSpan.Zero))
            .ToArray();

        // A group exists for the operator as soon as someone registers in it, before anyone is accepted.
        var groups = status.Rings.Keys
            .Concat(status.Peers.Where(p => p.Group is not null).Select(p => p.Group!.Value))
            .Distinct()
            .Order()
            .Select(group =>
            {
                IReadOnlyList<PeerId> ring = status.Rings.TryGetValue(group, out var members) ? members : [];
                var waiting = status.Peers
                    .Where(p => p.Group == group && p.Id is { } id && !ring.Contains(id))
                    .Select(p => p.Id!.Value)
                    .ToArray();
                return new GroupSnapshot(group, ReadOnly(ring.ToArray()), ReadOnly(waiting));
            })
            .ToArray();

        var operations = status.Collectives
            .OrderBy(op => op.Group)
            .ThenBy(op => op.Tag)
            .Select(op => new OperationSnapshot(
                op.Group,
                op.Tag,
                op.Sequence,
                op.Descriptor,
                op.Rejected ? OperationPhase.Rejected : op.Sequence == 0 ? OperationPhase.Initiating : OperationPhase.Running,
                ReadOnly(op.Initiators.ToArray()),
                ReadOnly(op.Participants.ToArray()),
                ReadOnly(op.Reported.ToArray())))
            .ToArray();

        return new MasterStatusSnapshot(
            now, status.Epoch, status.LastSequence, status.EstablishingEpoch, ReadOnly(peers), ReadOnly(groups), ReadOnly(operations), status.ReducedBytes);
    }

    private static ReadOnlyCollection<T> ReadOnly<T>(T[] items) => Array.AsReadOnly(items);
}

/// <summary>One control connection as the master sees it.</summary>
/// <param name="Connection">The master's number for the connection.</param>
/// <param name="Id">The peer's id, once registered.</param>
/// <param name="State">Where it is in its life with the master.</param>
/// <param name="Group">Its peer group, once registered.</param>
/// <param name="Endpoint">Where its ring neighbours dial it, once registered.</param>
/// <param name="VotedForTopology">It is waiting in a topology update (or has passed its vote).</param>
/// <param name="AskedPeersPending">It is waiting in the peers-pending query.</param>
/// <param name="TagsInFlight">Collectives it initiated that have no verdict for it yet.</param>
/// <param name="SilentFor">Time since the master last heard from it.</param>
public sealed record PeerSnapshot(
    ConnectionId Connection,
    PeerId? Id,
    PeerLifecycle State,
    uint? Group,
    PeerEndpoint? Endpoint,
    bool VotedForTopology,
    bool AskedPeersPending,
    int TagsInFlight,
    TimeSpan SilentFor);

/// <summary>One peer group.</summary>
/// <param name="Group">The group number.</param>
/// <param name="Ring">The accepted peers in ring order (empty until someone is accepted).</param>
/// <param name="Waiting">Registered or joining peers of the group that are not in the ring yet.</param>
public sealed record GroupSnapshot(uint Group, IReadOnlyList<PeerId> Ring, IReadOnlyList<PeerId> Waiting);

/// <summary>Where a collective operation is with the master.</summary>
public enum OperationPhase
{
    /// <summary>Some members of the group initiated it; the master waits for the rest.</summary>
    Initiating = 0,
    /// <summary>Commenced: the ring runs it; the master waits for every participant's report.</summary>
    Running = 1,
    /// <summary>Initiators disagreed on the descriptor; everyone who initiates it gets a mismatch verdict.</summary>
    Rejected = 2,
}

/// <summary>One collective operation the master is coordinating.</summary>
/// <param name="Group">The peer group it runs in.</param>
/// <param name="Tag">The caller's tag.</param>
/// <param name="Sequence">The sequence number once commenced; 0 before.</param>
/// <param name="Descriptor">The first initiator's descriptor.</param>
/// <param name="Phase">Initiating, running or rejected.</param>
/// <param name="Initiators">Peers that initiated it.</param>
/// <param name="Participants">The ring it runs over, once commenced.</param>
/// <param name="Reported">Participants that reported completion.</param>
public sealed record OperationSnapshot(
    uint Group,
    ulong Tag,
    ulong Sequence,
    CollectiveDescriptor Descriptor,
    OperationPhase Phase,
    IReadOnlyList<PeerId> Initiators,
    IReadOnlyList<PeerId> Participants,
    IReadOnlyList<PeerId> Reported);
