namespace Collectives.Protocol.Messages;

/// <summary>
/// The first element of every control message. Peer→master messages use 1–63, master→peer messages 64–127, so a
/// message sent in the wrong direction is recognisable as such. Within each direction, blocks are reserved for the
/// phases that come later; a reserved number is treated as unknown until it is implemented.
/// </summary>
internal enum MessageType : byte
{
    // Peer → master: membership and collectives (1–15).
    Register = 1,
    VoteUpdateTopology = 2,
    ConnectionsEstablished = 3,
    QueryPeersPending = 4,
    InitiateCollective = 5,
    CollectiveComplete = 6,
    PeerHeartbeat = 7,
    Leave = 8,

    // Peer → master: shared-state sync (16–31).
    SyncSharedState = 16,
    SharedStateTransferDone = 17,

    // Peer → master: topology optimisation (32–47).
    OptimizeTopology = 32,
    BandwidthMeasured = 33,

    // Peer → master, reserved: other collectives 48–63.

    // Master → peer: membership and collectives (64–79).
    Registered = 64,
    EstablishConnections = 65,
    TopologyUpdated = 66,
    TopologyUpdateFailed = 67,
    PeersPendingAnswer = 68,
    MembershipChanged = 69,
    CommenceCollective = 70,
    CollectiveVerdict = 71,
    MasterHeartbeat = 72,
    Kicked = 73,

    // Master → peer: shared-state sync (80–95).
    SharedStateDecision = 80,
    SharedStateSyncFailed = 81,
    SharedStateSyncComplete = 82,

    // Master → peer: topology optimisation (96–111).
    MeasureBandwidth = 96,
    TopologyOptimized = 97,
    TopologyOptimizationFailed = 98,

    // Master → peer, reserved: other collectives 112–127.
}

/// <summary>Facts about <see cref="MessageType"/> values.</summary>
internal static class MessageTypes
{
    public static bool IsClientMessage(MessageType type) =>
        type is >= MessageType.Register and <= MessageType.Leave or MessageType.SyncSharedState or MessageType.SharedStateTransferDone
            or MessageType.OptimizeTopology or MessageType.BandwidthMeasured;

    public static bool IsServerMessage(MessageType type) =>
        type is >= MessageType.Registered and <= MessageType.Kicked or >= MessageType.SharedStateDecision and <= MessageType.SharedStateSyncComplete
            or >= MessageType.MeasureBandwidth and <= MessageType.TopologyOptimizationFailed;
}
