using System.Net;
using Collectives.Algorithms;
using Collectives.Transport;

namespace Collectives.Tests.Algorithms;

/// <summary>W in-process peers on loopback, each with a listener, a router, and a pooled link to its successor.</summary>
internal sealed class RingHarness : IAsyncDisposable
{
    private ulong _sequence;

    private RingHarness(Peer[] peers) => Peers = peers;

    public Peer[] Peers { get; }

    public int WorldSize => Peers.Length;

    public static async Task<RingHarness> CreateAsync(int worldSize, TransportOptions options)
    {
        var peers = Enumerable.Range(0, worldSize).Select(_ => new Peer(options)).ToArray();
        for (int i = 0; i < worldSize; i++)
        {
            Peer next = peers[(i + 1) % worldSize];
            peers[i].Next = await OutboundLink.ConnectAsync(
                next.Listener.LocalEndPoint, peers[i].Id, 1, ConnectionPurpose.Data, options.PoolSize, options,
                ErrorCode.RankConnectionFailed, CancellationToken.None);
        }

        return new RingHarness(peers);
    }

    /// <summary>Runs one all-reduce on every peer; returns each peer's receive buffer.</summary>
    public async Task<byte[][]> AllReduceAsync(DataType type, ReduceOp op, byte[][] inputs, bool inPlace, int pieceBytes)
    {
        ulong sequence = ++_sequence;
        int size = DataTypes.SizeOf(type);
        long count = inputs[0].Length / size;
        var outputs = inputs.Select(i => inPlace ? i.ToArray() : new byte[i.Length]).ToArray();
        var runs = new RingRun[WorldSize];
        for (int r = 0; r < WorldSize; r++)
        {
            Memory<byte> send = inPlace ? outputs[r] : inputs[r];
            var run = new AllReduceRun(7, sequence, count, type, op, r, WorldSize, send, outputs[r], inPlace,
                Peers[r].Next!, Peers[(r + WorldSize - 1) % WorldSize].Id, pieceBytes);
            Memory<byte> accumulator = DataTypes.AccumulatorOf(type) == type ? outputs[r] : new byte[count * 4];
            runs[r] = new PlainRingRun(run, accumulator);
            Peers[r].Router.Register(sequence, 7, run.Previous, runs[r]);
        }

        foreach (RingRun run in runs)
        {
            run.Start();
        }

        await Task.WhenAll(runs.Select(r => r.LocalCompletion)).WaitAsync(TimeSpan.FromSeconds(60));
        foreach (RingRun run in runs)
        {
            if (!await run.QuiesceAsync(TimeSpan.FromSeconds(10)))
            {
                throw new TimeoutException("run did not quiesce");
            }
        }

        for (int r = 0; r < WorldSize; r++)
        {
            Peers[r].Router.Unregister(sequence);
        }

        return outputs;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (Peer peer in Peers)
        {
            await peer.DisposeAsync();
        }
    }

    internal sealed class Peer : IConnectionAcceptor, IAsyncDisposable
    {
        public Peer(TransportOptions options)
        {
            Router = new InboundRouter(options);
            Listener = new TransportListener(new IPEndPoint(IPAddress.Loopback, 0), Id, 1, options, this);
            Listener.Start();
        }

        public Guid Id { get; } = Guid.NewGuid();

        public InboundRouter Router { get; }

        public TransportListener Listener { get; }

        public OutboundLink? Next { get; set; }

        public HandshakeStatus Check(HandshakeHello hello) => HandshakeStatus.Accepted;

        public void OnConnected(FramedConnection connection) => Router.Adopt(connection);

        public async ValueTask DisposeAsync()
        {
            if (Next is not null)
            {
                await Next.DisposeAsync();
            }

            Router.BreakAll(new ConnectionLostException(ErrorCode.RankConnectionLost, "harness over"));
            await Listener.DisposeAsync();
        }
    }
}
