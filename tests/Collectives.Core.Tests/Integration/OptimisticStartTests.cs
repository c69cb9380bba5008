using Collectives.Algorithms;
using Collectives.Tests.Algorithms;
using NUnit.Framework;

namespace Collectives.Tests.Integration;

/// <summary>
/// Small all-reduces in a steady loop start on the master's ticket instead of waiting for the commence; results must be
/// exactly those of the regular path (bit-identical, the reference reduction), and changes of the group in between
/// must end in a clean failure or a correct result, never a hang or a mix of two runs.
/// </summary>
[TestFixture]
[CancelAfter(300_000)]
public sealed class OptimisticStartTests
{
    [Test]
    public async Task ASequentialLoopStartsEveryOpAfterTheFirstOnItsTicketWithReferenceResults()
    {
        await using var run = new LocalRun();
        for (int i = 0; i < 4; i++)
        {
            await run.JoinAsync();
        }

        const int ops = 12;
        var random = new Random(12);
        for (ulong tag = 1; tag <= ops; tag++)
        {
            byte[][] inputs = run.Peers.Select(_ => KernelTestData.RandomBuffer(DataType.Float32, 1024, random)).ToArray();
            byte[][] outputs = await AllReduceAsync(run, inputs, tag);
            byte[][] byRank = run.Peers[0].Ring.Select(id => inputs[run.Peers.ToList().FindIndex(p => p.Id == id)]).ToArray();
            byte[] expected = DirectAllReduceTests.ExpectedResult(DataType.Float32, ReduceOp.Sum, byRank);
            Assert.That(outputs.All(o => o.AsSpan().SequenceEqual(expected)), Is.True, $"tag {tag}: every peer holds the reference result, bit for bit");
        }

        Assert.That(run.Peers.Select(p => p.OptimisticStarts), Is.All.EqualTo(ops - 1), "each op after the first started on the ticket of the one before");
        // Whether a given op's report leaves from the receiving thread depends on timing (this peer's own sends must have
        // left first); over 12 ops on idle connections it happens, and the results above are exact either way.
        Assert.That(run.Peers.Sum(p => p.ReportsOnReceipt), Is.GreaterThan(0), "success reported by the thread that folded the last piece");
    }

    [Test]
    public async Task ConcurrentTagsAfterATicketMixClaimedAndCommencedStartsCorrectly()
    {
        await using var run = new LocalRun();
        for (int i = 0; i < 3; i++)
        {
            await run.JoinAsync();
        }

        await AllReduceAsync(run, run.Peers.Select(_ => new byte[64]).ToArray(), tag: 99);
        const int tags = 8;
        var buffers = run.Peers.Select((_, p) => Enumerable.Range(0, tags).Select(t => Enumerable.Repeat((float)(p + t), 700 + t).ToArray()).ToArray()).ToArray();
        await Task.WhenAll(run.Peers.SelectMany((peer, p) => Enumerable.Range(0, tags)
            .Select(t => peer.AllReduceAsync(buffers[p][t].AsMemory(), ReduceOp.Sum, (ulong)(100 + t))))).WaitAsync(LocalRun.Bound);
        for (int t = 0; t < tags; t++)
        {
            float expected = (0 + t) + (1 + t) + (2 + t);
            Assert.That(buffers.All(b => b[t].All(x => x == expected)), Is.True, $"tag {100 + t}");
        }

        Assert.That(run.Peers.Select(p => p.OptimisticStarts), Is.All.EqualTo(1), "only the first launch of the burst was idle and held tag 100's ticket");
    }

    [Test]
    public async Task APeerLeavingBetweenOpsEndsInACleanFailureOrTheRightResultAmongTheRest()
    {
        await using var run = new LocalRun();
        for (int i = 0; i < 4; i++)
        {
            await run.JoinAsync();
        }

        await AllReduceAsync(run, run.Peers.Select(_ => new byte[4096]).ToArray(), tag: 1);
        await run.RemoveAsync(run.Peers[3]); // the survivors hold tickets for tag 2 on the old ring

        int failures = 0;
        for (int attempt = 0; ; attempt++)
        {
            float[][] buffers = run.Peers.Select((_, p) => Enumerable.Repeat((float)(p + 1), 1024).ToArray()).ToArray();
            Task[] calls = run.Peers.Select((peer, p) => (Task)peer.AllReduceAsync(buffers[p].AsMemory(), ReduceOp.Sum, 2)).ToArray();
            try
            {
                await Task.WhenAll(calls).WaitAsync(LocalRun.Bound);
                Assert.That(buffers.All(b => b.All(x => x == 6)), Is.True, "1 + 2 + 3 on every survivor");
                break;
            }
            catch (CollectivesException e) when (e.ErrorCode is ErrorCode.RankConnectionLost or ErrorCode.Timeout && attempt < 3)
            {
                await Task.WhenAll(calls.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(LocalRun.Bound);
                Assert.That(calls.All(c => c.IsFaulted), Is.True, "a failed op fails on every peer (one verdict)");
                failures++;
            }
        }

        Assert.That(failures, Is.LessThanOrEqualTo(1), "at most the op started on the stale ring fails; its retry goes through");
    }

    private static async Task<byte[][]> AllReduceAsync(LocalRun run, byte[][] inputs, ulong tag)
    {
        var outputs = inputs.Select(i => new byte[i.Length]).ToArray();
        var options = new AllReduceOptions { DataType = DataType.Float32 };
        await Task.WhenAll(run.Peers.Select((p, i) => p.AllReduceAsync((ReadOnlyMemory<byte>)inputs[i], outputs[i].AsMemory(), ReduceOp.Sum, tag, options)))
            .WaitAsync(LocalRun.Bound);
        return outputs;
    }
}
