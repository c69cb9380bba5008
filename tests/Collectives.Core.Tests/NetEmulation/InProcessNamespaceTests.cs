using System.Net;
using Collectives.Membership;
using Collectives.NetEmulation;
using Collectives.Transport;
using NUnit.Framework;

namespace Collectives.Tests.NetEmulation;

/// <summary>The library's own sockets placed in emulated hosts from inside the test process.</summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(30_000)]
public sealed class InProcessNamespaceTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [SetUp]
    public void RequireNamespaces()
    {
        if (!WanNetwork.IsSupported(out string reason))
        {
            Assert.Ignore(reason);
        }
    }

    [Test]
    public async Task Master_started_in_one_host_registers_a_peer_connecting_from_another()
    {
        using WanNetwork network = WanNetwork.Create(2);
        WanHost masterHost = network.Hosts[0];
        WanHost peerHost = network.Hosts[1];
        await using var master = new MasterServer(MasterOptions.Default with { Listen = new IPEndPoint(masterHost.Address, 0) });
        masterHost.Namespace.Invoke(master.Start);
        var options = new CommunicatorOptions(master.LocalEndPoint)
        {
            PeerListen = new IPEndPoint(peerHost.Address, 0),
            Transport = TransportOptions.Default with { PoolSize = 1 },
        };
        await using var peer = new Communicator(options);

        // The listener and the master connection are created before ConnectAsync's first await, so inside the host.
        Task connect = peerHost.Namespace.Invoke(() => peer.ConnectAsync());
        await connect.WaitAsync(Bound);

        Assert.Multiple(() =>
        {
            Assert.That(master.LocalEndPoint.Address, Is.EqualTo(masterHost.Address));
            Assert.That(peer.WorldSizes.Global, Is.EqualTo(1));
        });
    }
}
