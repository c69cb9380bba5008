using Collectives.Topology;

namespace Collectives.Tests.Topology;

/// <summary>
/// The matrix families the heuristic's quality is judged on, by name: unstructured cells, the deployment-like scenarios,
/// heavy-tailed and strongly asymmetric rates, and sparsely measured groups.
/// </summary>
internal static class MatrixFamilies
{
    public static readonly string[] Names = ["unstructured", "uniform", "few slow links", "datacenters", "heavy-tailed", "asymmetric", "sparse"];

    public static BandwidthMatrix Build(string family, int n, int seed)
    {
        var random = new Random(seed);
        return family switch
        {
            "unstructured" => Unstructured(n, random),
            "uniform" => TopologyScenarios.Uniform(n, random),
            "few slow links" => TopologyScenarios.FewSlowLinks(n, random),
            "datacenters" => TopologyScenarios.Datacenters(n, random),
            "heavy-tailed" => HeavyTailed(n, random),
            "asymmetric" => Asymmetric(n, random),
            "sparse" => Sparse(n, random),
            _ => throw new ArgumentOutOfRangeException(nameof(family), family, "Unknown matrix family."),
        };
    }

    /// <summary>Cells as <see cref="TopologyGen.Cell"/> draws them: a ninth unknown, four ninths small integers, the rest spread widely.</summary>
    public static BandwidthMatrix Unstructured(int n, Random random)
    {
        var matrix = new BandwidthMatrix(n);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                int pick = random.Next(9);
                if (i != j && pick > 0)
                {
                    matrix[i, j] = pick <= 4 ? random.Next(0, 5) : random.Next(1, 1_000_001) * 1000.0;
                }
            }
        }

        return matrix;
    }

    /// <summary>Pareto rates (shape 1.2) from 10 MB/s, capped at 10 GB/s: most links slow, a few very fast.</summary>
    public static BandwidthMatrix HeavyTailed(int n, Random random)
    {
        var matrix = new BandwidthMatrix(n);
        ForEachLink(n, (i, j) => matrix[i, j] = Math.Min(1e10, 1e7 * Math.Pow(1 - random.NextDouble(), -1 / 1.2)));
        return matrix;
    }

    /// <summary>One log-uniform rate per pair of peers, and one direction of each pair (at random) 10–100 times slower.</summary>
    public static BandwidthMatrix Asymmetric(int n, Random random)
    {
        var matrix = new BandwidthMatrix(n);
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                double rate = LogUniform(random, 1e8, 5e9);
                double slower = rate / LogUniform(random, 10, 100);
                bool forwardFast = random.Next(2) == 0;
                matrix[i, j] = forwardFast ? rate : slower;
                matrix[j, i] = forwardFast ? slower : rate;
            }
        }

        return matrix;
    }

    /// <summary>Log-uniform rates on a random 25–50% of the links, the rest unknown: a ring over measured links only is hard to find.</summary>
    public static BandwidthMatrix Sparse(int n, Random random)
    {
        var matrix = new BandwidthMatrix(n);
        double known = 0.25 + (0.25 * random.NextDouble());
        ForEachLink(n, (i, j) =>
        {
            if (random.NextDouble() < known)
            {
                matrix[i, j] = LogUniform(random, 1e7, 1e10);
            }
        });
        return matrix;
    }

    private static double LogUniform(Random random, double low, double high) => low * Math.Pow(high / low, random.NextDouble());

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
