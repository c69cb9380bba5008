using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Collectives.SharedState;
using Collectives.Transport;
using FsCheck;
using NUnit.Framework;

namespace Collectives.Tests.Security;

/// <summary>
/// Fuzzes the master's port and a peer's port of a live run, then checks that the run still works and that nothing
/// crashed: no unhandled or unobserved exception, no error logged. Short by default (CI); for a long campaign set
/// COLLECTIVES_FUZZ_SECONDS (per listener) and optionally COLLECTIVES_FUZZ_SEED to replay one.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(4 * 3600 * 1000)]
public class FuzzTests
{
    // Two clients at a time: the machine's cores are shared with the target; flooding has its own tests (FloodTests, HostileClientTests).
    private const int Workers = 2;
    private readonly ConcurrentQueue<string> _crashes = new();

    private static TimeSpan Duration => TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("COLLECTIVES_FUZZ_SECONDS"), CultureInfo.InvariantCulture, out int s) ? s : 10);

    private static ulong Seed => ulong.TryParse(Environment.GetEnvironmentVariable("COLLECTIVES_FUZZ_SEED"), CultureInfo.InvariantCulture, out ulong s)
        ? s
        : (ulong)Random.Shared.NextInt64();

    [SetUp]
    public void Hook()
    {
        _crashes.Clear();
        AppDomain.CurrentDomain.UnhandledException += OnUnhandled;
        TaskScheduler.UnobservedTaskException += OnUnobserved;
    }

    [TearDown]
    public void Unhook()
    {
        AppDomain.CurrentDomain.UnhandledException -= OnUnhandled;
        TaskScheduler.UnobservedTaskException -= OnUnobserved;
    }

    private void OnUnhandled(object? sender, UnhandledExceptionEventArgs e) => _crashes.Enqueue($"unhandled: {e.ExceptionObject}");

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e) => _crashes.Enqueue($"unobserved: {e.Exception}");

    [Test]
    public Task MasterSurvivesFuzzing() => FuzzAsync("master", run => run.Master.LocalEndPoint, FuzzInputs.ForMaster);

    [Test]
    public Task PeerListenerSurvivesFuzzing() => FuzzAsync("peer", run => run.Peers[0].PeerEndPoint!, FuzzInputs.ForPeer);

    private async Task FuzzAsync(string name, Func<SecureRun, IPEndPoint> target, Gen<byte[][]> inputs)
    {
        // No run secret: the most exposed configuration, and the fuzzer's valid prefixes get past the handshake.
        var transport = TransportOptions.Default with { PoolSize = 2 };
        await using var run = new SecureRun(transport);
        await run.JoinAsync(transport);
        await run.JoinAsync(transport);
        await AllReduceAndCheckAsync(run, tag: 1);

        ulong seed = Seed;
        FuzzReport report = await FuzzDriver.RunAsync(target(run), inputs, Duration, seed, Workers);

        // The run must be unharmed: correct all-reduces and a shared-state sync between the real peers.
        await AllReduceAndCheckAsync(run, tag: 2);
        float[][] weights = [Enumerable.Range(0, 10_000).Select(i => (float)i).ToArray(), new float[10_000]];
        await Task.WhenAll(run.Peers.Select((p, i) =>
            p.SynchronizeSharedStateAsync(new SharedTensorSet(i == 0 ? 9UL : 0UL, [SharedTensor.Create("w", weights[i].AsMemory())])))).WaitAsync(SecureRun.Bound);
        Assert.That(weights[1], Is.EqualTo(weights[0]));
        Assert.That(run.Peers.Select(p => p.WorldSizes.Global), Has.All.EqualTo(2));

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Print(name, report, run.Logs);
        Assert.That(report.Executions, Is.GreaterThan(0));
        Assert.That(_crashes, Is.Empty, string.Join("\n", _crashes));
        Assert.That(run.Logs.Errors, Is.Zero, string.Join("\n", run.Logs.ErrorMessages));
    }

    private static async Task AllReduceAndCheckAsync(SecureRun run, ulong tag)
    {
        float[][] inputs = SecureRun.IntegerInputs(run.Peers.Count, 50_000, seed: (int)tag);
        float[][] outputs = await run.AllReduceSumAsync(inputs, tag);
        Assert.That(outputs, Has.All.EqualTo(SecureRun.Sum(inputs)));
    }

    private static void Print(string name, FuzzReport report, CountingLoggerFactory logs)
    {
        TextWriter o = TestContext.Out;
        o.WriteLine($"FUZZ {name}: {report.Executions} executions in {Duration.TotalSeconds:F0} s, seed {report.Seed}");
        foreach ((string outcome, long count) in report.Outcomes.OrderByDescending(p => p.Value))
        {
            o.WriteLine($"  client saw {count,8}  {outcome}");
        }

        o.WriteLine($"  {logs.DropReasons.Count} unique reasons the {name} dropped or refused a connection:");
        foreach ((string reason, int count) in logs.DropReasons.OrderByDescending(p => p.Value))
        {
            o.WriteLine($"  {count,8}  {reason}");
        }
    }
}
