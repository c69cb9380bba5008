using NUnit.Framework;

namespace Collectives.Tests.Integration;

/// <summary>
/// Two peers running a long loop of small all-reduces with changing ops and tag patterns (the shape of the DiLoCo
/// sample's link calibration, where a 2-peer run was once seen waiting minutes for a verdict): every op must finish
/// within the bound and give the exact result on both peers.
/// </summary>
[TestFixture]
[CancelAfter(300_000)]
public sealed class TwoPeerLoopTests
{
    [Test]
    public async Task ALongLoopOfSmallOpsWithMixedTagsNeverStalls()
    {
        await using var run = new LocalRun();
        await run.JoinAsync();
        await run.JoinAsync();
        const int rounds = 300;
        for (int round = 0; round < rounds; round++)
        {
            // Consecutive tags (optimistic starts), a jump to another tag block, then a one-element barrier.
            ulong tag = 1000 + (ulong)round * 10;
            for (int i = 0; i < 5; i++)
            {
                var buffers = new[] { Filled(10_000, 1 + round % 7), Filled(10_000, 2 + i) };
                await Task.WhenAll(run.Peers.Select((p, k) => p.AllReduceAsync(buffers[k].AsMemory(), ReduceOp.Avg, tag + (ulong)i))).WaitAsync(LocalRun.Bound);
                float expected = ((1 + round % 7) + (2 + i)) / 2f;
                Assert.That(buffers.All(b => b.All(x => x == expected)), Is.True, $"round {round}, op {i}");
            }

            var barrier = new[] { new float[1], new float[1] };
            await Task.WhenAll(run.Peers.Select((p, k) => p.AllReduceAsync(barrier[k].AsMemory(), ReduceOp.Max, 7))).WaitAsync(LocalRun.Bound);
        }

        Assert.That(run.Peers.Select(p => p.OptimisticStarts), Is.All.GreaterThanOrEqualTo(rounds * 4), "the consecutive tags started on tickets");
    }

    private static float[] Filled(int count, float value)
    {
        var buffer = new float[count];
        Array.Fill(buffer, value);
        return buffer;
    }
}
