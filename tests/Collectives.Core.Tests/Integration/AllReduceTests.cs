using System.Diagnostics;
using Collectives.Algorithms;
using Collectives.Tests.Algorithms;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Integration;

[TestFixture]
[CancelAfter(300_000)]
public class AllReduceTests
{
    private static async Task<LocalRun> StartRunAsync(int peers)
    {
        var run = new LocalRun();
        for (int i = 0; i < peers; i++)
        {
            await run.JoinAsync();
        }

        return run;
    }

    /// <summary>Inputs indexed by peer; returns them in ring order (the order the reference folds chunks in).</summary>
    private static byte[][] InRingOrder(LocalRun run, byte[][] inputsByPeer)
    {
        var ring = run.Peers[0].Ring;
        return ring.Select(id => inputsByPeer[run.Peers.ToList().FindIndex(p => p.Id == id)]).ToArray();
    }

    private static async Task<byte[][]> AllReduceOnAllAsync(LocalRun run, DataType type, ReduceOp op, byte[][] inputs, ulong tag, bool inPlace)
    {
        var outputs = inputs.Select(i => inPlace ? i.ToArray() : new byte[i.Length]).ToArray();
        var options = new AllReduceOptions { DataType = type };
        await Task.WhenAll(run.Peers.Select((p, i) => inPlace
            ? p.AllReduceAsync(outputs[i].AsMemory(), op, tag, options)
            : p.AllReduceAsync((ReadOnlyMemory<byte>)inputs[i], outputs[i].AsMemory(), op, tag, options))).WaitAsync(LocalRun.Bound);
        return outputs;
    }

