using System.Diagnostics;
using System.Globalization;
using Collectives.NetEmulation;
using NUnit.Framework;

namespace Collectives.Tests.NetEmulation;

/// <summary>What the harness leaves behind: nothing of its own, and nothing of dead runs once a new network is made.</summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(30_000)]
public sealed class CleanupTests
{
    [SetUp]
    public void RequireNamespaces()
    {
        if (!WanNetwork.IsSupported(out string reason))
        {
            Assert.Ignore(reason);
        }
    }

    [Test]
    public void Dispose_deletes_every_namespace_of_the_network_and_kills_its_processes()
    {
        WanNetwork network = WanNetwork.Create(3);
        network.SetEgressRate(1, 10_000_000);
        network.SetPairRate(2, 0, 5_000_000);
        string[] names = [network.Hub.Name, .. network.Hosts.Select(h => h.Namespace.Name)];
        Assert.That(WanNetwork.ListNamespaces(), Is.SupersetOf(names));
        using Process sleeper = network.Hosts[1].StartProcess(new ProcessStartInfo("sleep", "30"));

        network.Dispose();
        network.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(WanNetwork.ListNamespaces(), Has.None.StartsWith(network.Name + "-"));
            Assert.That(sleeper.WaitForExit(TimeSpan.FromSeconds(5)), Is.True, "the process started on a host was killed");
        });
    }

    [Test]
    public void Dispose_runs_even_when_the_test_body_throws()
    {
        string name = "";
        Assert.Throws<InvalidOperationException>(() =>
        {
            using WanNetwork network = WanNetwork.Create(1);
            name = network.Name;
            throw new InvalidOperationException("a failing test");
        });

        Assert.That(WanNetwork.ListNamespaces(), Has.None.StartsWith(name + "-"));
    }

    [Test]
    public void Creating_a_network_sweeps_namespaces_of_dead_processes_but_not_of_live_ones()
    {
        int deadPid = int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), CultureInfo.InvariantCulture) + 1;
        string stale = $"{WanNetwork.NamePrefix}{deadPid}-1-hub";
        RunIp("netns", "add", stale);
        try
        {
            using WanNetwork live = WanNetwork.Create(1);
            using WanNetwork another = WanNetwork.Create(1);

            IReadOnlyList<string> left = WanNetwork.ListNamespaces();
            Assert.Multiple(() =>
            {
                Assert.That(left, Does.Not.Contain(stale));
                Assert.That(left, Does.Contain(live.Hub.Name), "a live network of this process survives the sweep");
            });
        }
        finally
        {
            if (WanNetwork.ListNamespaces().Contains(stale))
            {
                RunIp("netns", "del", stale);
            }
        }
    }

    [Test]
    public void A_process_started_on_a_host_sees_the_host_address_only()
    {
        using WanNetwork network = WanNetwork.Create(2);
        var start = new ProcessStartInfo("ip", "-o -4 addr show") { RedirectStandardOutput = true };
        using Process process = network.Hosts[1].StartProcess(start);
        string output = process.StandardOutput.ReadToEnd();
        Assert.That(process.WaitForExit(TimeSpan.FromSeconds(10)), Is.True);

        Assert.Multiple(() =>
        {
            Assert.That(output, Does.Contain(network.Hosts[1].Address + "/24"));
            Assert.That(output, Does.Not.Contain(network.Hosts[0].Address + "/24"));
        });
    }

    private static void RunIp(params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Assert.That(process.WaitForExit(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(process.ExitCode, Is.Zero, process.StandardError.ReadToEnd());
    }
}
