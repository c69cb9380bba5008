namespace Collectives.Protocol.Messages;

/// <summary>A message the master sends to a peer.</summary>
internal abstract record ServerMessage
{
    public abstract MessageType Type { get; }
}

/// <summary>Registration recorded under <paramref name="PeerId"/>; the first peer of a run is accepted at once.</summary>
internal sealed record Registered(PeerId PeerId, bool AcceptedImmediately) : ServerMessage
{
    public override MessageType Type => MessageType.Registered;
}

/// <summary>Dial (pre-warm) data links for this ring of the receiver's group, then answer <see cref="ConnectionsEstablished"/>.</summary>
internal sealed record EstablishConnections(ulong Epoch, EquatableArray<PeerInfo> Ring) : ServerMessage
{
    public override MessageType Type => MessageType.EstablishConnections;
}

/// <summary>Ends <c>UpdateTopologyAsync</c> on members and <c>ConnectAsync</c> on joiners.</summary>
internal sealed record TopologyUpdated(ulong Epoch, WorldSizes WorldSizes, EquatableArray<PeerId> Ring) : ServerMessage
{
    public override MessageType Type => MessageType.TopologyUpdated;
}

/// <summary>The vote was abandoned (deadlock rule); transient, the caller retries.</summary>
internal sealed record TopologyUpdateFailed(ErrorCode ErrorCode, string Reason) : ServerMessage
{
    public override MessageType Type => MessageType.TopologyUpdateFailed;
}

/// <summary>The answer every accepted peer gets to the peers-pending query.</summary>
internal sealed record PeersPendingAnswer(bool Pending) : ServerMessage
{
    public override MessageType Type => MessageType.PeersPendingAnswer;
}

/// <summary>An accepted peer left or died; the receiver's new world sizes and group ring.</summary>
internal sealed record MembershipChanged(WorldSizes WorldSizes, EquatableArray<PeerInfo> Ring) : ServerMessage
{
    public override MessageType Type => MessageType.MembershipChanged;
}

/// <summary>Every group member initiated <paramref name="Tag"/> with equal descriptors: run it as <paramref name="Seq"/> over <paramref name="Ring"/>.</summary>
internal sealed record CommenceCollective(ulong Tag, ulong Seq, EquatableArray<PeerId> Ring) : ServerMessage
{
    public override MessageType Type => MessageType.CommenceCollective;
}

/// <summary>
/// The one outcome of an op for the receiver; <paramref name="Seq"/> 0 means rejected before commencing.
/// <paramref name="Ticket"/>, when present, reserves the sequence number of the group's next op if that op is tag + 1.
/// </summary>
internal sealed record CollectiveVerdict(ulong Tag, ulong Seq, bool Success, ErrorCode ErrorCode, string Reason, CollectiveTicket Ticket = default) : ServerMessage
{
    public override MessageType Type => MessageType.CollectiveVerdict;
}

/// <summary>Sign of life, sent every heartbeat interval.</summary>
internal sealed record MasterHeartbeat : ServerMessage
{
    public override MessageType Type => MessageType.MasterHeartbeat;
}

/// <summary>Sent before the master closes a connection whose peer it removes.</summary>
internal sealed record Kicked(ErrorCode ErrorCode, string Reason) : ServerMessage
{
    public override MessageType Type => MessageType.Kicked;
}

/// <summary>
/// The master's promise that the group's op with tag <paramref name="Tag"/>, if it is commenced over the ring with
/// fingerprint <paramref name="RingFingerprint"/>, gets sequence number <paramref name="Seq"/>. An idle peer that launches
/// exactly that tag may start at once on that number instead of waiting a round trip for the commence (SPEC §4: the
/// master's one verdict still decides the outcome). <paramref name="Seq"/> 0 means no ticket.
/// </summary>
internal readonly record struct CollectiveTicket(ulong Tag, ulong Seq, ulong RingFingerprint)
{
    /// <summary>True when this is a ticket at all.</summary>
    public bool IsPresent => Seq != 0;
}
