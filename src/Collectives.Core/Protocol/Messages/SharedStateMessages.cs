namespace Collectives.Protocol.Messages;

/// <summary>One tensor as a peer declares it in a shared-state sync (the content travels as its hash).</summary>
/// <param name="Name">Unique name within the state (UTF-8, at most <see cref="ProtocolLimits"/>' name length).</param>
/// <param name="DataType">Element type.</param>
/// <param name="Count">Elements.</param>
/// <param name="Hash">Content hash (see <c>SharedState.TensorHasher</c>).</param>
/// <param name="AllowContentInequality">True when peers may hold different content (never compared, never transferred).</param>
internal readonly record struct SharedStateEntryInfo(string Name, DataType DataType, ulong Count, ulong Hash, bool AllowContentInequality);

/// <summary>A byte range of one tensor that one donor sends to a fetching peer.</summary>
internal readonly record struct SharedStateSliceInfo(PeerId Donor, ulong Offset, ulong Length);

/// <summary>One tensor a peer must fetch: the hash it must have afterwards and who sends which bytes.</summary>
internal readonly record struct SharedStateTransferInfo(string Name, ulong ExpectedHash, ulong ByteLength, EquatableArray<SharedStateSliceInfo> Slices);

/// <summary>
/// Peer → master: this peer's shared state for a sync round of its group (collective over the group's accepted peers).
/// Strategy values are <c>SharedState.SharedStateStrategy</c>'s (0 enforce-popular, 1 receive-only, 2 send-only).
/// </summary>
internal sealed record SyncSharedState(ulong Revision, byte Strategy, EquatableArray<SharedStateEntryInfo> Entries) : ClientMessage
{
    public override MessageType Type => MessageType.SyncSharedState;
}

/// <summary>Peer → master: this peer finished its part of round <paramref name="Round"/> (fetched and verified, or nothing to fetch).</summary>
internal sealed record SharedStateTransferDone(ulong Round, bool Success, ErrorCode ErrorCode, string Reason) : ClientMessage
{
    public override MessageType Type => MessageType.SharedStateTransferDone;
}

/// <summary>
/// Master → peer: the election's answer for this peer. <paramref name="Transfers"/> is empty when the peer is up to
/// date; <paramref name="IsDonor"/> tells it that others may fetch from it until <see cref="SharedStateSyncComplete"/>.
/// </summary>
internal sealed record SharedStateDecision(ulong Round, ulong Revision, bool IsDonor, EquatableArray<SharedStateTransferInfo> Transfers) : ServerMessage
{
    public override MessageType Type => MessageType.SharedStateDecision;
}

/// <summary>Master → peer: this peer's sync failed without it being removed (e.g. NoSharedStateAvailable).</summary>
internal sealed record SharedStateSyncFailed(ulong Round, ErrorCode ErrorCode, string Reason) : ServerMessage
{
    public override MessageType Type => MessageType.SharedStateSyncFailed;
}

/// <summary>Master → peer: round <paramref name="Round"/> is over on every participant (one verdict for all).</summary>
internal sealed record SharedStateSyncComplete(ulong Round, bool Success, ErrorCode ErrorCode, string Reason) : ServerMessage
{
    public override MessageType Type => MessageType.SharedStateSyncComplete;
}
