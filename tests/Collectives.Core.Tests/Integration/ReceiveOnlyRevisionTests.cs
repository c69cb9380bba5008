using Collectives.SharedState;
using NUnit.Framework;

namespace Collectives.Tests.Integration;

/// <summary>
/// The soak's case end to end (stress-tests/RESULTS.md): a receive-only peer whose revision is far ahead of the group's
/// (it held a lineage the group lost) receives the group's content and revision and stays in the run.
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public class ReceiveOnlyRevisionTests
{
    private const int Size = 50_000;

    [Test]
    public async Task AReceiveOnlyPeerFarAheadAdoptsTheGroupsStateAndRevisionAndStays()
    {
        await using var run = new LocalRun();
        for (int i = 0; i < 3; i++)
        {
            await run.JoinAsync();
        }

        float[][] weights = [Filled(1), Filled(1), Filled(1)];
        SharedTensorSet[] sets = weights.Select(w => new SharedTensorSet(0, [SharedTensor.Create("weights", w.AsMemory())])).ToArray();
        await Task.WhenAll(run.Peers.Select((p, i) => p.SynchronizeSharedStateAsync(sets[i]))).WaitAsync(LocalRun.Bound);

        // A step on the two holders; the third reloaded a checkpoint of an older lineage at revision 824.
        for (int i = 0; i < 2; i++)
        {
            Array.Fill(weights[i], 2);
            sets[i].Revision = 1;
        }

        Array.Fill(weights[2], 7);
        sets[2].Revision = 824;
        SharedStateSyncInfo[] infos = await Task.WhenAll(
            run.Peers[0].SynchronizeSharedStateAsync(sets[0]),
            run.Peers[1].SynchronizeSharedStateAsync(sets[1]),
            run.Peers[2].SynchronizeSharedStateAsync(sets[2], SharedStateStrategy.ReceiveOnly)).WaitAsync(LocalRun.Bound);

        Assert.That(infos.Select(i => i.Revision), Is.All.EqualTo(1UL));
        Assert.That(sets[2].Revision, Is.EqualTo(1UL));
        Assert.That(weights[2], Is.EqualTo(weights[0]));
        Assert.That(infos[2].RxBytes, Is.EqualTo(Size * sizeof(float)));
        Assert.That(run.Peers[2].IsAccepted, Is.True, "not kicked");

        // Still a full member: the next step's all-reduce includes it.
        float[][] gradients = [Filled(1), Filled(1), Filled(1)];
        AllReduceInfo[] reduced = await Task.WhenAll(run.Peers.Select((p, i) => p.AllReduceAsync(gradients[i].AsMemory(), ReduceOp.Sum, 1))).WaitAsync(LocalRun.Bound);
        Assert.That(reduced.Select(r => r.WorldSize), Is.All.EqualTo(3));
    }

    private static float[] Filled(float value) => AllReduceTests.CreateFilled(Size, value);
}
