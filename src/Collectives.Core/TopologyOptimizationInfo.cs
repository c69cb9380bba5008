namespace Collectives;

/// <summary>What one <see cref="Communicator.OptimizeTopologyAsync"/> call found and did.</summary>
/// <param name="Ring">The group's ring from now on (the same on every member).</param>
/// <param name="RingChanged">True when the order differs from the ring before the call (as a cycle: a rotation is no change).</param>
/// <param name="MeasuredLinks">Directed links of the group the master has a measurement of, old and new.</param>
/// <param name="BottleneckBytesPerSecond">The slowest link of <see cref="Ring"/> by the measurements, in bytes/s; 0 when one of its
/// links is unknown (its probe failed), +∞ in a group of one.</param>
public sealed record TopologyOptimizationInfo(IReadOnlyList<Protocol.PeerId> Ring, bool RingChanged, int MeasuredLinks, double BottleneckBytesPerSecond);
