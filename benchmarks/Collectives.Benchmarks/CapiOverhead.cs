using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Collectives.Interop;

namespace Collectives.Benchmarks;

/// <summary>
/// The fixed costs of the C API: the size of the library and what a trivial export (<c>collectivesGetVersion</c>)
/// costs per call, from C (native/tests/test_call_overhead, when a CMake build of native/ is at hand) and from .NET
/// through the <see cref="NativeMethods"/> bindings (a P/Invoke into a second runtime, measured here).
/// </summary>
internal static partial class CapiOverhead
{
    private const int Calls = 5_000_000;

    public static void Report(string libraryPath, string? cTestsDirectory)
    {
        double mib = new FileInfo(libraryPath).Length / (double)(1 << 20);
        Console.WriteLine($"library: {libraryPath}, {mib:F2} MiB (debug symbols are in a separate .dbg file)");
        Benchmarks.Report.Result("capi_so_size", mib, "MiB");

        double fromDotnet = MeasureFromDotnet(libraryPath);
        Console.WriteLine($"collectivesGetVersion from .NET ([LibraryImport] P/Invoke into the library's own runtime): {fromDotnet:F1} ns/call");
        Benchmarks.Report.Result("capi_call_overhead_from_dotnet", fromDotnet, "ns");

        if (FindCTest(cTestsDirectory) is not { } binary)
        {
            Console.WriteLine("test_call_overhead not found (build native/ with CMake into native/build, or pass --c-tests <dir>): "
                + "no C figure; capi_call_overhead below is the .NET one");
            Benchmarks.Report.Result("capi_call_overhead", fromDotnet, "ns");
            return;
        }

        (double baseline, double trivial) = RunCTest(binary, Path.GetDirectoryName(libraryPath)!);
        Console.WriteLine($"collectivesGetVersion from C ({binary}): {trivial:F1} ns/call; a plain C call through a pointer: {baseline:F1} ns/call");
        Benchmarks.Report.Result("capi_call_overhead", trivial, "ns");
        Benchmarks.Report.Result("capi_call_overhead_c_baseline", baseline, "ns");
    }

    /// <summary>ns per call of the trivial export, best of three rounds (the machine is shared; the minimum is the cost).</summary>
    private static double MeasureFromDotnet(string libraryPath)
    {
        CapiLibrary.Load(libraryPath);
        int expected = NativeMethods.GetVersion(); // the library's runtime starts on the first call
        double best = double.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long sum = 0;
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < Calls; i++)
            {
                sum += NativeMethods.GetVersion();
            }

            double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds / Calls;
            if (sum != (long)expected * Calls)
            {
                throw new InvalidOperationException("collectivesGetVersion returned different values");
            }

            best = Math.Min(best, ns);
        }

        return best;
    }

    private static string? FindCTest(string? directory)
    {
        string? root = CapiLibrary.RepositoryRoot();
        string?[] candidates =
        [
            directory is null ? null : Path.Combine(directory, "test_call_overhead"),
            root is null ? null : Path.Combine(root, "native", "build", "tests", "test_call_overhead"),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    private static (double Baseline, double Trivial) RunCTest(string binary, string libraryDirectory)
    {
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, UseShellExecute = false };
        start.Environment["LD_LIBRARY_PATH"] = libraryDirectory;
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{binary} failed:\n{output}");
        }

        return (Parse(BaselineLine(), output), Parse(TrivialLine(), output));
    }

    private static double Parse(Regex line, string output) =>
        line.Match(output) is { Success: true } match
            ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"unexpected test_call_overhead output:\n{output}");

    [GeneratedRegex(@"\(baseline\) ([0-9.]+) ns/call")]
    private static partial Regex BaselineLine();

    [GeneratedRegex(@"collectivesGetVersion ([0-9.]+) ns/call")]
    private static partial Regex TrivialLine();
}
