namespace Collectives.Topology;

/// <summary>
/// A ring order chosen by <see cref="RingSolver"/>: data flows <c>Order[k]</c> → <c>Order[k + 1]</c>, wrapping around.
/// </summary>
/// <param name="Order">A permutation of the peers, rotated so that the lowest index (0) comes first.</param>
/// <param name="Bottleneck">The slowest directed link of the ring in bytes/s (unknown links count as 0);
/// <see cref="double.PositiveInfinity"/> for fewer than two peers, where no link limits anything.</param>
/// <param name="Total">The sum of the ring's link bandwidths in bytes/s, the tie-breaker between equal bottlenecks.</param>
/// <param name="IsOptimal">True when no ring has a larger (bottleneck, total) pair: the exact solver ran to the end,
/// or the heuristic met its upper bounds.</param>
internal sealed record RingSolution(int[] Order, double Bottleneck, double Total, bool IsOptimal)
{
    /// <summary>True when this ring is strictly better than a ring scoring (<paramref name="bottleneck"/>, <paramref name="total"/>): a larger bottleneck, or an equal bottleneck and a larger total.</summary>
    public bool IsBetterThan(double bottleneck, double total) => RingScore.IsBetter(Bottleneck, Total, bottleneck, total);
}

/// <summary>The lexicographic objective of the ring: the bottleneck first, then the total.</summary>
internal static class RingScore
{
    public static bool IsBetter(double bottleneck, double total, double otherBottleneck, double otherTotal) =>
        bottleneck > otherBottleneck || (bottleneck == otherBottleneck && total > otherTotal);
}
