using System.Net;
using Collectives.Protocol;
using Collectives.Membership;

namespace Collectives.Master.Tests;

/// <summary><see cref="MasterServer.GetStatusAsync"/> against real peers on loopback.</summary>
[TestFixture]
public sealed class MasterServerStatusTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Test]
    public async Task Reports_peers_waiting_then_the_ring_after_the_vote()
    {
        await using var master = new MasterServer(MasterOptions.Default with
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
            PeerTimeout = TimeSpan.FromSeconds(2),
        });
        master.Start();

        MasterStatusSnapshot empty = await master.GetStatusAsync().WaitAsync(Bound);
        Assert.That(empty.Peers, Is.Empty);
        Assert.That(empty.Groups, Is.Empty);

        await using Communicator first = NewPeer(master);
        await first.ConnectAsync().WaitAsync(Bound);
        await using Communicator second = NewPeer(master);
        Task connectSecond = second.ConnectAsync();
        await Task.WhenAny(second.Registration, connectSecond).WaitAsync(Bound);

        MasterStatusSnapshot waiting = await master.GetStatusAsync().WaitAsync(Bound);
        Assert.That(waiting.Peers.Select(p => (p.Id, p.State)), Is.EqualTo(new[]
        {
            ((PeerId?)first.Id, PeerLifecycle.Accepted),
            ((PeerId?)second.Id, PeerLifecycle.Registered),
        }));
        Assert.That(waiting.Groups, Has.Count.EqualTo(1));
        Assert.That(waiting.Groups[0].Ring, Is.EqualTo(new[] { first.Id }));
        Assert.That(waiting.Groups[0].Waiting, Is.EqualTo(new[] { second.Id }));

        await first.UpdateTopologyAsync().WaitAsync(Bound);
        await connectSecond.WaitAsync(Bound);

        MasterStatusSnapshot joined = await master.GetStatusAsync().WaitAsync(Bound);
        Assert.That(joined.Peers.Select(p => p.State), Is.All.EqualTo(PeerLifecycle.Accepted));
        Assert.That(joined.Groups[0].Ring, Is.EquivalentTo(new[] { first.Id, second.Id }));
        Assert.That(joined.Groups[0].Ring, Is.EqualTo(first.Ring), "the master's ring order is the one peers use");
        Assert.That(joined.Groups[0].Waiting, Is.Empty);
        Assert.That(joined.Epoch, Is.GreaterThan(waiting.Epoch));
        Assert.That(joined.Uptime, Is.GreaterThanOrEqualTo(waiting.Uptime));
    }

    [Test]
    public async Task Refuses_before_start_and_after_stop()
    {
        var master = new MasterServer(MasterOptions.Default with { Listen = new IPEndPoint(IPAddress.Loopback, 0) });
        Assert.Throws<InvalidOperationException>(() => master.GetStatusAsync());

        master.Start();
        await master.DisposeAsync();

        Assert.Throws<InvalidOperationException>(() => master.GetStatusAsync());
    }

    [Test]
    public async Task The_snapshot_lists_cannot_be_changed_through_casts()
    {
        await using var master = new MasterServer(MasterOptions.Default with { Listen = new IPEndPoint(IPAddress.Loopback, 0) });
        master.Start();
        await using Communicator peer = NewPeer(master);
        await peer.ConnectAsync().WaitAsync(Bound);

        MasterStatusSnapshot status = await master.GetStatusAsync().WaitAsync(Bound);

        Assert.That(status.Peers, Is.Not.InstanceOf<PeerSnapshot[]>());
        Assert.That(((ICollection<PeerSnapshot>)status.Peers).IsReadOnly, Is.True);
        Assert.That(((ICollection<PeerId>)status.Groups[0].Ring).IsReadOnly, Is.True);
    }

    private static Communicator NewPeer(MasterServer master) => new(new CommunicatorOptions(master.LocalEndPoint)
    {
        PeerListen = new IPEndPoint(IPAddress.Loopback, 0),
        HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        MasterTimeout = TimeSpan.FromSeconds(2),
    });
}
