using System.Net;
using Collectives.Membership;
using Collectives.Transport;

namespace Collectives.Tests.Integration;

/// <summary>An in-process master plus communicators on loopback, with fast heartbeats so failures show quickly.</summary>
internal sealed class LocalRun : IAsyncDisposable
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(100);
    // Generous for a loaded 2-core CI machine: a peer is only removed when really silent (or frozen by a test).
    public static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly List<Communicator> _peers = [];

    public LocalRun(TransportOptions? transport = null)
    {
        Transport = transport ?? TransportOptions.Default with { PoolSize = 2 };
        Master = new MasterServer(MasterOptions.Default with
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            HeartbeatInterval = Heartbeat,
            PeerTimeout = PeerTimeout,
        });
        Master.Start();
    }

    public MasterServer Master { get; }

    public TransportOptions Transport { get; }

    public IReadOnlyList<Communicator> Peers => _peers;

    public CommunicatorOptions Options(uint group = 0) => new(Master.LocalEndPoint)
    {
        PeerGroup = group,
        PeerListen = new IPEndPoint(IPAddress.Loopback, 0),
        HeartbeatInterval = Heartbeat,
        MasterTimeout = TimeSpan.FromSeconds(8),
        ProgressTimeout = TimeSpan.FromSeconds(3),
        Transport = Transport,
    };

    /// <summary>
    /// Adds a peer the way a training loop would: it registers, then every accepted peer calls update topology
    /// (which waits for it), and its connect completes when they have.
    /// </summary>
    public async Task<Communicator> JoinAsync(uint group = 0)
    {
        var peer = new Communicator(Options(group));
        Task connect = peer.ConnectAsync();
        await Task.WhenAny(peer.Registration, connect).WaitAsync(Bound);
        Communicator[] members = _peers.Where(p => p.IsAccepted).ToArray();
        if (members.Length > 0)
        {
            await Task.WhenAll(members.Select(m => m.UpdateTopologyAsync())).WaitAsync(Bound);
        }

        await connect.WaitAsync(Bound);
        _peers.Add(peer);
        return peer;
    }

    public async Task RemoveAsync(Communicator peer)
    {
        _peers.Remove(peer);
        await peer.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (Communicator peer in _peers)
        {
            await peer.DisposeAsync();
        }

        await Master.DisposeAsync();
    }
}
