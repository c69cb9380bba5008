using Collectives.Topology;
using FsCheck;
using FsCheck.Fluent;

namespace Collectives.Tests.Topology;

/// <summary>A matrix with a readable rendering, so that FsCheck counterexamples can be reproduced.</summary>
internal sealed record MatrixSample(BandwidthMatrix Matrix)
{
    public override string ToString() =>
        $"n={Matrix.Count} [{string.Join(", ", Matrix.ToFlat().Select(v => double.IsNaN(v) ? "NaN" : v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}]";
}

/// <summary>Generators of bandwidth matrices for the solver properties.</summary>
internal static class TopologyGen
{
    /// <summary>
    /// Unknown links, a few small integers (so that many rings tie on bottleneck or total, the hard case for tie-breaking),
    /// and widely spread rates.
    /// </summary>
    public static readonly Gen<double> Cell = Gen.Frequency(
        (1, Gen.Constant(double.NaN)),
        (4, Gen.Choose(0, 4).Select(x => (double)x)),
        (4, Gen.Choose(1, 1_000_000).Select(x => x * 1000.0)));

    public static Gen<MatrixSample> Matrix(int minCount, int maxCount) =>
        Gen.Choose(minCount, maxCount).SelectMany(n => Cell.ArrayOf(n * n).Select(cells => new MatrixSample(BandwidthMatrix.FromFlat(n, cells))));

    /// <summary>A matrix and a ring over its peers (a shuffled permutation).</summary>
    public static Gen<(MatrixSample Sample, int[] Ring)> MatrixAndRing(int minCount, int maxCount) =>
        Matrix(minCount, maxCount).SelectMany(sample => Gen.Shuffle(Enumerable.Range(0, sample.Matrix.Count).ToArray()).Select(ring => (sample, ring)));
}

/// <summary>Structured matrices like real deployments, built from a seed.</summary>
internal static class TopologyScenarios
{
    /// <summary>Every link independent, log-uniform over 0.1–50 Gbit/s (the range of SPEC §1).</summary>
    public static BandwidthMatrix Uniform(int n, Random random)
    {
        var matrix = new BandwidthMatrix(n);
        ForEachLink(n, (i, j) => matrix[i, j] = LogUniform(random, 1.25e7, 6.25e9));
        return matrix;
    }

    /// <summary>Fast links with a fifth of them a thousand times slower and a few unknown: the solver must route around them.</summary>
    public static BandwidthMatrix FewSlowLinks(int n, Random random)
    {
        var matrix = new BandwidthMatrix(n);
        ForEachLink(n, (i, j) => matrix[i, j] = LogUniform(random, 1e9, 2e9));
        for (int k = 0; k < n * n / 5; k++)
        {
            (int i, int j) = DistinctPair(n, random);
            matrix[i, j] = LogUniform(random, 1e5, 1e6);
        }

        for (int k = 0; k < n; k++)
        {
            (int i, int j) = DistinctPair(n, random);
            matrix[i, j] = double.NaN;
        }

        return matrix;
    }

    /// <summary>
    /// Peers in 2–6 datacenters: fast inside one, slow and asymmetric between two (one rate per ordered pair of
    /// datacenters, ±50% per peer pair). The best rings visit each datacenter in one piece.
    /// </summary>
    public static BandwidthMatrix Datacenters(int n, Random random)
    {
        int datacenters = 2 + random.Next(5);
        var home = new int[n];
        for (int i = 0; i < n; i++)
        {
            home[i] = random.Next(datacenters);
        }

        var between = new double[datacenters, datacenters];
        for (int a = 0; a < datacenters; a++)
        {
            for (int b = 0; b < datacenters; b++)
            {
                between[a, b] = LogUniform(random, 1e7, 1e9);
            }
        }

        var matrix = new BandwidthMatrix(n);
        ForEachLink(n, (i, j) => matrix[i, j] = home[i] == home[j]
            ? LogUniform(random, 2e9, 1e10)
            : between[home[i], home[j]] * LogUniform(random, 0.5, 1.5));
        return matrix;
    }

    private static double LogUniform(Random random, double low, double high) => low * Math.Pow(high / low, random.NextDouble());

    private static (int, int) DistinctPair(int n, Random random)
    {
        int i = random.Next(n);
        int j = (i + 1 + random.Next(n - 1)) % n;
        return (i, j);
    }

    private static void ForEachLink(int n, Action<int, int> action)
    {
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (i != j)
                {
                    action(i, j);
                }
            }
        }
    }
}

/// <summary>Reference implementations the solvers are checked against, deliberately naive.</summary>
internal static class RingReference
{
    /// <summary>Bottleneck and total of a ring starting at peer 0, summed in ring order; unknown links weigh 0.</summary>
    public static (double Bottleneck, double Total) Score(BandwidthMatrix matrix, IReadOnlyList<int> ring)
    {
        // Fewer than two peers exchange nothing: no link limits the ring.
        if (ring.Count < 2)
        {
            return (double.PositiveInfinity, 0);
        }

        double bottleneck = double.PositiveInfinity;
        double total = 0;
        for (int k = 0; k < ring.Count; k++)
        {
            double w = matrix[ring[k], ring[(k + 1) % ring.Count]];
            w = double.IsNaN(w) ? 0 : w;
            bottleneck = Math.Min(bottleneck, w);
            total += w;
        }

        return (bottleneck, total);
    }

    /// <summary>The best (bottleneck, total) over all (n − 1)! rings starting at peer 0.</summary>
    public static (double Bottleneck, double Total) BruteForce(BandwidthMatrix matrix)
    {
        int n = matrix.Count;
        var ring = Enumerable.Range(0, n).ToArray();
        (double Bottleneck, double Total) best = (double.NegativeInfinity, double.NegativeInfinity);
        Permute(1);
        return best;

        void Permute(int k)
        {
            if (k >= n - 1)
            {
                var score = Score(matrix, ring);
                if (score.Bottleneck > best.Bottleneck || (score.Bottleneck == best.Bottleneck && score.Total > best.Total))
                {
                    best = score;
                }

                return;
            }

            for (int i = k; i < n; i++)
            {
                (ring[k], ring[i]) = (ring[i], ring[k]);
                Permute(k + 1);
                (ring[k], ring[i]) = (ring[i], ring[k]);
            }
        }
    }

    public static bool IsPermutation(IReadOnlyList<int> ring, int n) =>
        ring.Count == n && ring.OrderBy(x => x).SequenceEqual(Enumerable.Range(0, n));
}
