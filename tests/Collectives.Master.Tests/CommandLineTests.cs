using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;

namespace Collectives.Master.Tests;

/// <summary>The command line in process, through the same entry point as the tool, with the master replaced by a recorder.</summary>
[TestFixture]
public sealed class CommandLineTests
{
    [Test]
    public async Task Without_options_the_defaults_apply()
    {
        Invocation result = await InvokeAsync();

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Settings, Is.EqualTo(new MasterSettings(
            new IPEndPoint(IPAddress.Any, 48148), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(3), LogLevel.Information, StatusMode.Auto, null)));
    }

    [Test]
    public async Task Every_option_reaches_the_settings()
    {
        string secretPath = Path.Combine(Path.GetTempPath(), $"collectives-cli-secret-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(secretPath, "key\n");
        try
        {
            Invocation result = await InvokeAsync(
                "--listen", "[::1]:9000", "--heartbeat-interval", "00:00:00.250", "--peer-timeout", "1.5s",
                "--log-level", "debug", "--no-status", "--secret-file", secretPath);

            Assert.That(result.ExitCode, Is.Zero, result.Error);
            MasterSettings settings = result.Settings!;
            Assert.That(settings.Listen, Is.EqualTo(new IPEndPoint(IPAddress.IPv6Loopback, 9000)));
            Assert.That(settings.HeartbeatInterval, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
            Assert.That(settings.PeerTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(1500)));
            Assert.That(settings.LogLevel, Is.EqualTo(LogLevel.Debug));
            Assert.That(settings.Status, Is.EqualTo(StatusMode.Off));
            Assert.That(settings.Secret?.Path, Is.EqualTo(secretPath));
            Assert.That(settings.Secret?.Length, Is.EqualTo(3));
        }
        finally
        {
            File.Delete(secretPath);
        }
    }

    [Test]
    public async Task Status_forces_the_live_view()
    {
        Invocation result = await InvokeAsync("--status");

        Assert.That(result.Settings?.Status, Is.EqualTo(StatusMode.On));
    }

    [Test]
    public async Task Help_prints_usage_and_does_not_run_the_master()
    {
        Invocation result = await InvokeAsync("--help");

        Assert.That(result.ExitCode, Is.Zero);
        Assert.That(result.Settings, Is.Null);
        Assert.That(result.Output, Does.Contain("--listen <ip:port>"));
        Assert.That(result.Output, Does.Contain("--heartbeat-interval <duration>"));
        Assert.That(result.Output, Does.Contain("trace|debug|information|warning|error"));
    }

    [TestCase(new[] { "--listen", "nonsense" }, "--listen: 'nonsense' is not an IP address")]
    [TestCase(new[] { "--listen", "1.2.3.4:99999" }, "--listen: '99999' is not a port")]
    [TestCase(new[] { "--heartbeat-interval", "5" }, "--heartbeat-interval: '5' is not a duration")]
    [TestCase(new[] { "--peer-timeout", "0s" }, "--peer-timeout: '0s' is out of range")]
    [TestCase(new[] { "--log-level", "loud" }, "--log-level: 'loud' is not a level")]
    [TestCase(new[] { "--secret-file", "/nonexistent/collectives-secret" }, "--secret-file: secret file '/nonexistent/collectives-secret' does not exist")]
    [TestCase(new[] { "--heartbeat-interval", "1s", "--peer-timeout", "1000ms" }, "--peer-timeout (1s) must be longer than --heartbeat-interval (1s)")]
    [TestCase(new[] { "--heartbeat-interval", "5s" }, "--peer-timeout (3s) must be longer than --heartbeat-interval (5s)")]
    [TestCase(new[] { "--status", "--no-status" }, "--status and --no-status contradict each other")]
    [TestCase(new[] { "--frobnicate" }, "'--frobnicate'")]
    public async Task A_usage_error_names_the_problem_and_does_not_run_the_master(string[] args, string message)
    {
        Invocation result = await InvokeAsync(args);

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(result.Settings, Is.Null);
        Assert.That(result.Error, Does.Contain(message));
        Assert.That(result.Error, Does.EndWith(MasterCommandLine.HelpHint + Environment.NewLine));
        Assert.That(result.Output, Does.Not.Contain("Usage:"), "no help dump: the errors stay visible");
    }

    [Test]
    public async Task A_misspelt_option_gets_a_suggestion()
    {
        Invocation result = await InvokeAsync("--lisen", "127.0.0.1:0");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(result.Output + result.Error, Does.Contain("Did you mean"));
        Assert.That(result.Output, Does.Contain("--listen"));
    }

    [Test]
    public async Task Every_bad_option_is_reported_at_once()
    {
        Invocation result = await InvokeAsync("--listen", "x", "--log-level", "loud");

        Assert.That(result.Error, Does.Contain("--listen:"));
        Assert.That(result.Error, Does.Contain("--log-level:"));
    }

    [Test]
    public async Task The_masters_exit_code_is_the_process_exit_code()
    {
        Invocation result = await InvokeAsync(ExitCodes.CannotListen, "--listen", "127.0.0.1:0");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.CannotListen));
    }

    private static Task<Invocation> InvokeAsync(params string[] args) => InvokeAsync(ExitCodes.Success, args);

    private static async Task<Invocation> InvokeAsync(int masterExitCode, params string[] args)
    {
        MasterSettings? settings = null;
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = await MasterCommandLine.InvokeAsync(
            args,
            (s, _) =>
            {
                settings = s;
                return Task.FromResult(masterExitCode);
            },
            new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null });
        return new Invocation(exitCode, settings, output.ToString(), error.ToString());
    }

    private sealed record Invocation(int ExitCode, MasterSettings? Settings, string Output, string Error);
}
