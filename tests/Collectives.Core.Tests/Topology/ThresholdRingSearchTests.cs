using Collectives.Topology;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Topology;

public class ThresholdRingSearchTests
{
    /// <summary>A threshold for a matrix: one of its own link weights (the interesting values), or an arbitrary one.</summary>
    private static Gen<double> ThresholdFor(double[] weights) =>
        weights.Length == 0
            ? Gen.Constant(1.0)
            : Gen.Frequency((3, Gen.Elements(weights)), (1, Gen.Choose(0, 1_000_000).Select(x => x * 1000.0)));

    private static Gen<(MatrixSample Sample, double Threshold, int Seed, long Expansions)> Case(int minCount, int maxCount, Gen<long> expansions) =>
        from sample in TopologyGen.Matrix(minCount, maxCount)
        from threshold in ThresholdFor(RingWeights.From(sample.Matrix))
        from seed in ArbMap.Default.GeneratorFor<int>()
        from budget in expansions
        select (sample, threshold, seed, budget);

    [Test]
    public void DecidesEveryThresholdOfSmallGroupsLikeBruteForce() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll(Case(0, 9, Gen.Constant(long.MaxValue)).ToArbitrary(), c =>
        {
            var (sample, threshold, seed, expansions) = c;
            var (outcome, ring) = Find(sample.Matrix, threshold, seed, expansions);
            double best = RingReference.BruteForce(sample.Matrix).Bottleneck;

            // Unlimited, the search runs to the end: it finds a ring exactly when the optimal bottleneck reaches t.
            Assert.That(outcome, Is.EqualTo(best >= threshold ? ThresholdOutcome.Found : ThresholdOutcome.NoneExists), $"optimal bottleneck {best}");
            if (outcome == ThresholdOutcome.Found)
            {
                AssertRingAtThreshold(sample.Matrix, ring, threshold);
            }
        }));

    [Test]
    public void NeverClaimsTooMuchOnALimitedBudget() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll(Case(2, 9, Gen.Choose(1, 64).Select(x => (long)x)).ToArbitrary(), c =>
        {
            var (sample, threshold, seed, expansions) = c;
            var (outcome, ring) = Find(sample.Matrix, threshold, seed, expansions);
            double best = RingReference.BruteForce(sample.Matrix).Bottleneck;
            var allowed = best >= threshold ? ThresholdOutcome.Found : ThresholdOutcome.NoneExists;
            Assert.That(outcome, Is.EqualTo(allowed).Or.EqualTo(ThresholdOutcome.GaveUp), $"optimal bottleneck {best}");
            if (outcome == ThresholdOutcome.Found)
            {
                AssertRingAtThreshold(sample.Matrix, ring, threshold);
            }
        }));

    [Test]
    public void FindsOnlyRingsOfLinksAtOrAboveTheThresholdInLargeGroups()
    {
        var cases =
            from family in Gen.Elements(MatrixFamilies.Names)
            from n in Gen.Choose(10, 64)
            from seed in Gen.Choose(0, int.MaxValue)
            select (family, n, seed);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(30), Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var matrix = MatrixFamilies.Build(c.family, c.n, c.seed);

            // The greedy ring's bottleneck is always feasible; the search must find some ring there, and the links of
            // whatever it finds at a random higher weight must all reach that weight.
            var greedy = RingSolver.SolveHeuristic(matrix, TimeSpan.FromSeconds(30), c.seed, default, maxKicks: 0, CancellationToken.None);
            var (outcome, ring) = Find(matrix, greedy.Bottleneck, c.seed, 64L * c.n);
            Assert.That(outcome, Is.EqualTo(ThresholdOutcome.Found));
            AssertRingAtThreshold(matrix, ring, greedy.Bottleneck);

            var weights = RingWeights.From(matrix).Where(w => w > greedy.Bottleneck).ToArray();
            double higher = weights.Length == 0 ? greedy.Bottleneck : weights[new Random(c.seed).Next(weights.Length)];
            (outcome, ring) = Find(matrix, higher, c.seed, 64L * c.n);
            if (outcome == ThresholdOutcome.Found)
            {
                AssertRingAtThreshold(matrix, ring, higher);
            }
        }));
    }

    [Test]
    public void SameSeedSameRing()
    {
        var matrix = MatrixFamilies.Sparse(40, new Random(3));
        double threshold = RingSolver.SolveHeuristic(matrix, TimeSpan.FromSeconds(30), 1, default, maxKicks: 5, CancellationToken.None).Bottleneck;
        var first = Find(matrix, threshold, 9, 100_000);
        var second = Find(matrix, threshold, 9, 100_000);
        Assert.That(first.Outcome, Is.EqualTo(ThresholdOutcome.Found));
        Assert.That(second.Ring, Is.EqualTo(first.Ring));
    }

    [Test]
    public void ProvesThatNoRingCrossesACut()
    {
        // Two cliques of 20 joined one way only: every link from the second to the first is slower than t, so no ring
        // exists at t, and the reachability check proves it without walking the cliques' countless paths.
        const int n = 40;
        var matrix = new BandwidthMatrix(n);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (i != j)
                {
                    matrix[i, j] = i < n / 2 || j >= n / 2 ? 10 : 1;
                }
            }
        }

        Assert.That(Find(matrix, 10, 0, 100_000).Outcome, Is.EqualTo(ThresholdOutcome.NoneExists));
        Assert.That(Find(matrix, 1, 0, 100_000).Outcome, Is.EqualTo(ThresholdOutcome.Found));
    }

    [Test]
    public void RestartLimitsFollowTheLubySequence()
    {
        // The sequence's definition: blocks of 2^k − 1 terms end in 2^(k−1), and each block repeats the previous one twice.
        long[] expected = [1, 1, 2, 1, 1, 2, 4, 1, 1, 2, 1, 1, 2, 4, 8];
        Assert.That(Enumerable.Range(1, expected.Length).Select(ThresholdRingSearch.Luby), Is.EqualTo(expected));
        for (int k = 1; k < 20; k++)
        {
            Assert.That(ThresholdRingSearch.Luby((1 << k) - 1), Is.EqualTo(1L << (k - 1)));
        }
    }

    private static (ThresholdOutcome Outcome, int[] Ring) Find(BandwidthMatrix matrix, double threshold, int seed, long expansions)
    {
        var ring = new int[matrix.Count];
        var outcome = new ThresholdRingSearch(matrix.Count).Find(
            RingWeights.From(matrix), threshold, new Random(seed), expansions, Deadline.None, ring, CancellationToken.None);
        return (outcome, ring);
    }

    private static void AssertRingAtThreshold(BandwidthMatrix matrix, int[] ring, double threshold)
    {
        Assert.That(RingReference.IsPermutation(ring, matrix.Count), Is.True, "The ring is a permutation of the peers.");
        Assert.That(RingReference.Score(matrix, ring).Bottleneck, Is.GreaterThanOrEqualTo(threshold));
    }
}
