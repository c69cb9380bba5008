using System.Net;
using Collectives.Membership;
using Collectives.Transport;
using Microsoft.Extensions.Logging;

namespace Collectives.Tests.Security;

/// <summary>
/// An in-process master plus communicators on loopback where the master and every peer get their own transport
/// options (secrets, certificates), and everything logs to one <see cref="CountingLoggerFactory"/>.
/// </summary>
internal sealed class SecureRun : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(100);

    private readonly List<Communicator> _peers = [];

    public SecureRun(TransportOptions masterTransport, CountingLoggerFactory? logs = null)
    {
        Logs = logs ?? new CountingLoggerFactory();
        Master = new MasterServer(MasterOptions.Default with
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            HeartbeatInterval = Heartbeat,
            // Generous: a loaded CI machine (or a fuzzer hammering the same process) must not make a peer look dead.
            PeerTimeout = TimeSpan.FromSeconds(5),
            Transport = masterTransport,
        }, Logs);
        Master.Start();
    }

    public MasterServer Master { get; }

    public CountingLoggerFactory Logs { get; }

    public IReadOnlyList<Communicator> Peers => _peers;

    public CommunicatorOptions Options(TransportOptions transport) => new(Master.LocalEndPoint)
    {
        PeerListen = new IPEndPoint(IPAddress.Loopback, 0),
        HeartbeatInterval = Heartbeat,
        MasterTimeout = TimeSpan.FromSeconds(8),
        ProgressTimeout = TimeSpan.FromSeconds(8),
        ConnectTimeout = TimeSpan.FromSeconds(15),
        Transport = transport,
        LoggerFactory = Logs,
    };

    /// <summary>Adds a peer: it registers, the members accept it with an update of the topology, and its connect completes.</summary>
    public async Task<Communicator> JoinAsync(TransportOptions transport)
    {
        var peer = new Communicator(Options(transport));
        Task connect = peer.ConnectAsync();
        try
        {
            await Task.WhenAny(peer.Registration, connect).WaitAsync(Bound);
            Communicator[] members = _peers.Where(p => p.IsAccepted).ToArray();
            if (members.Length > 0)
            {
                await Task.WhenAll(members.Select(m => m.UpdateTopologyAsync())).WaitAsync(Bound);
            }

            await connect.WaitAsync(Bound);
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }

        _peers.Add(peer);
        return peer;
    }

    /// <summary>Every peer all-reduces (sum) its own float vector; returns the results in peer order.</summary>
    public async Task<float[][]> AllReduceSumAsync(float[][] inputs, ulong tag)
    {
        float[][] outputs = inputs.Select(i => new float[i.Length]).ToArray();
        await Task.WhenAll(_peers.Select((p, i) => p.AllReduceAsync((ReadOnlyMemory<float>)inputs[i], outputs[i], ReduceOp.Sum, tag)))
            .WaitAsync(Bound);
        return outputs;
    }

    /// <summary>Inputs whose sum is exact in float32 in any order (small integers), so results can be checked exactly.</summary>
    public static float[][] IntegerInputs(int peers, int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, peers).Select(_ => Enumerable.Range(0, count).Select(_ => (float)random.Next(-1000, 1000)).ToArray()).ToArray();
    }

    public static float[] Sum(float[][] inputs) =>
        Enumerable.Range(0, inputs[0].Length).Select(i => inputs.Sum(v => v[i])).ToArray();

    public async ValueTask DisposeAsync()
    {
        foreach (Communicator peer in _peers)
        {
            await peer.DisposeAsync();
        }

        await Master.DisposeAsync();
    }
}
