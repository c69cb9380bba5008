using System.Net;
using Collectives.Topology;
using Collectives.Transport;

namespace Collectives.Membership;

/// <summary>Settings of a master. Immutable; start from <see cref="Default"/> and change with <c>with</c>.</summary>
public sealed record MasterOptions
{
    /// <summary>The default master port.</summary>
    public const int DefaultPort = 48148;

    /// <summary>Listens on all interfaces at <see cref="DefaultPort"/>.</summary>
    public static MasterOptions Default { get; } = new();

    /// <summary>Address and port to listen on; port 0 picks a free port (tests).</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Any, DefaultPort);

    /// <summary>How often the master sends heartbeats and checks for silent peers.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// A peer silent for this long (no heartbeat, no message) is removed. 3 s is six missed heartbeats: enough to
    /// ride out a GC pause or a scheduling hiccup, short enough that a frozen peer blocks the others only briefly.
    /// </summary>
    public TimeSpan PeerTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Transport limits for control connections.</summary>
    public TransportOptions Transport { get; init; } = TransportOptions.Default;

    /// <summary>How links are probed and the ring is solved when a group calls <c>Communicator.OptimizeTopologyAsync</c>.</summary>
    public TopologyOptimizationOptions Topology { get; init; } = TopologyOptimizationOptions.Default;

    /// <summary>Validates the settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Listen);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HeartbeatInterval, TimeSpan.Zero, nameof(HeartbeatInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PeerTimeout, HeartbeatInterval, nameof(PeerTimeout));
        Transport.Validate();
        ArgumentNullException.ThrowIfNull(Topology);
        Topology.Validate();
    }
}
