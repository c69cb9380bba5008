using Collectives.Protocol;

namespace Collectives.Topology;

/// <summary>
/// Measures how fast this peer can send to another. The real one probes over TCP (<see cref="TcpBandwidthProber"/>);
/// tests substitute one that reads a given matrix, so that ring choices can be checked without shaping real links.
/// </summary>
internal interface IBandwidthProber
{
    /// <summary>The throughput from this peer to <paramref name="target"/> in bytes/s, over <paramref name="connections"/> parallel connections for about <paramref name="duration"/>.</summary>
    /// <exception cref="CollectivesException">The probe failed (unreachable, broken, timed out).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<double> MeasureAsync(PeerInfo target, int connections, TimeSpan duration, CancellationToken cancellationToken);
}
