using Collectives.Algorithms;
using Collectives.Transport;

namespace Collectives.Tests.Algorithms;

/// <summary>W in-process peers on loopback with a pooled link from every peer to every other (for the direct all-reduce).</summary>
internal sealed class MeshHarness : IAsyncDisposable
{
    private ulong _sequence;

    private MeshHarness(RingHarness.Peer[] peers, OutboundLink?[][] links)
    {
        Peers = peers;
        Links = links;
    }

    public RingHarness.Peer[] Peers { get; }

    /// <summary>Links[from][to]; null on the diagonal.</summary>
    public OutboundLink?[][] Links { get; }

    public int WorldSize => Peers.Length;

    public static async Task<MeshHarness> CreateAsync(int worldSize, TransportOptions options)
    {
        var peers = Enumerable.Range(0, worldSize).Select(_ => new RingHarness.Peer(options)).ToArray();
        var links = new OutboundLink?[worldSize][];
        for (int from = 0; from < worldSize; from++)
        {
            links[from] = new OutboundLink?[worldSize];
            for (int to = 0; to < worldSize; to++)
            {
                if (from != to)
                {
                    links[from][to] = await OutboundLink.ConnectAsync(peers[to].Listener.LocalEndPoint, peers[from].Id, 1, ConnectionPurpose.Data,
                        options.PoolSize, options, ErrorCode.RankConnectionFailed, CancellationToken.None);
                }
            }
        }

        return new MeshHarness(peers, links);
    }

    /// <summary>Registers one direct run per peer (not started) for the next sequence number.</summary>
    public (DirectAllReduceRun[] Runs, byte[][] Outputs, ulong Sequence) Prepare(DataType type, ReduceOp op, byte[][] inputs, bool inPlace)
    {
        ulong sequence = ++_sequence;
        var outputs = inputs.Select(i => inPlace ? i.ToArray() : new byte[i.Length]).ToArray();
        var sources = Peers.Select(p => p.Id).ToArray();
        var runs = new DirectAllReduceRun[WorldSize];
        for (int r = 0; r < WorldSize; r++)
        {
            Memory<byte> send = inPlace ? outputs[r] : inputs[r];
            long count = inputs[r].Length / DataTypes.SizeOf(type);
            Memory<byte> accumulator = DataTypes.AccumulatorOf(type) == type ? outputs[r] : new byte[count * 4];
            var run = new DirectAllReduce(7, sequence, type, op, r, WorldSize, send, outputs[r], Links[r], sources);
            runs[r] = new DirectAllReduceRun(run, accumulator, new byte[inputs[r].Length * WorldSize]);
            Peers[r].Router.Register(sequence, 7, runs[r].Senders, runs[r]);
        }

        return (runs, outputs, sequence);
    }

    /// <summary>Runs one direct all-reduce on every peer; returns each peer's receive buffer.</summary>
    public async Task<byte[][]> AllReduceAsync(DataType type, ReduceOp op, byte[][] inputs, bool inPlace)
    {
        (DirectAllReduceRun[] runs, byte[][] outputs, ulong sequence) = Prepare(type, op, inputs, inPlace);
        foreach (DirectAllReduceRun run in runs)
        {
            run.Start();
        }

        await Task.WhenAll(runs.Select(r => r.LocalCompletion)).WaitAsync(TimeSpan.FromSeconds(60));
        foreach (DirectAllReduceRun run in runs)
        {
            if (!await run.QuiesceAsync(TimeSpan.FromSeconds(10)))
            {
                throw new TimeoutException("run did not quiesce");
            }
        }

        foreach (RingHarness.Peer peer in Peers)
        {
            peer.Router.Unregister(sequence);
        }

        return outputs;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (OutboundLink? link in Links.SelectMany(l => l))
        {
            if (link is not null)
            {
                await link.DisposeAsync();
            }
        }

        foreach (RingHarness.Peer peer in Peers)
        {
            await peer.DisposeAsync();
        }
    }
}
