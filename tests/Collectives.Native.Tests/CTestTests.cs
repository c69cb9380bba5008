using NUnit.Framework;

namespace Collectives.Native.Tests;

/// <summary>Builds native/ with CMake (C99, -Wall -Wextra -Werror -pedantic) and runs each C test and example through CTest.</summary>
[TestFixture]
[NonParallelizable]
public sealed class CTestTests
{
    /// <summary>The CTest names of native/tests/CMakeLists.txt and native/examples/CMakeLists.txt.</summary>
    private static readonly string[] Tests =
    [
        "example_hello_world",
        "abi_layout",
        "test_not_initialized",
        "test_arguments",
        "test_master",
        "test_membership",
        "test_allreduce",
        "test_async",
        "test_shared_state",
        "test_kill_retry",
        "test_call_overhead",
        "test_log_callback",
        "test_soname",
    ];

    [Test]
    [CancelAfter(300_000)]
    public async Task TheTestListMatchesCTest()
    {
        string build = await NativeArtifacts.CMakeBuildDirectoryAsync();
        ProcessRunner.Result listing = await ProcessRunner.RunAsync("ctest", ["--test-dir", build, "-N"], build, TimeSpan.FromMinutes(1));
        string[] registered = listing.Output.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("Test", StringComparison.Ordinal) && line.Contains(':', StringComparison.Ordinal))
            .Select(line => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
            .ToArray();
        Assert.That(registered, Is.EquivalentTo(Tests), listing.Output);
    }

    [TestCaseSource(nameof(Tests))]
    [CancelAfter(300_000)]
    public async Task CTestPasses(string name)
    {
        string build = await NativeArtifacts.CMakeBuildDirectoryAsync();
        ProcessRunner.Result run = await ProcessRunner.RunAsync("ctest", ["--test-dir", build, "-R", $"^{name}$", "--output-on-failure", "-V"],
            build, TimeSpan.FromMinutes(3));
        TestContext.Out.WriteLine(run.Output);
        Assert.That(run.ExitCode, Is.Zero, run.Output);
        Assert.That(run.Output, Does.Contain("100% tests passed, 0 tests failed out of 1"));
    }
}
