using System.Net;
using System.Net.Sockets;
using Collectives.Membership;
using Collectives.NetEmulation;
using Collectives.Transport;

namespace Collectives.Benchmarks;

/// <summary>
/// Two in-process communicators whose data links run through <see cref="TcpRelay"/>s that add a one-way delay and a
/// per-connection in-flight cap: peer j advertises its relay, so everything its neighbour sends it crosses the relay.
/// With a link rate, the relay dials from the sender's emulated host to a forwarder on the receiver's host, so the
/// traffic also crosses the sender's rate-limited veth (<see cref="WanNetwork.SetEgressRate"/>). The master
/// connections are direct: only the data plane is emulated.
/// </summary>
internal sealed class WanPair : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly List<TcpRelay> _relays = [];
    private readonly List<Communicator> _peers = [];
    private WanNetwork? _network;
    private int _disposed;

    private WanPair(MasterServer master) => Master = master;

    public MasterServer Master { get; }

    public IReadOnlyList<Communicator> Peers => _peers;

    /// <summary>The delaying relays, one in front of each peer (index = peer).</summary>
    public List<TcpRelay> DelayRelays { get; } = [];

    public static async Task<WanPair> StartAsync(RelayOptions relay, long? linkBitsPerSecond, int poolSize, int pieceBytes, int socketBufferBytes, bool direct = false)
    {
        var master = new MasterServer(MasterOptions.Default with { Listen = new IPEndPoint(IPAddress.Loopback, 0) });
        master.Start();
        var pair = new WanPair(master);
        try
        {
            if (linkBitsPerSecond is long rate)
            {
                pair._network = WanNetwork.Create(2);
                pair._network.SetEgressRate(0, rate);
                pair._network.SetEgressRate(1, rate);
            }

            var options = new List<CommunicatorOptions>();
            for (int j = 0; j < 2; j++)
            {
                int port = FreeLoopbackPort();
                IPEndPoint relayEndPoint = direct ? new IPEndPoint(IPAddress.Loopback, port) : pair.AddRelays(new IPEndPoint(IPAddress.Loopback, port), receiver: j, relay);
                options.Add(new CommunicatorOptions(master.LocalEndPoint)
                {
                    PeerListen = new IPEndPoint(IPAddress.Loopback, port),
                    AdvertisedAddress = relayEndPoint.Address,
                    AdvertisedPort = relayEndPoint.Port,
                    PieceBytes = pieceBytes,
                    Transport = TransportOptions.Default with
                    {
                        PoolSize = poolSize,
                        StripeSize = Math.Max(TransportOptions.Default.StripeSize, pieceBytes),
                        SocketBufferSize = socketBufferBytes,
                    },
                    ProgressTimeout = TimeSpan.FromSeconds(30),
                });
            }

            await pair.JoinAsync(options);
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (Communicator peer in _peers)
        {
            await peer.DisposeAsync();
        }

        foreach (TcpRelay relay in _relays)
        {
            await relay.DisposeAsync();
        }

        await Master.DisposeAsync();
        _network?.Dispose();
    }

    // Returns where the sender should dial to reach the receiver's listener at target.
    private IPEndPoint AddRelays(IPEndPoint target, int receiver, RelayOptions options)
    {
        TcpRelay delay;
        if (_network is { } network)
        {
            WanHost to = network.Hosts[receiver];
            WanHost from = network.Hosts[1 - receiver];
            var forwarder = new TcpRelay(target, RelayOptions.PassThrough, new IPEndPoint(to.Address, 0), listenIn: to.Namespace);
            _relays.Add(forwarder);
            delay = new TcpRelay(forwarder.LocalEndPoint, options, dialFrom: from.Namespace);
        }
        else
        {
            delay = new TcpRelay(target, options);
        }

        _relays.Add(delay);
        DelayRelays.Add(delay);
        return delay.LocalEndPoint;
    }

    private async Task JoinAsync(List<CommunicatorOptions> options)
    {
        foreach (CommunicatorOptions option in options)
        {
            var peer = new Communicator(option);
            Task connect = peer.ConnectAsync();
            await Task.WhenAny(peer.Registration, connect).WaitAsync(Bound);
            Communicator[] members = [.. _peers];
            _peers.Add(peer);
            if (members.Length > 0)
            {
                await Task.WhenAll(members.Select(m => m.UpdateTopologyAsync())).WaitAsync(Bound);
            }

            await connect.WaitAsync(Bound);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
