using System.Globalization;

namespace Collectives.Benchmarks;

internal static class Report
{
    public static void Result(string name, double value, string unit) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {name} {value:0.###} {unit}"));

    public static string Size(long bytes) => bytes >= 1 << 20 ? $"{bytes >> 20}MiB" : $"{bytes >> 10}KiB";

    public static double GiBps(long bytes, TimeSpan elapsed) => bytes / elapsed.TotalSeconds / (1 << 30);
}
