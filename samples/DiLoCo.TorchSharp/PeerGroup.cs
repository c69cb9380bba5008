using System.Net;
using System.Net.Sockets;
using Collectives;
using Collectives.Membership;

namespace DiLoCo.TorchSharp;

/// <summary>An in-process master and N communicators, each behind a <see cref="ThrottledRelay"/> that limits its inbound link.</summary>
internal sealed class PeerGroup : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly MasterServer _master;
    private readonly List<ThrottledRelay> _relays = [];

    private PeerGroup(MasterServer master) => _master = master;

    public List<Communicator> Peers { get; } = [];

    public static async Task<PeerGroup> StartAsync(int peers, double bytesPerSecond)
    {
        var master = new MasterServer(MasterOptions.Default with { Listen = new IPEndPoint(IPAddress.Loopback, 0) });
        master.Start();
        var group = new PeerGroup(master);
        for (int i = 0; i < peers; i++)
        {
            await group.JoinAsync(bytesPerSecond);
        }

        return group;
    }

    public void SetLinkRate(double bytesPerSecond)
    {
        foreach (ThrottledRelay relay in _relays)
        {
            relay.BytesPerSecond = bytesPerSecond;
        }
    }

    private async Task JoinAsync(double bytesPerSecond)
    {
        int port = FreePort();
        var relay = new ThrottledRelay(new IPEndPoint(IPAddress.Loopback, port), bytesPerSecond);
        _relays.Add(relay);
        var peer = new Communicator(new CommunicatorOptions(_master.LocalEndPoint)
        {
            PeerListen = new IPEndPoint(IPAddress.Loopback, port),
            AdvertisedAddress = IPAddress.Loopback,
            AdvertisedPort = relay.LocalEndPoint.Port,
            ProgressTimeout = TimeSpan.FromSeconds(60),
        });
        Task connect = peer.ConnectAsync();
        await Task.WhenAny(peer.Registration, connect).WaitAsync(Bound);
        await Task.WhenAll(Peers.Select(p => p.UpdateTopologyAsync())).WaitAsync(Bound);
        await connect.WaitAsync(Bound);
        Peers.Add(peer);
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (Communicator peer in Peers)
        {
            await peer.DisposeAsync();
        }

        foreach (ThrottledRelay relay in _relays)
        {
            await relay.DisposeAsync();
        }

        await _master.DisposeAsync();
    }
}
