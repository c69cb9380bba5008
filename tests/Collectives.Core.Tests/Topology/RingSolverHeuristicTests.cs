using System.Diagnostics;
using Collectives.Topology;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Topology;

public class RingSolverHeuristicTests
{
    // A solver that ignored its budget would overrun by seconds; this slack only absorbs a loaded CI machine.
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(250);

    // Generous, so the kick limit (not the clock) ends these runs and they stay deterministic.
    private static readonly TimeSpan Ample = TimeSpan.FromSeconds(30);

    [Test]
    public void ReturnsADescribedPermutationNoWorseThanTheCurrentRing() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(100), Prop.ForAll(TopologyGen.MatrixAndRing(3, 24).ToArbitrary(), pair =>
        {
            var (sample, current) = pair;
            var solution = RingSolver.SolveHeuristic(sample.Matrix, Ample, seed: 1, current, maxKicks: 10, CancellationToken.None);
            RingSolverExactTests.AssertDescribes(sample.Matrix, solution);
            var (bottleneck, total) = RingSolver.Evaluate(sample.Matrix, current);
            Assert.That(solution.Bottleneck > bottleneck || (solution.Bottleneck == bottleneck && solution.Total >= total), Is.True);
        }));

    [Test]
    public void NeverWorseThanAGoodCurrentRingEvenWithNoTime()
    {
        // The current ring is the exact optimum of a large instance: a zero budget leaves no time to find anything, and the
        // answer must still be that ring (not a greedy one).
        var matrix = TopologyScenarios.Datacenters(14, new Random(5));
        var optimum = RingSolver.SolveExact(matrix);
        var shifted = optimum.Order.Skip(3).Concat(optimum.Order.Take(3)).ToArray();
        foreach (var solution in new[] { RingSolver.SolveHeuristic(matrix, TimeSpan.Zero, 0, shifted), RingSolver.Solve(matrix, TimeSpan.Zero, 0, shifted) })
        {
            Assert.That(solution.Order, Is.EqualTo(optimum.Order));
        }
    }

    [Test]
    public void KeepsAnEquallyGoodCurrentRing()
    {
        // Every ring of a constant matrix is optimal (and provably so: it meets the upper bounds).
        var matrix = RingSolverExactTests.Complete(40, 1e9);
        int[] current = [.. Enumerable.Range(0, 40).Reverse()];
        var solution = RingSolver.Solve(matrix, Ample, 3, current);
        Assert.That(solution.Order, Is.EqualTo(new[] { 0 }.Concat(Enumerable.Range(1, 39).Reverse())));
        Assert.That(solution.IsOptimal, Is.True);
    }

    [Test]
    public void SameSeedSameWorkSameRing()
    {
        var matrix = TopologyScenarios.Uniform(30, new Random(11));
        var first = RingSolver.SolveHeuristic(matrix, Ample, 42, default, maxKicks: 40, CancellationToken.None);
        var second = RingSolver.SolveHeuristic(matrix, Ample, 42, default, maxKicks: 40, CancellationToken.None);
        Assert.That(second.Order, Is.EqualTo(first.Order));
    }

    private static IEnumerable<TestCaseData> Scenarios()
    {
        var kinds = new (string Name, Func<int, Random, BandwidthMatrix> Build)[]
        {
            ("uniform", TopologyScenarios.Uniform),
            ("few slow links", TopologyScenarios.FewSlowLinks),
            ("datacenters", TopologyScenarios.Datacenters),
        };
        int seed = 100;
        foreach (var (name, build) in kinds)
        {
            foreach (int n in new[] { 10, 17, 40, 64 })
            {
                int caseSeed = seed++;
                yield return new TestCaseData(name, n, caseSeed).SetArgDisplayNames(name, $"n={n}", $"seed={caseSeed}");
            }
        }
    }

    [TestCaseSource(nameof(Scenarios))]
    public void ReachesNearTheBestKnownBottleneckWithinItsBudget(string kind, int n, int seed)
    {
        var matrix = kind switch
        {
            "uniform" => TopologyScenarios.Uniform(n, new Random(seed)),
            "few slow links" => TopologyScenarios.FewSlowLinks(n, new Random(seed)),
            _ => TopologyScenarios.Datacenters(n, new Random(seed)),
        };
        var budget = TimeSpan.FromMilliseconds(150);
        var clock = Stopwatch.StartNew();
        var solution = RingSolver.SolveHeuristic(matrix, budget, seed);
        var elapsed = clock.Elapsed;

        RingSolverExactTests.AssertDescribes(matrix, solution);
        Assert.That(elapsed, Is.LessThan(budget + Slack), "The heuristic returns within its budget.");
        double reference = BestKnownBottleneck(matrix);
        Assert.That(solution.Bottleneck, Is.GreaterThanOrEqualTo(0.9 * reference), $"Reference bottleneck {reference:E4}.");
    }

    /// <summary>The exact optimum where it is affordable, else the best of several longer runs with other seeds.</summary>
    private static double BestKnownBottleneck(BandwidthMatrix matrix)
    {
        if (matrix.Count <= RingSolver.MaxExactCount)
        {
            return RingSolver.SolveExact(matrix).Bottleneck;
        }

        double best = 0;
        for (int seed = 1000; seed < 1003; seed++)
        {
            best = Math.Max(best, RingSolver.SolveHeuristic(matrix, TimeSpan.FromMilliseconds(250), seed).Bottleneck);
        }

        return best;
    }

    [TestCase(64, 0)]
    [TestCase(64, 5)]
    [TestCase(RingSolver.MaxExactCount, 2)]
    [TestCase(BandwidthMatrix.MaxCount, 20)]
    public void ReturnsWithinTinyBudgets(int n, int budgetMilliseconds)
    {
        var matrix = TopologyScenarios.Datacenters(n, new Random(n));
        var budget = TimeSpan.FromMilliseconds(budgetMilliseconds);
        var clock = Stopwatch.StartNew();
        var solution = RingSolver.Solve(matrix, budget, 1);
        var elapsed = clock.Elapsed;
        Assert.That(RingReference.IsPermutation(solution.Order, n), Is.True);
        Assert.That(elapsed, Is.LessThan(budget + Slack));
    }

    [Test]
    public void HonoursCancellation()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var matrix = TopologyScenarios.Uniform(30, new Random(1));
        Assert.Throws<OperationCanceledException>(() => RingSolver.SolveHeuristic(matrix, Ample, 0, default, cancelled.Token));
        Assert.Throws<OperationCanceledException>(() => RingSolver.Solve(matrix, Ample, 0, default, cancelled.Token));
        Assert.Throws<OperationCanceledException>(() => RingSolver.Solve(TopologyScenarios.Uniform(5, new Random(1)), Ample, 0, default, cancelled.Token));
    }

    [Test]
    public void RejectsInvalidArguments()
    {
        var matrix = TopologyScenarios.Uniform(5, new Random(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => RingSolver.Solve(matrix, TimeSpan.FromMilliseconds(-1)));
        Assert.Throws<ArgumentException>(() => RingSolver.Solve(matrix, Ample, 0, [0, 1, 2]));
        Assert.Throws<ArgumentException>(() => RingSolver.SolveHeuristic(matrix, Ample, 0, [0, 1, 2, 3, 3]));
    }
}
