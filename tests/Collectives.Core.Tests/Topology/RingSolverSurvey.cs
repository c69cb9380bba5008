using System.Diagnostics;
using System.Globalization;
using Collectives.Topology;
using NUnit.Framework;

namespace Collectives.Tests.Topology;

/// <summary>
/// The offline quality survey behind benchmarks/RESULTS.md ("Solver quality"): many random groups of 10–64 peers over
/// every <see cref="MatrixFamilies"/> family, the heuristic (seed 0, a fixed amount of work, or a time budget) against the
/// best of several restarts with other seeds and more work, and the exact optimum up to 18 peers. Explicit: it takes
/// minutes. Run with
/// <c>SURVEY_GROUPS=2000 dotnet test tests/Collectives.Core.Tests -c Release --filter "Name=SolverQualitySurvey" --logger "console;verbosity=detailed"</c>
/// (SURVEY_MODE=budget judges <see cref="RingSolver.Solve"/> with its 200 ms default budget instead of 30 kicks).
/// </summary>
[Explicit("An offline survey of minutes, run by hand for benchmarks/RESULTS.md")]
public class RingSolverSurvey
{
    private const int Kicks = 30;
    private const int ReferenceKicks = 100;
    private static readonly TimeSpan Ample = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(200);

    [Test]
    public void SolverQualitySurvey()
    {
        int groups = int.Parse(Environment.GetEnvironmentVariable("SURVEY_GROUPS") ?? "140", CultureInfo.InvariantCulture);
        int restarts = int.Parse(Environment.GetEnvironmentVariable("SURVEY_RESTARTS") ?? "4", CultureInfo.InvariantCulture);
        int firstSeed = int.Parse(Environment.GetEnvironmentVariable("SURVEY_SEED") ?? "1", CultureInfo.InvariantCulture);
        bool budgeted = Environment.GetEnvironmentVariable("SURVEY_MODE") == "budget";
        var random = new Random(firstSeed);
        var gaps = new Dictionary<string, List<double>>();
        var times = new List<double>();
        var misses = new List<string>();
        for (int g = 0; g < groups; g++)
        {
            string family = MatrixFamilies.Names[g % MatrixFamilies.Names.Length];
            int n = random.Next(10, 65);
            int seed = random.Next();
            var matrix = MatrixFamilies.Build(family, n, seed);
            var clock = Stopwatch.StartNew();
            var solution = budgeted
                ? RingSolver.Solve(matrix, Budget, seed: 0)
                : RingSolver.SolveHeuristic(matrix, Ample, 0, default, maxKicks: Kicks, CancellationToken.None);
            times.Add(clock.Elapsed.TotalMilliseconds);
            RingSolverExactTests.AssertDescribes(matrix, solution);
            double reference = Enumerable.Range(1, restarts)
                .Max(restart => RingSolver.SolveHeuristic(matrix, Ample, restart, default, maxKicks: ReferenceKicks, CancellationToken.None).Bottleneck);
            if (n <= RingSolver.MaxExactCount)
            {
                reference = Math.Max(reference, RingSolver.SolveExact(matrix).Bottleneck);
            }

            double gap = reference > 0 ? Math.Max(0, (reference - solution.Bottleneck) / reference) : 0;
            (gaps.TryGetValue(family, out var list) ? list : gaps[family] = []).Add(gap);
            if (gap > 0)
            {
                TestContext.Out.WriteLine($"gap {100 * gap:F2}%: {family} n={n} seed={seed}: {solution.Bottleneck:E4} vs {reference:E4}");
            }

            if (gap > 0.1)
            {
                misses.Add($"{family} n={n} seed={seed}: {solution.Bottleneck:E4} vs {reference:E4}");
            }
        }

        TestContext.Out.WriteLine($"groups={groups} restarts={restarts} mode={(budgeted ? "budget 200 ms" : $"{Kicks} kicks")} seed={firstSeed} load={File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (var (family, list) in gaps.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            TestContext.Out.WriteLine($"{family,-15} groups={list.Count,5} misses={list.Count(gap => gap > 0.1),3} nonzero={list.Count(gap => gap > 0),4} median gap={100 * Median(list):F2}% worst gap={100 * list.Max():F2}%");
        }

        var all = gaps.Values.SelectMany(list => list).ToList();
        TestContext.Out.WriteLine($"all             groups={all.Count,5} misses={misses.Count,3} nonzero={all.Count(gap => gap > 0),4} median gap={100 * Median(all):F2}% worst gap={100 * all.Max():F2}%");
        TestContext.Out.WriteLine($"time per solve: median {Median(times):F1} ms, p99 {Percentile(times, 0.99):F1} ms, max {times.Max():F1} ms");
        foreach (string miss in misses)
        {
            TestContext.Out.WriteLine("miss: " + miss);
        }

        Assert.That(misses, Is.Empty);
    }

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double fraction)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(fraction * sorted.Count))];
    }
}
