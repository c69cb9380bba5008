namespace Collectives.Protocol.Messages;

/// <summary>One probed link: the sender measured <paramref name="BytesPerSecond"/> to <paramref name="To"/>; NaN when the probe failed.</summary>
internal readonly record struct BandwidthSample(PeerId To, double BytesPerSecond);

/// <summary>
/// Peer → master: this peer's part of the collective optimize-topology call (all accepted peers of its group call it).
/// </summary>
internal sealed record OptimizeTopology : ClientMessage
{
    public override MessageType Type => MessageType.OptimizeTopology;
}

/// <summary>
/// Peer → master: the results of the probes <see cref="MeasureBandwidth"/> of <paramref name="Round"/> assigned to this
/// peer, one sample per target (NaN for a failed probe). The reader refuses negative or infinite rates.
/// </summary>
internal sealed record BandwidthMeasured(ulong Round, EquatableArray<BandwidthSample> Samples) : ClientMessage
{
    public override MessageType Type => MessageType.BandwidthMeasured;
}

/// <summary>
/// Master → peer: probe the links from this peer to each of <paramref name="Targets"/> (in order, one at a time) for
/// <paramref name="DurationMilliseconds"/> over <paramref name="Connections"/> parallel connections each, then answer
/// <see cref="BandwidthMeasured"/>. Only peers with something to send get one; receivers are passive.
/// </summary>
internal sealed record MeasureBandwidth(ulong Round, uint DurationMilliseconds, ushort Connections, EquatableArray<PeerInfo> Targets) : ServerMessage
{
    /// <summary>Longest probe the reader accepts: a minute, far beyond any sensible setting.</summary>
    public const uint MaxDurationMilliseconds = 60_000;

    /// <summary>Most connections per probed link the reader accepts (the transport's pool limit).</summary>
    public const ushort MaxConnections = 64;

    public override MessageType Type => MessageType.MeasureBandwidth;
}

/// <summary>
/// Master → peer: ends the optimize-topology call. <paramref name="Ring"/> is the group's ring from now on (every member
/// gets the same message in the same step, so the next collective already runs on it); <paramref name="MeasuredLinks"/>
/// counts the group's directed links with a measurement, and <paramref name="BottleneckBytesPerSecond"/> is the ring's
/// slowest link by those measurements (0 when one of its links is unknown; +∞ for a group of one).
/// </summary>
internal sealed record TopologyOptimized(ulong Epoch, WorldSizes WorldSizes, EquatableArray<PeerId> Ring, uint MeasuredLinks, double BottleneckBytesPerSecond) : ServerMessage
{
    public override MessageType Type => MessageType.TopologyOptimized;
}

/// <summary>Master → peer: the optimize-topology call failed and the ring is unchanged; transient, the caller retries. Never carries Success.</summary>
internal sealed record TopologyOptimizationFailed(ErrorCode ErrorCode, string Reason) : ServerMessage
{
    public override MessageType Type => MessageType.TopologyOptimizationFailed;
}
