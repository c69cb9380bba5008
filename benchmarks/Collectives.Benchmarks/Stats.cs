using System.Diagnostics;
using System.Globalization;

namespace Collectives.Benchmarks;

/// <summary>Small statistics and clock helpers shared by the multi-process benchmarks.</summary>
internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>Element-wise maximum: one value per iteration, the slowest peer's.</summary>
    public static double[] MaxPerIteration(IReadOnlyList<double[]> perPeer)
    {
        int iterations = perPeer.Min(p => p.Length);
        return Enumerable.Range(0, iterations).Select(i => perPeer.Max(p => p[i])).ToArray();
    }

    /// <summary>
    /// Milliseconds between two <see cref="Stopwatch.GetTimestamp"/> values. On Linux the timestamp is
    /// CLOCK_MONOTONIC, one clock for every process of the machine, so values from different processes compare.
    /// </summary>
    public static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    public static long ParseLong(string text) => long.Parse(text, CultureInfo.InvariantCulture);

    public static int ParseInt(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    public static double ParseDouble(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    public static string Format(double value, string format = "0.###") => value.ToString(format, CultureInfo.InvariantCulture);
}
