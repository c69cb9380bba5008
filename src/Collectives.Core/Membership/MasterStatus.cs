using Collectives.Protocol;

namespace Collectives.Membership;

/// <summary>A snapshot of the master's view of the run, for status displays and tests.</summary>
/// <param name="Epoch">The last topology epoch issued.</param>
/// <param name="LastSequence">The last collective sequence number issued (0: none yet).</param>
/// <param name="EstablishingEpoch">The epoch of the running establish-connections phase, or null.</param>
/// <param name="Peers">Every open control connection, in connection order.</param>
/// <param name="Rings">Ring order of the accepted peers, per peer group (groups without accepted peers are absent).</param>
/// <param name="Collectives">Operations initiated but not yet decided, and rejected ones still waiting for members.</param>
/// <param name="LastSharedStateRound">The last shared-state sync round number issued (0: none yet).</param>
/// <param name="SharedStateRevisions">The shared-state revision each group adopted at its last round that elected a state.</param>
/// <param name="SharedStateSyncs">Shared-state syncs in flight: groups collecting requests, then rounds waiting for transfers.</param>
/// <param name="ReducedBytes">User payload of every collective that succeeded so far (elements × element size, once per operation).</param>
public sealed record MasterStatus(
    ulong Epoch,
    ulong LastSequence,
    ulong? EstablishingEpoch,
    IReadOnlyList<PeerStatus> Peers,
    IReadOnlyDictionary<uint, IReadOnlyList<PeerId>> Rings,
    IReadOnlyList<CollectiveStatus> Collectives,
    ulong LastSharedStateRound,
    IReadOnlyDictionary<uint, ulong> SharedStateRevisions,
    IReadOnlyList<SharedStateSyncStatus> SharedStateSyncs,
    long ReducedBytes = 0);

/// <summary>One control connection as the master sees it.</summary>
/// <param name="Connection">The server's connection number.</param>
/// <param name="State">Lifecycle state.</param>
/// <param name="Id">Assigned at registration.</param>
/// <param name="Group">The peer group, once registered.</param>
/// <param name="Endpoint">Where neighbours dial it, once registered.</param>
/// <param name="VotedForTopology">Waiting in (or passed) a topology vote.</param>
/// <param name="AskedPeersPending">Waiting in the peers-pending query.</param>
/// <param name="TagsInFlight">Tags it initiated that have no verdict for it yet.</param>
/// <param name="LastHeard">When the master last received anything from it.</param>
/// <param name="SynchronizingSharedState">Asked for a shared-state sync and not yet told how it ended.</param>
public sealed record PeerStatus(
    ConnectionId Connection,
    PeerLifecycle State,
    PeerId? Id,
    uint? Group,
    PeerEndpoint? Endpoint,
    bool VotedForTopology,
    bool AskedPeersPending,
    IReadOnlyList<ulong> TagsInFlight,
    TimeSpan LastHeard,
    bool SynchronizingSharedState);

/// <summary>One collective operation the master is coordinating.</summary>
/// <param name="Group">The peer group it runs in.</param>
/// <param name="Tag">The caller's tag.</param>
/// <param name="Sequence">The sequence number once commenced; 0 before.</param>
/// <param name="Descriptor">The first initiator's descriptor.</param>
/// <param name="Rejected">Initiators disagreed; everyone who initiates it gets a descriptor-mismatch verdict.</param>
/// <param name="Initiators">Peers that initiated it.</param>
/// <param name="Participants">The ring it runs over, once commenced.</param>
/// <param name="Reported">Participants that reported completion.</param>
public sealed record CollectiveStatus(
    uint Group,
    ulong Tag,
    ulong Sequence,
    CollectiveDescriptor Descriptor,
    bool Rejected,
    IReadOnlyList<PeerId> Initiators,
    IReadOnlyList<PeerId> Participants,
    IReadOnlyList<PeerId> Reported);

/// <summary>One group's shared-state sync in flight.</summary>
/// <param name="Group">The peer group.</param>
/// <param name="Round">0 while the group collects requests; the round number once decided.</param>
/// <param name="Revision">Once decided, the elected revision; while collecting, the group's revision so far (null before its first round).</param>
/// <param name="Peers">While collecting, the members that asked; once decided, the participants (the peers told to take part).</param>
/// <param name="Answered">Participants that reported their transfers done; empty while collecting.</param>
public sealed record SharedStateSyncStatus(
    uint Group,
    ulong Round,
    ulong? Revision,
    IReadOnlyList<PeerId> Peers,
    IReadOnlyList<PeerId> Answered);
