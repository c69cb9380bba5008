using System.Diagnostics;
using Collectives.Topology;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Topology;

/// <summary>
/// The heuristic on random groups of 10–64 peers: for a fixed amount of work its bottleneck is within 10% of the best
/// of several restarts (other seeds, the same work each), and under a time budget it returns within that budget.
/// Quality is judged by work (kicks), not by the clock, so that the verdict does not depend on how loaded the machine
/// is: at a load average of 90 on two cores a 100 ms budget buys a fraction of the usual search, and a clock-based
/// comparison failed for that reason alone. The offline survey (<see cref="RingSolverSurvey"/>) checks the same on
/// thousands of groups.
/// </summary>
public class RingSolverBudgetProperties
{
    private const int Restarts = 3;

    // As ReachesNearTheBestKnownBottleneck: a fraction of what 200 ms allow on an idle core for 64 peers.
    private const int Kicks = 30;

    private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(100);

    // Generous, so the kick limit (not the clock) ends the quality runs.
    private static readonly TimeSpan Ample = TimeSpan.FromSeconds(30);

    // Absorbs the scheduling delays of an oversubscribed 2-core machine; a solver ignoring its budget overshoots by far more.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Eight random groups of 10–64 peers drawn once from a fixed seed: unstructured matrices (unknown links, small ties,
    /// widely spread rates) and the three deployment-like scenarios. The first (unstructured, 18 peers) fell more than
    /// 10% short before the threshold search (docs/design/topology.md), and stays here as a regression case.
    /// </summary>
    private static IEnumerable<TestCaseData> RandomGroups()
    {
        var random = new Random(2026);
        for (int k = 0; k < 8; k++)
        {
            int n = random.Next(10, 65);
            int seed = random.Next();
            string kind = (k % 4) switch { 0 => "unstructured", 1 => "uniform", 2 => "few slow links", _ => "datacenters" };
            yield return new TestCaseData(kind, n, seed).SetArgDisplayNames(kind, $"n={n}", $"seed={seed}");
        }
    }

    [TestCaseSource(nameof(RandomGroups))]
    public void WithinTenPercentOfTheBestOfSeveralRestartsAndWithinItsBudget(string kind, int n, int seed)
    {
        BandwidthMatrix matrix = MatrixFamilies.Build(kind, n, seed);
        AssertWithinTenPercentOfRestarts(matrix);

        var clock = Stopwatch.StartNew();
        RingSolution budgeted = RingSolver.Solve(matrix, Budget, seed: 0);
        TimeSpan elapsed = clock.Elapsed;
        RingSolverExactTests.AssertDescribes(matrix, budgeted);
        Assert.That(elapsed, Is.LessThan(Budget + Slack));
    }

    /// <summary>The same on fresh random groups of every family each run.</summary>
    [Test]
    public void WithinTenPercentOfTheBestOfSeveralRestartsOnRandomGroups()
    {
        var groups =
            from family in Gen.Elements(MatrixFamilies.Names)
            from n in Gen.Choose(10, 64)
            from seed in Gen.Choose(0, int.MaxValue)
            select (family, n, seed);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(14), Prop.ForAll(groups.ToArbitrary(), group =>
            AssertWithinTenPercentOfRestarts(MatrixFamilies.Build(group.family, group.n, group.seed))));
    }

    private static void AssertWithinTenPercentOfRestarts(BandwidthMatrix matrix)
    {
        RingSolution solution = RingSolver.SolveHeuristic(matrix, Ample, 0, default, maxKicks: Kicks, CancellationToken.None);
        RingSolverExactTests.AssertDescribes(matrix, solution);
        double best = Enumerable.Range(1, Restarts)
            .Max(restart => RingSolver.SolveHeuristic(matrix, Ample, restart, default, maxKicks: Kicks, CancellationToken.None).Bottleneck);
        Assert.That(solution.Bottleneck, Is.GreaterThanOrEqualTo(0.9 * best), $"best of {Restarts} restarts: {best:E4}");
    }
}
