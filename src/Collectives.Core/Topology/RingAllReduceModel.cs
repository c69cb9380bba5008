namespace Collectives.Topology;

/// <summary>
/// The cost model behind the solver's objective, for deciding whether a new ring is worth the reconnection it costs.
/// </summary>
internal static class RingAllReduceModel
{
    /// <summary>
    /// Expected seconds for a ring all-reduce of <paramref name="bytes"/> over <paramref name="peers"/> peers: a reduce-scatter
    /// and an all-gather of n − 1 steps each, every step moving bytes/n over every link at once, so the slowest link sets
    /// the pace; each step also pays <paramref name="stepLatencySeconds"/> (about one round trip).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative size, latency or peer count, or a bottleneck that is not positive.</exception>
    public static double EstimateSeconds(long bytes, int peers, double bottleneckBytesPerSecond, double stepLatencySeconds = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        ArgumentOutOfRangeException.ThrowIfNegative(peers);
        ArgumentOutOfRangeException.ThrowIfNegative(stepLatencySeconds);
        if (peers < 2)
        {
            return 0;
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bottleneckBytesPerSecond);
        int steps = 2 * (peers - 1);
        return (steps * ((double)bytes / peers) / bottleneckBytesPerSecond) + (steps * stepLatencySeconds);
    }
}
