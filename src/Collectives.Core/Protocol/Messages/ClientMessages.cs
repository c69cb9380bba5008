namespace Collectives.Protocol.Messages;

/// <summary>A message a peer sends to the master.</summary>
internal abstract record ClientMessage
{
    public abstract MessageType Type { get; }
}

/// <summary>
/// First message after the handshake: join <paramref name="PeerGroup"/>, accept data links on <paramref name="P2PPort"/>
/// at <paramref name="AdvertisedAddress"/> (null: at the address the master sees).
/// </summary>
internal sealed record Register(uint PeerGroup, ushort P2PPort, PeerAddress? AdvertisedAddress) : ClientMessage
{
    public override MessageType Type => MessageType.Register;
}

/// <summary>The peer's vote to let pending peers in (<c>UpdateTopologyAsync</c>).</summary>
internal sealed record VoteUpdateTopology : ClientMessage
{
    public override MessageType Type => MessageType.VoteUpdateTopology;
}

/// <summary>Answer to <see cref="EstablishConnections"/> of <paramref name="Epoch"/>; lists the ring neighbours it could not reach.</summary>
internal sealed record ConnectionsEstablished(ulong Epoch, EquatableArray<PeerId> UnreachablePeers) : ClientMessage
{
    public override MessageType Type => MessageType.ConnectionsEstablished;
}

/// <summary>The peer's part of the collective "is anyone waiting to be accepted?" query.</summary>
internal sealed record QueryPeersPending : ClientMessage
{
    public override MessageType Type => MessageType.QueryPeersPending;
}

/// <summary>
/// The peer launches the collective <paramref name="Tag"/> described by <paramref name="Descriptor"/>. A non-zero
/// <paramref name="ClaimSeq"/> says the peer already started it optimistically as that sequence number (the ticket the
/// master handed out with its last verdict) over the ring whose fingerprint is <paramref name="RingFingerprint"/>.
/// </summary>
internal sealed record InitiateCollective(ulong Tag, CollectiveDescriptor Descriptor, ulong ClaimSeq = 0, ulong RingFingerprint = 0) : ClientMessage
{
    /// <summary>True when the peer started the op before the master commenced it.</summary>
    public bool IsClaim => ClaimSeq != 0;

    public override MessageType Type => MessageType.InitiateCollective;
}

/// <summary>The peer's local part of the op (<paramref name="Tag"/>, <paramref name="Seq"/>) ended; <paramref name="ErrorCode"/> is Success exactly when <paramref name="Success"/>.</summary>
internal sealed record CollectiveComplete(ulong Tag, ulong Seq, bool Success, ErrorCode ErrorCode, string Reason) : ClientMessage
{
    public override MessageType Type => MessageType.CollectiveComplete;
}

/// <summary>Sign of life, sent every heartbeat interval.</summary>
internal sealed record PeerHeartbeat : ClientMessage
{
    public override MessageType Type => MessageType.PeerHeartbeat;
}

/// <summary>Graceful goodbye: the others see a leave, not a failure.</summary>
internal sealed record Leave : ClientMessage
{
    public override MessageType Type => MessageType.Leave;
}
