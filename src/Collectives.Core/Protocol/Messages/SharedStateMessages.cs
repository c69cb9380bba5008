namespace Collectives.Protocol.Messages;

/// <summary>One tensor as a peer declares it in a shared-state sync (the content travels as its hash).</summary>
/// <param name="Name">Unique (ordinal) name within the state: 1 to <see cref="ProtocolLimits.MaxEntryNameBytes"/> UTF-8 bytes.</param>
/// <param name="DataType">Element type.</param>
/// <param name="Count">Elements; count × element size must fit in 2^63 - 1.</param>
/// <param name="Hash">Content hash (see <c>SharedState.TensorHasher</c>).</param>
/// <param name="AllowContentInequality">True when peers may hold different content (never compared, never transferred).</param>
internal readonly record struct SharedStateEntryInfo(string Name, DataType DataType, ulong Count, ulong Hash, bool AllowContentInequality);

/// <summary>A byte range of one tensor that one donor (a participant of the same round told it is a donor) sends to a fetching peer.</summary>
internal readonly record struct SharedStateSliceInfo(PeerId Donor, ulong Offset, ulong Length);

/// <summary>
/// One tensor a peer must fetch: the hash it must have afterwards and who sends which bytes. The reader guarantees
/// that the slices tile [0, <paramref name="ByteLength"/>) in offset order with no gap, overlap or empty slice (none
/// for an empty tensor).
/// </summary>
internal readonly record struct SharedStateTransferInfo(string Name, ulong ExpectedHash, ulong ByteLength, EquatableArray<SharedStateSliceInfo> Slices);

/// <summary>
/// Peer → master: this peer's shared state for a sync round of its group (collective over the group's accepted peers).
/// Strategy values are <c>SharedState.SharedStateStrategy</c>'s (0 enforce-popular, 1 receive-only, 2 send-only); the
/// reader refuses others. Entries may come in any order, at most <see cref="ProtocolLimits.MaxSharedStateEntries"/>.
/// </summary>
internal sealed record SyncSharedState(ulong Revision, byte Strategy, EquatableArray<SharedStateEntryInfo> Entries) : ClientMessage
{
    public override MessageType Type => MessageType.SyncSharedState;
}

/// <summary>
/// Peer → master: this peer finished its part of round <paramref name="Round"/> (fetched and verified, or nothing to
/// fetch); <paramref name="ErrorCode"/> is Success exactly when <paramref name="Success"/>.
/// </summary>
internal sealed record SharedStateTransferDone(ulong Round, bool Success, ErrorCode ErrorCode, string Reason) : ClientMessage
{
    public override MessageType Type => MessageType.SharedStateTransferDone;
}

/// <summary>
/// Master → peer: the election's answer for this peer, which makes it a participant of <paramref name="Round"/>: adopt
/// <paramref name="Revision"/>, fetch <paramref name="Transfers"/> (in strictly ascending ordinal name order; empty when
/// the peer is up to date or only its revision was behind), answer <see cref="SharedStateTransferDone"/>, and wait for
/// the one <see cref="SharedStateSyncComplete"/>. <paramref name="IsDonor"/> tells it that others may fetch from it
/// until then.
/// </summary>
internal sealed record SharedStateDecision(ulong Round, ulong Revision, bool IsDonor, EquatableArray<SharedStateTransferInfo> Transfers) : ServerMessage
{
    public override MessageType Type => MessageType.SharedStateDecision;
}

/// <summary>
/// Master → peer: this peer's sync failed without it being removed (NoSharedStateAvailable: nobody offers content);
/// it is not a participant of <paramref name="Round"/> and hears nothing more about it. Never carries Success.
/// </summary>
internal sealed record SharedStateSyncFailed(ulong Round, ErrorCode ErrorCode, string Reason) : ServerMessage
{
    public override MessageType Type => MessageType.SharedStateSyncFailed;
}

/// <summary>
/// Master → peer: round <paramref name="Round"/> is over on every participant (one outcome for all, exactly once per
/// participant). A failure is RankConnectionLost when a participant departed (donors may be gone), else the first
/// failed transfer answer's code.
/// </summary>
internal sealed record SharedStateSyncComplete(ulong Round, bool Success, ErrorCode ErrorCode, string Reason) : ServerMessage
{
    public override MessageType Type => MessageType.SharedStateSyncComplete;
}
