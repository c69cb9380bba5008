using Collectives.Topology;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Topology;

public class RingSolverExactTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(100);

    [Test]
    public void ExactMatchesBruteForce() =>
        Check.One(Runs, Prop.ForAll(TopologyGen.Matrix(0, 9).ToArbitrary(), sample =>
        {
            var solution = RingSolver.SolveExact(sample.Matrix);
            var best = RingReference.BruteForce(sample.Matrix);

            // Both sum in ring order from peer 0 and rounding is monotonic, so even the totals agree to the last bit.
            Assert.That(solution.Bottleneck, Is.EqualTo(best.Bottleneck));
            Assert.That(solution.Total, Is.EqualTo(best.Total));
            Assert.That(solution.IsOptimal, Is.True);
            AssertDescribes(sample.Matrix, solution);
        }));

    [Test]
    public void SolveIsExactForSmallGroups() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(60), Prop.ForAll(TopologyGen.Matrix(0, 8).ToArbitrary(), sample =>
        {
            var solution = RingSolver.Solve(sample.Matrix, TimeSpan.Zero);
            var best = RingReference.BruteForce(sample.Matrix);
            Assert.That((solution.Bottleneck, solution.Total), Is.EqualTo(best));
            Assert.That(solution.IsOptimal, Is.True);
            AssertDescribes(sample.Matrix, solution);
        }));

    [Test]
    public void PrefersTheSlowestLinkOverTheSum()
    {
        // Ring 0→1→2→3→0 has links 10, 10, 10, 1 (total 31); its reverse 0→3→2→1→0 has links 5, 5, 5, 5 (total 20);
        // every other link is 0. The all-reduce runs at the slowest link, so the reverse is five times faster.
        var matrix = Complete(4, 0);
        matrix[0, 1] = 10;
        matrix[1, 2] = 10;
        matrix[2, 3] = 10;
        matrix[3, 0] = 1;
        matrix[0, 3] = 5;
        matrix[3, 2] = 5;
        matrix[2, 1] = 5;
        matrix[1, 0] = 5;
        var solution = RingSolver.SolveExact(matrix);
        Assert.That(solution.Order, Is.EqualTo(new[] { 0, 3, 2, 1 }));
        Assert.That((solution.Bottleneck, solution.Total), Is.EqualTo((5.0, 20.0)));

        matrix[3, 0] = 5;
        solution = RingSolver.SolveExact(matrix);
        Assert.That(solution.Order, Is.EqualTo(new[] { 0, 1, 2, 3 }), "Both rings now have bottleneck 5; the larger total wins.");
        Assert.That((solution.Bottleneck, solution.Total), Is.EqualTo((5.0, 35.0)));
    }

    [Test]
    public void ReversalIsADifferentRing()
    {
        // Fast one way round, slow the other: the solver must not treat a ring and its reverse as the same.
        var matrix = Complete(5, 1);
        for (int i = 0; i < 5; i++)
        {
            matrix[(i + 1) % 5, i] = 100;
        }

        var solution = RingSolver.SolveExact(matrix);
        Assert.That(solution.Order, Is.EqualTo(new[] { 0, 4, 3, 2, 1 }));
        Assert.That(solution.Bottleneck, Is.EqualTo(100));
    }

    [Test]
    public void UnknownLinksCountAsZero()
    {
        // Peer 2 has no measured outgoing link: every ring must use one of them, so the bottleneck is 0.
        var matrix = Complete(3, 7);
        matrix[2, 0] = double.NaN;
        matrix[2, 1] = double.NaN;
        var solution = RingSolver.SolveExact(matrix);
        Assert.That(solution.Bottleneck, Is.Zero);
        Assert.That(solution.Total, Is.EqualTo(14));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public void TinyGroupsHaveOneRing(int n)
    {
        var matrix = Complete(n, 3);
        foreach (var solution in new[] { RingSolver.SolveExact(matrix), RingSolver.Solve(matrix, TimeSpan.Zero), RingSolver.SolveHeuristic(matrix, TimeSpan.Zero, 0) })
        {
            Assert.That(solution.Order, Is.EqualTo(Enumerable.Range(0, n)));
            Assert.That(solution.Bottleneck, Is.EqualTo(n == 2 ? 3 : double.PositiveInfinity));
            Assert.That(solution.Total, Is.EqualTo(n == 2 ? 6 : 0));
            Assert.That(solution.IsOptimal, Is.True);
        }
    }

    [Test]
    public void ExactRefusesGroupsBeyondItsLimit() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RingSolver.SolveExact(Complete(RingSolver.MaxExactCount + 1, 1)));

    [TestCase(13)]
    [TestCase(RingSolver.MaxExactCount)]
    public void ExactAtItsLimitBeatsOrTiesTheHeuristic(int n)
    {
        // Beyond brute force's reach, optimality shows as "nothing the heuristic finds is better" on structured matrices.
        foreach (int seed in new[] { 1, 2 })
        {
            var matrix = seed == 1 ? TopologyScenarios.Uniform(n, new Random(seed)) : TopologyScenarios.Datacenters(n, new Random(seed));
            var exact = RingSolver.SolveExact(matrix);
            var heuristic = RingSolver.SolveHeuristic(matrix, TimeSpan.FromMilliseconds(50), seed);
            AssertDescribes(matrix, exact);
            Assert.That(heuristic.IsBetterThan(exact.Bottleneck, exact.Total), Is.False);

            var solved = RingSolver.Solve(matrix, TimeSpan.FromSeconds(30), seed);
            Assert.That(solved.IsOptimal, Is.True, "With an ample budget Solve finishes the exact search.");
            Assert.That((solved.Bottleneck, solved.Total), Is.EqualTo((exact.Bottleneck, exact.Total)));
        }
    }

    [Test]
    public void SolveKeepsAnEquallyGoodCurrentRing()
    {
        // Every ring of a constant matrix is optimal; the current one must come back (rotated) so nothing is reshuffled.
        var matrix = Complete(6, 1);
        var solution = RingSolver.Solve(matrix, TimeSpan.Zero, currentRing: [3, 5, 0, 4, 1, 2]);
        Assert.That(solution.Order, Is.EqualTo(new[] { 0, 4, 1, 2, 3, 5 }));
        Assert.That(solution.IsOptimal, Is.True);
    }

    internal static void AssertDescribes(BandwidthMatrix matrix, RingSolution solution)
    {
        Assert.That(RingReference.IsPermutation(solution.Order, matrix.Count), Is.True, "The order is a permutation of the peers.");
        if (matrix.Count > 0)
        {
            Assert.That(solution.Order[0], Is.Zero, "Rings are rotated to start at peer 0.");
        }

        Assert.That((solution.Bottleneck, solution.Total), Is.EqualTo(RingReference.Score(matrix, solution.Order)));
    }

    internal static BandwidthMatrix Complete(int n, double rate)
    {
        var matrix = new BandwidthMatrix(n);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (i != j)
                {
                    matrix[i, j] = rate;
                }
            }
        }

        return matrix;
    }
}
