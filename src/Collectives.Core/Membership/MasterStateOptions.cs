using Collectives.Protocol;

namespace Collectives.Membership;

/// <summary>Settings of <see cref="MasterState"/>.</summary>
internal sealed record MasterStateOptions
{
    public static MasterStateOptions Default { get; } = new();

    /// <summary>
    /// A peer silent for longer than this is removed as dead. Peers send a heartbeat every few seconds; 20 s rides
    /// out a long GC pause or a congested uplink without leaving the others stuck for long.
    /// </summary>
    public TimeSpan PeerTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The master sends a heartbeat on a connection it has sent nothing on for this long.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bounds on message contents; the state keeps its rings within <see cref="ProtocolLimits.MaxPeersPerRing"/>.</summary>
    public ProtocolLimits Limits { get; init; } = ProtocolLimits.Default;

    /// <summary>How links are probed and the ring solved when a group optimises its topology.</summary>
    public Topology.TopologyOptimizationOptions Topology { get; init; } = Collectives.Topology.TopologyOptimizationOptions.Default;

    /// <summary>
    /// Mixed into every assigned <see cref="PeerId"/>. The server sets a random value per master lifetime so that ids
    /// are not reused across master restarts; tests keep it fixed for reproducible runs.
    /// </summary>
    public UInt128 PeerIdSeed { get; init; }
}
