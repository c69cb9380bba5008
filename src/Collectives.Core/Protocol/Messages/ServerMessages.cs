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

/// <summary>The one outcome of an op for the receiver; <paramref name="Seq"/> 0 means rejected before commencing.</summary>
internal sealed record CollectiveVerdict(ulong Tag, ulong Seq, bool Success, ErrorCode ErrorCode, string Reason) : ServerMessage
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