    [TestCase(2)]
    [TestCase(3)]
    [TestCase(5)]
    public async Task EveryTypeOpAndCountGivesTheReferenceResultBitIdenticalOnAllPeers(int world)
    {
        await using LocalRun run = await StartRunAsync(world);
        ulong tag = 0;
        Gen<(DataType, ReduceOp, int, int, bool)> cases =
            from type in Gen.Elements(Enum.GetValues<DataType>())
            from op in Gen.Elements(Enum.GetValues<ReduceOp>())
            from count in Gen.OneOf(Gen.Constant(0), Gen.Constant(1), Gen.Choose(0, world - 1), Gen.Choose(1000, 70_001))
            from seed in ArbMap.Default.GeneratorFor<int>()
            from inPlace in ArbMap.Default.GeneratorFor<bool>()
            select (type, op, count, seed, inPlace);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var (type, op, count, seed, inPlace) = c;
            var random = new Random(seed);
            var inputs = Enumerable.Range(0, world).Select(_ => KernelTestData.RandomBuffer(type, count, random)).ToArray();
            // Elements are reinterpreted per type by the options; the byte overload carries any type.
            byte[][] outputs = AllReduceOnAllAsync(run, type, op, inputs, ++tag, inPlace).GetAwaiter().GetResult();
            byte[][] byRank = InRingOrder(run, inputs);
            byte[] expected = AllReducePlan.Choose(inputs[0].Length, world, quantized: false) == AllReduceAlgorithm.Direct
                ? DirectAllReduceTests.ExpectedResult(type, op, byRank)
                : RingAllReduceTests.ExpectedResult(type, op, byRank);
            return outputs.All(o => o.AsSpan().SequenceEqual(outputs[0])) && RingAllReduceTests.SameValues(type, outputs[0], expected);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(12));
    }

    [Test]
    public async Task DescriptorMismatchFailsOnAllPeersWithAClearError()
    {
        await using LocalRun run = await StartRunAsync(3);
        var a = run.Peers[0].AllReduceAsync(new float[10].AsMemory(), ReduceOp.Sum, 5);
        var b = run.Peers[1].AllReduceAsync(new float[11].AsMemory(), ReduceOp.Sum, 5);
        var c = run.Peers[2].AllReduceAsync(new float[10].AsMemory(), ReduceOp.Max, 5);
        foreach (var task in new[] { a, b, c })
        {
            var error = await Assert.CatchAsync<CollectivesException>(() => task.WaitAsync(LocalRun.Bound));
            Assert.That(error!.ErrorCode, Is.EqualTo(ErrorCode.DescriptorMismatch));
        }
    }

    [Test]
    public async Task ManyConcurrentTagsShareThePool()
    {
        await using LocalRun run = await StartRunAsync(3);
        const int tags = 16;
        var buffers = run.Peers.Select((_, p) => Enumerable.Range(0, tags).Select(t => Enumerable.Repeat((float)(p + t), 5000 + t).ToArray()).ToArray()).ToArray();
        await Task.WhenAll(run.Peers.SelectMany((peer, p) => Enumerable.Range(0, tags)
            .Select(t => peer.AllReduceAsync(buffers[p][t].AsMemory(), ReduceOp.Sum, (ulong)(100 + t))))).WaitAsync(LocalRun.Bound);
        for (int t = 0; t < tags; t++)
        {
            float expected = (0 + t) + (1 + t) + (2 + t);
            Assert.That(buffers.All(b => b[t].All(x => x == expected)), Is.True, $"tag {100 + t}");
        }
    }

    [Test]
    public async Task SigkilledPeerFailsEverySurvivorAndTheRetryAmongThreeIsBitIdentical()
    {
        await using LocalRun run = await StartRunAsync(3);
        await using ChildPeer child = await JoinChildAsync(run);
        const int count = 64 << 20; // 256 MiB of float32
        var buffers = run.Peers.Select((_, p) => CreateFilled(count, p + 1)).ToArray();
        var inputs = buffers.Select(b => b.ToArray()).ToArray();

        child.Send($"allreduce 1 {count} 100");
        await child.WaitForLineAsync("STARTED", LocalRun.Bound);
        var survivors = run.Peers.Select((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), ReduceOp.Sum, 1)).ToArray();
        await WaitUntilDataFlowsAsync(run);
        var clock = Stopwatch.StartNew();
        child.Kill();

        foreach (var survivor in survivors)
        {
            var error = await Assert.CatchAsync<CollectivesException>(() => survivor.WaitAsync(LocalRun.Bound));
            Assert.That(error!.IsTransient, Is.True, error.ToString());
        }

        TestContext.Out.WriteLine($"survivors failed {clock.ElapsedMilliseconds} ms after SIGKILL");
        for (int i = 0; i < buffers.Length; i++)
        {
            Assert.That(buffers[i].AsSpan().SequenceEqual(inputs[i]), Is.True, "in-place input restored after the failure");
        }

        await Task.WhenAll(run.Peers.Select(p => p.WaitForWorldSizesAsync(s => s.PeerGroup == 3, LocalRun.Bound)));
        AllReduceInfo[] infos = await Task.WhenAll(run.Peers.Select((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), ReduceOp.Sum, 1))).WaitAsync(LocalRun.Bound);
        Assert.That(infos.Select(i => i.WorldSize), Is.All.EqualTo(3));
        Assert.That(buffers.All(b => b.AsSpan().SequenceEqual(buffers[0])), Is.True, "bit-identical on all survivors");
        Assert.That(buffers[0][0], Is.EqualTo(1 + 2 + 3));
    }

    [Test]
    public async Task SigstoppedPeerMakesTheOthersFailWithinTheDeadline()
    {
        await using LocalRun run = await StartRunAsync(2);
        await using ChildPeer child = await JoinChildAsync(run);
        const int count = 16 << 20;
        var buffers = run.Peers.Select((_, p) => CreateFilled(count, p + 1)).ToArray();
        child.Send($"allreduce 2 {count} 1");
        await child.WaitForLineAsync("STARTED", LocalRun.Bound);
        var others = run.Peers.Select((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), ReduceOp.Sum, 2)).ToArray();
        await WaitUntilDataFlowsAsync(run);
        var clock = Stopwatch.StartNew();
        child.Freeze();
        try
        {
            foreach (var other in others)
            {
                var error = await Assert.CatchAsync<CollectivesException>(() => other.WaitAsync(LocalRun.Bound));
                TestContext.Out.WriteLine($"{clock.ElapsedMilliseconds} ms: {error!.ErrorCode} {error.Message}");
                Assert.That(error!.IsTransient, Is.True, error.ToString());
            }

            // Bounded by the peer timeout (heartbeats) or the progress deadline, whichever comes first.
            Assert.That(clock.Elapsed, Is.LessThan(LocalRun.PeerTimeout + TimeSpan.FromSeconds(2)));
            await Task.WhenAll(run.Peers.Select(p => p.WaitForWorldSizesAsync(s => s.PeerGroup == 2, LocalRun.Bound)));
            await Task.WhenAll(run.Peers.Select((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), ReduceOp.Sum, 2))).WaitAsync(LocalRun.Bound);
            Assert.That(buffers[0][0], Is.EqualTo(3));
        }
        finally
        {
            child.Thaw();
        }
    }

    [Test]
    public async Task AllReduceManyRetriesAmongSurvivorsAndReportsTooFewPeersWhenAlone()
    {
        await using LocalRun run = await StartRunAsync(2);
        await using ChildPeer child = await JoinChildAsync(run);
        var buffers = run.Peers.Select(_ => Enumerable.Range(0, 8).Select(t => CreateFilled(1 << 20, 1)).ToArray()).ToArray();
        for (int t = 0; t < 8; t++)
        {
            child.Send($"allreduce {200 + t} {1 << 20} 1");
        }

        var many = run.Peers.Select((p, i) => p.AllReduceManyAsync(
            buffers[i].Select((b, t) => AllReduceRequest.Create(b.AsMemory(), ReduceOp.Sum, (ulong)(200 + t))).ToList(), maxInFlight: 4)).ToArray();
        await child.WaitForLineAsync("STARTED", LocalRun.Bound);
        child.Kill();
        await Task.WhenAll(many).WaitAsync(LocalRun.Bound);
        foreach (float[][] peerBuffers in buffers)
        {
            Assert.That(peerBuffers.All(b => b[0] == 2 || b[0] == 3), Is.True, "each tag reduced over 3 or, after the kill, 2 peers");
        }

        await run.RemoveAsync(run.Peers[1]);
        await run.Peers[0].WaitForWorldSizesAsync(s => s.PeerGroup == 1, LocalRun.Bound);
        var alone = await Assert.CatchAsync<CollectivesException>(() => run.Peers[0].AllReduceManyAsync(
            [AllReduceRequest.Create(new float[4].AsMemory(), ReduceOp.Sum, 300)], maxInFlight: 1));
        Assert.That(alone!.ErrorCode, Is.EqualTo(ErrorCode.TooFewPeers));
    }

    [Test]
    public async Task StalledRunTimesOutAndItsLateDataNeverReachesTheRetry()
    {
        await using LocalRun run = await StartRunAsync(2);
        float[] a = CreateFilled(1 << 16, 1);
        float[] b = CreateFilled(1 << 16, 2);
        run.Peers[1].SimulateStall(true);
        var first = new[] { run.Peers[0].AllReduceAsync(a.AsMemory(), ReduceOp.Sum, 9), run.Peers[1].AllReduceAsync(b.AsMemory(), ReduceOp.Sum, 9) };
        foreach (var task in first)
        {
            await Assert.CatchAsync<CollectivesException>(() => task.WaitAsync(LocalRun.Bound));
        }

        run.Peers[1].SimulateStall(false);
        Assert.That(a[0], Is.EqualTo(1));
        await Task.WhenAll(run.Peers[0].AllReduceAsync(a.AsMemory(), ReduceOp.Sum, 9), run.Peers[1].AllReduceAsync(b.AsMemory(), ReduceOp.Sum, 9)).WaitAsync(LocalRun.Bound);
        Assert.That(a.All(x => x == 3) && b.All(x => x == 3), Is.True);
    }

    internal static float[] CreateFilled(int count, float value)
    {
        float[] buffer = new float[count];
        Array.Fill(buffer, value);
        return buffer;
    }

    private static async Task<ChildPeer> JoinChildAsync(LocalRun run)
    {
        var child = ChildPeer.Start(run.Master.LocalEndPoint);
        await child.WaitForLineAsync("REGISTERED", LocalRun.Bound);
        await Task.WhenAll(run.Peers.Select(p => p.UpdateTopologyAsync())).WaitAsync(LocalRun.Bound);
        await child.WaitForLineAsync("ACCEPTED", LocalRun.Bound);
        return child;
    }

    private static async Task WaitUntilDataFlowsAsync(LocalRun run)
    {
        var clock = Stopwatch.StartNew();
        while (run.Peers.All(p => p.BytesReceived == 0))
        {
            if (clock.Elapsed > LocalRun.Bound)
            {
                throw new TimeoutException("no data flowed");
            }

            await Task.Delay(1);
        }
    }
}
