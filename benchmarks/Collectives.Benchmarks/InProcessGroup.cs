using System.Net;
using System.Net.Sockets;
using Collectives.Membership;

namespace Collectives.Benchmarks;

/// <summary>An in-process master plus communicators on loopback; optionally each peer sits behind a <see cref="ThrottledRelay"/>.</summary>
internal sealed class InProcessGroup : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly List<ThrottledRelay> _relays = [];

    public InProcessGroup()
    {
        Master = new MasterServer(MasterOptions.Default with { Listen = new IPEndPoint(IPAddress.Loopback, 0) });
        Master.Start();
    }

    public MasterServer Master { get; }

    public List<Communicator> Peers { get; } = [];

    public IReadOnlyList<ThrottledRelay> Relays => _relays;

    /// <summary>Joins one peer; with a rate, the peer advertises a relay that throttles its inbound traffic.</summary>
    public async Task<Communicator> JoinAsync(double? bitsPerSecond = null)
    {
        var options = new CommunicatorOptions(Master.LocalEndPoint) { PeerListen = new IPEndPoint(IPAddress.Loopback, 0) };
        if (bitsPerSecond is double rate)
        {
            int port = FreePort();
            var relay = new ThrottledRelay(new IPEndPoint(IPAddress.Loopback, port), rate);
            _relays.Add(relay);
            options = options with
            {
                PeerListen = new IPEndPoint(IPAddress.Loopback, port),
                AdvertisedAddress = IPAddress.Loopback,
                AdvertisedPort = relay.LocalEndPoint.Port,
            };
        }

        var peer = new Communicator(options);
        Task connect = peer.ConnectAsync();
        await Task.WhenAny(peer.Registration, connect).WaitAsync(Bound);
        Communicator[] members = Peers.ToArray();
        if (members.Length > 0)
        {
            await Task.WhenAll(members.Select(m => m.UpdateTopologyAsync())).WaitAsync(Bound);
        }

        await connect.WaitAsync(Bound);
        Peers.Add(peer);
        return peer;
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

        await Master.DisposeAsync();
    }
}
