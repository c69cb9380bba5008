using Collectives.Protocol;
using Collectives.Tests.Membership;
using Collectives.Tests.Topology;
using Collectives.Topology;
using NUnit.Framework;

namespace Collectives.Tests.Integration;

/// <summary>OptimizeTopologyAsync end to end: in-process master and peers on loopback.</summary>
[TestFixture]
[CancelAfter(120_000)]
public class TopologyOptimizationTests
{
    /// <summary>Probe results read from a matrix indexed by the peers' positions in a given order; no traffic at all.</summary>
    private sealed class MatrixProber(BandwidthMatrix matrix, IReadOnlyList<PeerId> order, PeerId self) : IBandwidthProber
    {
        public int Probes;

        public Task<double> MeasureAsync(PeerInfo target, int connections, TimeSpan duration, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Probes);
            return Task.FromResult(matrix[IndexOf(self), IndexOf(target.Id)]);
        }

        private int IndexOf(PeerId id) => order.ToList().IndexOf(id);
    }

    /// <summary>A probe that never finishes by itself, as towards a peer that hangs.</summary>
    private sealed class HangingProber : IBandwidthProber
    {
        public readonly TaskCompletionSource Started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<double> MeasureAsync(PeerInfo target, int connections, TimeSpan duration, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }

    private static async Task<LocalRun> StartAsync(int peers)
    {
        var run = new LocalRun();
        for (int i = 0; i < peers; i++)
        {
            await run.JoinAsync();
        }

        return run;
    }

    [Test]
    public async Task FourPeersAdoptTheOptimalRingAndStillReduceBitIdentically()
    {
        await using LocalRun run = await StartAsync(4);
        IReadOnlyList<PeerId> order = run.Peers[0].Ring;
        Assert.That(run.Peers.Select(p => p.Id), Is.EqualTo(order), "peers enter the ring in join order");
        BandwidthMatrix matrix = MasterStateOptimizationTests.SlowLinkInJoinOrder();
        var probers = run.Peers.Select(p => new MatrixProber(matrix, order, p.Id)).ToArray();
        for (int i = 0; i < probers.Length; i++)
        {
            run.Peers[i].BandwidthProber = probers[i];
        }

        TopologyOptimizationInfo[] results = await Task.WhenAll(run.Peers.Select(p => p.OptimizeTopologyAsync())).WaitAsync(LocalRun.Bound);

        var expected = new[] { order[0], order[1], order[3], order[2] };
        foreach (Communicator peer in run.Peers)
        {
            Assert.That(peer.Ring, Is.EqualTo(expected), "every peer holds the optimal ring when its call returns");
        }

        Assert.That(results.Select(r => r.Ring), Has.All.EqualTo(expected));
        Assert.That(results.Select(r => (r.RingChanged, r.MeasuredLinks, r.BottleneckBytesPerSecond)), Has.All.EqualTo((true, 12, 80.0)));
        Assert.That(probers.Sum(p => p.Probes), Is.EqualTo(12), "each directed link is probed once");

        // Small integers sum exactly in float32, so the expected result is known independently of the ring order.
        const int count = 10_007;
        var buffers = Enumerable.Range(0, 4).Select(rank => Enumerable.Range(0, count).Select(i => (float)((i % 97) + rank)).ToArray()).ToArray();
        await Task.WhenAll(run.Peers.Select((p, rank) => p.AllReduceAsync(buffers[rank].AsMemory(), ReduceOp.Sum, tag: 1))).WaitAsync(LocalRun.Bound);
        var reference = Enumerable.Range(0, count).Select(i => (float)((4 * (i % 97)) + 6)).ToArray();
        foreach (float[] buffer in buffers)
        {
            Assert.That(buffer, Is.EqualTo(reference));
        }

        // A second call probes nothing new and keeps the ring.
        TopologyOptimizationInfo[] again = await Task.WhenAll(run.Peers.Select(p => p.OptimizeTopologyAsync())).WaitAsync(LocalRun.Bound);
        Assert.That(again.Select(r => r.RingChanged), Has.All.False);
        Assert.That(probers.Sum(p => p.Probes), Is.EqualTo(12));
        Assert.That(run.Peers[2].Ring, Is.EqualTo(expected));
    }

    [Test]
    public async Task RealProbesOverLoopbackMeasureEveryLink()
    {
        await using LocalRun run = await StartAsync(3);
        TopologyOptimizationInfo[] results = await Task.WhenAll(run.Peers.Select(p => p.OptimizeTopologyAsync())).WaitAsync(LocalRun.Bound);
        Assert.That(results.Select(r => r.MeasuredLinks), Has.All.EqualTo(6));
        Assert.That(results.Select(r => r.BottleneckBytesPerSecond), Has.All.GreaterThan(1e6), "loopback moves well over a megabyte per second");
        Assert.That(results.Select(r => r.Ring).Distinct(new RingComparer()).Count(), Is.EqualTo(1));

        var data = Enumerable.Range(0, 3).Select(rank => new double[] { rank, 1.5 }).ToArray();
        await Task.WhenAll(run.Peers.Select((p, rank) => p.AllReduceAsync(data[rank].AsMemory(), ReduceOp.Sum, tag: 9))).WaitAsync(LocalRun.Bound);
        Assert.That(data, Has.All.EqualTo(new[] { 3.0, 4.5 }));
    }

    [Test]
    public async Task APeerThatDiesWhileProbingDoesNotHangTheOthers()
    {
        await using LocalRun run = await StartAsync(3);
        Communicator victim = run.Peers[2];
        IReadOnlyList<PeerId> order = run.Peers[0].Ring;
        var matrix = RingSolverExactTests.Complete(3, 1e9);
        run.Peers[0].BandwidthProber = new MatrixProber(matrix, order, run.Peers[0].Id);
        run.Peers[1].BandwidthProber = new MatrixProber(matrix, order, run.Peers[1].Id);
        var hanging = new HangingProber();
        victim.BandwidthProber = hanging;

        Task<TopologyOptimizationInfo>[] calls = run.Peers.Select(p => p.OptimizeTopologyAsync()).ToArray();
        await hanging.Started.Task.WaitAsync(LocalRun.Bound);
        await run.RemoveAsync(victim);

        TopologyOptimizationInfo[] results = await Task.WhenAll(calls[..2]).WaitAsync(LocalRun.Bound);
        var survivors = new[] { run.Peers[0].Id, run.Peers[1].Id };
        Assert.That(results.Select(r => r.Ring), Has.All.EquivalentTo(survivors));
        Assert.That(run.Peers[0].Ring, Is.EqualTo(run.Peers[1].Ring));
        Assert.That(results.Select(r => r.MeasuredLinks), Has.All.EqualTo(2));
        await Assert.CatchAsync<CollectivesException>(async () => await calls[2]);

        var values = new[] { new[] { 1L }, new[] { 2L } };
        await Task.WhenAll(run.Peers.Select((p, rank) => p.AllReduceAsync(values[rank].AsMemory(), ReduceOp.Sum, tag: 3))).WaitAsync(LocalRun.Bound);
        Assert.That(values, Has.All.EqualTo(new[] { 3L }));
    }

    [Test]
    public async Task OptimizingIsRefusedWhileAllReducesRun()
    {
        await using LocalRun run = await StartAsync(2);
        var buffer = new float[1024];
        Task pending = run.Peers[0].AllReduceAsync(buffer.AsMemory(), ReduceOp.Sum, tag: 5);
        var refused = await Assert.CatchAsync<CollectivesException>(() => run.Peers[0].OptimizeTopologyAsync());
        Assert.That(refused!.ErrorCode, Is.EqualTo(ErrorCode.PendingAsyncOps));
        await Task.WhenAll(pending, run.Peers[1].AllReduceAsync(new float[1024].AsMemory(), ReduceOp.Sum, tag: 5)).WaitAsync(LocalRun.Bound);
    }

    private sealed class RingComparer : IEqualityComparer<IReadOnlyList<PeerId>>
    {
        public bool Equals(IReadOnlyList<PeerId>? x, IReadOnlyList<PeerId>? y) => x!.SequenceEqual(y!);

        public int GetHashCode(IReadOnlyList<PeerId> obj) => obj.Count;
    }
}
