using System.Net;
using System.Net.Sockets;
using Collectives.NetEmulation;
using NUnit.Framework;

namespace Collectives.Tests.NetEmulation;

/// <summary>The namespace network against the kernel: real veths, real htb shaping, measured with real sockets.</summary>
[TestFixture]
[NonParallelizable]
public sealed class WanNetworkTests
{
    private const long MegabitPerSecond = 1_000_000;
    private static readonly TimeSpan WarmUp = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(500);

    [SetUp]
    public void RequireNamespaces()
    {
        if (!WanNetwork.IsSupported(out string reason))
        {
            Assert.Ignore(reason);
        }
    }

    [Test]
    public async Task Egress_limited_link_measures_near_its_rate()
    {
        using WanNetwork network = WanNetwork.Create(2);
        network.SetEgressRate(0, 80 * MegabitPerSecond);

        double rate = await MeasureAsync(network.Hosts[0], network.Hosts[1]);

        double limit = 80 * MegabitPerSecond / 8.0;
        Assert.That(rate, Is.InRange(0.6 * limit, 1.15 * limit), $"measured {rate / 1e6:F2} MB/s against a {limit / 1e6:F2} MB/s limit");
    }

    [Test]
    public async Task Pair_limit_slows_only_that_pair()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using WanNetwork network = WanNetwork.Create(3);
        await TestContext.Out.WriteLineAsync($"created in {clock.ElapsedMilliseconds} ms");
        network.SetPairRate(0, 1, 40 * MegabitPerSecond);

        double limited = await MeasureAsync(network.Hosts[0], network.Hosts[1]);
        double otherDestination = await MeasureAsync(network.Hosts[0], network.Hosts[2]);
        double reverse = await MeasureAsync(network.Hosts[1], network.Hosts[0]);

        double limit = 40 * MegabitPerSecond / 8.0;
        Assert.Multiple(() =>
        {
            Assert.That(limited, Is.InRange(0.6 * limit, 1.15 * limit), $"0→1 {limited / 1e6:F2} MB/s against {limit / 1e6:F2} MB/s");
            Assert.That(otherDestination, Is.GreaterThan(4 * limit), $"0→2 {otherDestination / 1e6:F2} MB/s should be unlimited");
            Assert.That(reverse, Is.GreaterThan(4 * limit), $"1→0 {reverse / 1e6:F2} MB/s should be unlimited");
        });
    }

    [Test]
    public async Task Removing_a_limit_restores_the_link()
    {
        using WanNetwork network = WanNetwork.Create(2);
        network.SetEgressRate(0, 40 * MegabitPerSecond);
        network.SetPairRate(0, 1, 20 * MegabitPerSecond);
        network.SetPairRate(0, 1, null);
        network.SetEgressRate(0, null);

        double rate = await MeasureAsync(network.Hosts[0], network.Hosts[1]);

        Assert.That(rate, Is.GreaterThan(4 * 40 * MegabitPerSecond / 8.0), $"{rate / 1e6:F2} MB/s");
    }

    [Test]
    public async Task Hosts_reach_each_other_and_not_the_machine_namespace()
    {
        using WanNetwork network = WanNetwork.Create(2);
        using Socket loopbackListener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        loopbackListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        loopbackListener.Listen(1);
        using Socket inHost = network.Hosts[0].Namespace.CreateTcpSocket();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));

        // The host's loopback is its own: the machine's listener on 127.0.0.1 is not there.
        await Assert.CatchAsync<SocketException>(async () => await inHost.ConnectAsync(loopbackListener.LocalEndPoint!, deadline.Token));
        double rate = await MeasureAsync(network.Hosts[1], network.Hosts[0]);
        Assert.That(rate, Is.GreaterThan(0));
    }

    [Test]
    public async Task Relay_dialling_from_a_host_carries_machine_traffic_across_that_host_link()
    {
        using WanNetwork network = WanNetwork.Create(2);
        network.SetEgressRate(0, 40 * MegabitPerSecond);
        WanHost to = network.Hosts[1];
        using Socket listener = to.Namespace.Listen(new IPEndPoint(to.Address, 0));

        // Client and relay listener on the machine's loopback; only the relay's outbound leg lives on host 0.
        await using var relay = new TcpRelay((IPEndPoint)listener.LocalEndPoint!, RelayOptions.PassThrough, dialFrom: network.Hosts[0].Namespace);
        double rate = await ThroughputProbe.MeasureAsync(listener, relay.LocalEndPoint,
            () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), 1, WarmUp, Window);

        double limit = 40 * MegabitPerSecond / 8.0;
        await TestContext.Out.WriteLineAsync($"loopback→relay→host0→host1: {rate / 1e6:F2} MB/s, relay forwarded {relay.BytesToTarget} bytes over {relay.ConnectionCount} connection(s)");
        Assert.That(rate, Is.InRange(0.6 * limit, 1.15 * limit), $"{rate / 1e6:F2} MB/s against {limit / 1e6:F2} MB/s");
    }

    private static async Task<double> MeasureAsync(WanHost from, WanHost to)
    {
        using Socket listener = to.Namespace.Listen(new IPEndPoint(to.Address, 0));
        double rate = await ThroughputProbe.MeasureAsync(listener, (IPEndPoint)listener.LocalEndPoint!, () => from.Namespace.CreateTcpSocket(), 1, WarmUp, Window);
        await TestContext.Out.WriteLineAsync($"{from.Index}→{to.Index}: {rate / 1e6:F2} MB/s");
        return rate;
    }
}
