using System.Net;
using System.Net.Sockets;

namespace Collectives.Master.Tests;

/// <summary>The built tool as an operator runs it: help, usage errors, serving a real peer, stopping on a signal.</summary>
[TestFixture]
public sealed class MasterProcessTests
{
    /// <summary>Generous: a cold `dotnet` start on a loaded 2-core CI machine.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Test]
    public async Task Help_lists_every_option_and_exits_0()
    {
        (int exitCode, string output) = await MasterProcess.RunAsync(Bound, "--help");

        Assert.That(exitCode, Is.Zero, output);
        foreach (string option in new[] { "--listen", "--heartbeat-interval", "--peer-timeout", "--log-level", "--secret-file", "--status", "--no-status" })
        {
            Assert.That(output, Does.Contain(option));
        }
    }

    [Test]
    public async Task A_bad_argument_exits_non_zero_with_a_message_naming_it()
    {
        (int exitCode, string output) = await MasterProcess.RunAsync(Bound, "--listen", "nonsense", "--log-level", "loud");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage), output);
        Assert.That(output, Does.Contain("--listen: 'nonsense' is not an IP address"));
        Assert.That(output, Does.Contain("--log-level: 'loud' is not a level"));
        Assert.That(output, Does.Contain(MasterCommandLine.HelpHint));
        Assert.That(output, Does.Not.Contain(MasterHost.ListeningLine), "it must not start serving");
    }

    [Test]
    public async Task A_taken_port_exits_with_the_cannot_listen_code()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        (int exitCode, string output) = await MasterProcess.RunAsync(Bound, "--listen", $"127.0.0.1:{port}");

        Assert.That(exitCode, Is.EqualTo(ExitCodes.CannotListen), output);
        Assert.That(output, Does.Contain("cannot listen on"));
    }

    [Test]
    public async Task Serves_a_real_peer_and_stops_cleanly_on_SIGINT()
    {
        if (MasterProcess.SigIntIgnoredHere())
        {
            Assert.Ignore("this test process ignores SIGINT, so its children do too (background job of a non-interactive shell)");
        }

        _ = await ServeAPeerThenStopAsync(MasterProcess.SigInt, "SIGINT", null);
    }

    [Test]
    public async Task Serves_a_real_peer_with_a_secret_file_and_stops_cleanly_on_SIGTERM()
    {
        string path = Path.Combine(Path.GetTempPath(), $"collectives-secret-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(path, "correct horse battery staple\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            string output = await ServeAPeerThenStopAsync(MasterProcess.SigTerm, "SIGTERM", Collectives.Transport.RunSecret.FromFile(path),
                "--secret-file", path);

            string line = output.Split('\n').SingleOrDefault(l => l.Contains("secret loaded", StringComparison.Ordinal)) ?? string.Empty;
            Assert.That(line, Does.Contain("28 bytes"), "the trailing newline is not part of the key");
            Assert.That(line, Does.Contain("must prove"));
            Assert.That(output, Does.Not.Contain("correct horse"), "the secret itself is never printed");
            Assert.That(output, Does.Not.Contain("readable by other users"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Starts the tool, connects a real peer, checks it is accepted, stops the tool with a signal; returns its output.</summary>
    private static async Task<string> ServeAPeerThenStopAsync(int signal, string signalName, Collectives.Transport.RunSecret? secret, params string[] extraArgs)
    {
        (MasterProcess master, IPEndPoint endpoint) = await MasterProcess.StartListeningAsync(
            Bound, ["--no-status", "--heartbeat-interval", "100ms", "--peer-timeout", "2s", "--log-level", "information", .. extraArgs]);
        await using (master)
        {
            var peer = new Communicator(new CommunicatorOptions(endpoint)
            {
                PeerListen = new IPEndPoint(IPAddress.Loopback, 0),
                HeartbeatInterval = TimeSpan.FromMilliseconds(100),
                MasterTimeout = TimeSpan.FromSeconds(2),
                ConnectTimeout = TimeSpan.FromSeconds(10),
                Transport = Collectives.Transport.TransportOptions.Default with { Secret = secret },
            });
            await using (peer)
            {
                await peer.ConnectAsync().WaitAsync(Bound);
                Assert.That(peer.IsAccepted, Is.True);
                Assert.That(peer.WorldSizes.Global, Is.EqualTo(1));

                // Without a terminal the master logs a one-line summary when its view changes: it saw the peer accepted.
                await master.WaitForLineAsync("1 peer (1 accepted", Bound);

                master.Signal(signal);
                int exitCode = await master.WaitForExitAsync(Bound);

                Assert.That(exitCode, Is.EqualTo(ExitCodes.Success), master.Output);
                Assert.That(master.Output, Does.Contain($"{signalName} received: stopping"));
                Assert.That(master.Output, Does.Contain("Master stopped"));
                return master.Output;
            }
        }
    }
}
