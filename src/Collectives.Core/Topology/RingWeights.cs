namespace Collectives.Topology;

/// <summary>
/// The solvers' view of a <see cref="BandwidthMatrix"/>: a flat row-major array where unknown links weigh 0,
/// plus the ring arithmetic shared by every solver.
/// </summary>
internal static class RingWeights
{
    /// <summary>Row-major weights with unknown links (and the diagonal) as 0, because an unmeasured link may be arbitrarily slow.</summary>
    public static double[] From(BandwidthMatrix matrix)
    {
        var weights = matrix.ToFlat();
        for (int i = 0; i < weights.Length; i++)
        {
            if (double.IsNaN(weights[i]))
            {
                weights[i] = 0;
            }
        }

        return weights;
    }

    /// <summary>
    /// Bottleneck and total of a ring over row-major <paramref name="weights"/> (NaN counts as 0, so a matrix's own entries
    /// can be passed without copying), summed from the position of peer 0 so that every rotation gives bit-identical
    /// results (floating-point addition is not associative).
    /// </summary>
    public static (double Bottleneck, double Total) Evaluate(ReadOnlySpan<double> weights, int n, ReadOnlySpan<int> ring)
    {
        if (ring.Length < 2)
        {
            return (double.PositiveInfinity, 0);
        }

        int start = ring.IndexOf(0);
        double bottleneck = double.PositiveInfinity;
        double total = 0;
        for (int k = 0; k < ring.Length; k++)
        {
            int from = ring[(start + k) % ring.Length];
            int to = ring[(start + k + 1) % ring.Length];
            double w = weights[(from * n) + to];
            w = double.IsNaN(w) ? 0 : w;
            bottleneck = Math.Min(bottleneck, w);
            total += w;
        }

        return (bottleneck, total);
    }

    /// <summary>The ring rotated so that peer 0 comes first.</summary>
    public static int[] Normalize(ReadOnlySpan<int> ring)
    {
        var normalized = new int[ring.Length];
        int start = ring.IndexOf(0);
        for (int k = 0; k < ring.Length; k++)
        {
            normalized[k] = ring[(start + k) % ring.Length];
        }

        return normalized;
    }

    /// <summary>
    /// Upper bounds on any ring: every peer sends over one of its outgoing links and receives over one of its incoming
    /// links, so the bottleneck is at most the smallest "best link" of any peer and the total at most the sum of best links.
    /// </summary>
    public static (double Bottleneck, double Total) UpperBounds(double[] weights, int n)
    {
        // Row by row (the matrix is row-major), tracking every column's best incoming link on the way.
        var bestIn = new double[n];
        double bottleneck = double.PositiveInfinity;
        double outTotal = 0;
        for (int v = 0; v < n; v++)
        {
            double bestOut = 0;
            var row = weights.AsSpan(v * n, n);
            for (int u = 0; u < n; u++)
            {
                if (u != v)
                {
                    bestOut = Math.Max(bestOut, row[u]);
                    bestIn[u] = Math.Max(bestIn[u], row[u]);
                }
            }

            bottleneck = Math.Min(bottleneck, bestOut);
            outTotal += bestOut;
        }

        double inTotal = 0;
        foreach (double best in bestIn)
        {
            bottleneck = Math.Min(bottleneck, best);
            inTotal += best;
        }

        return (bottleneck, Math.Min(outTotal, inTotal));
    }
}
