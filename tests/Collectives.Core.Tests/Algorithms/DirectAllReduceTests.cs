using Collectives.Algorithms;
using Collectives.Transport;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Algorithms;

/// <summary>The direct (one-hop) all-reduce for small buffers over real loopback links, and the rule that picks it.</summary>
[TestFixture]
[CancelAfter(120_000)]
public class DirectAllReduceTests
{
    private static readonly TransportOptions SmallStripes = TransportOptions.Default with { PoolSize = 2, StripeSize = 4096 };

    /// <summary>The direct run folds every element over peers 0, 1, …, N−1 in that order.</summary>
    internal static byte[] ExpectedResult(DataType type, ReduceOp op, byte[][] inputsByRank) =>
        ScalarReduceReference.Reduce(type, op, inputsByRank);

    [Test]
    public async Task EveryTypeAndOpOverWorldSizesTwoToFiveIsExactAndBitIdentical()
    {
        var random = new Random(4321);
        foreach (int world in new[] { 2, 3, 5 })
        {
            await using MeshHarness mesh = await MeshHarness.CreateAsync(world, SmallStripes);
            foreach (DataType type in KernelTestData.AllTypes)
            {
                foreach (ReduceOp op in KernelTestData.AllOps)
                {
                    // Up to 8 KiB of 8-byte elements: several 4 KiB stripes per input.
                    int[] counts = [1, world - 1, 777, 1024];
                    int count = counts[random.Next(counts.Length)];
                    bool inPlace = random.Next(2) == 0;
                    var inputs = Enumerable.Range(0, world).Select(_ => KernelTestData.RandomBuffer(type, count, random)).ToArray();
                    byte[][] outputs = await mesh.AllReduceAsync(type, op, inputs, inPlace);
                    for (int r = 0; r < world; r++)
                    {
                        Assert.That(outputs[r], Is.EqualTo(outputs[0]), $"peer {r} differs from peer 0 ({type} {op} n={count} W={world})");
                    }

                    Assert.That(RingAllReduceTests.SameValues(type, outputs[0], ExpectedResult(type, op, inputs)), Is.True,
                        $"{type} {op} n={count} W={world} in-place={inPlace}");
                }
            }
        }
    }

    [Test]
    public async Task ConsecutiveRunsReuseTheLinksAndLeaveInputsAloneOutOfPlace()
    {
        await using MeshHarness mesh = await MeshHarness.CreateAsync(4, SmallStripes);
        var random = new Random(9);
        for (int i = 0; i < 20; i++)
        {
            var inputs = Enumerable.Range(0, 4).Select(_ => KernelTestData.RandomBuffer(DataType.Int32, 1000 + i, random)).ToArray();
            var copies = inputs.Select(b => b.ToArray()).ToArray();
            byte[][] outputs = await mesh.AllReduceAsync(DataType.Int32, ReduceOp.Sum, inputs, inPlace: false);
            Assert.That(outputs[2], Is.EqualTo(ExpectedResult(DataType.Int32, ReduceOp.Sum, inputs)));
            Assert.That(inputs, Is.EqualTo(copies), "out-of-place inputs are never written");
        }
    }

    [Test]
    public async Task APieceForAnotherPeersSlotBreaksTheConnectionAndFailsTheRun()
    {
        await using MeshHarness mesh = await MeshHarness.CreateAsync(3, SmallStripes);
        var inputs = Enumerable.Range(0, 3).Select(_ => new byte[64]).ToArray();
        (DirectAllReduceRun[] runs, _, ulong sequence) = mesh.Prepare(DataType.Int32, ReduceOp.Sum, inputs, inPlace: false);
        // Only peer 0 runs; peer 2 claims to deliver slot 1 (peer 1's input) to it.
        runs[0].Start();
        mesh.Links[2][0]!.Send(7, sequence, 64, new byte[64], new SendTracker());
        var error = await Assert.CatchAsync<Exception>(() => runs[0].LocalCompletion.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.That(error, Is.InstanceOf<ProtocolViolationException>().Or.InstanceOf<CollectivesException>());
        foreach (DirectAllReduceRun run in runs)
        {
            Assert.That(await run.QuiesceAsync(TimeSpan.FromSeconds(10)), Is.True);
        }
    }

    [Test]
    public void ThePlanKeepsTheFanOutBoundedAndQuantizedRunsOnTheRing()
    {
        Gen<(long, int, bool)> cases =
            from bytes in Gen.OneOf(Gen.Choose(0, 70_000).Select(b => (long)b), Gen.Choose(0, 1 << 30).Select(b => (long)b))
            from world in Gen.Choose(1, 40)
            from quantized in ArbMap.Default.GeneratorFor<bool>()
            select (bytes, world, quantized);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            (long bytes, int world, bool quantized) = c;
            if (AllReducePlan.Choose(bytes, world, quantized) != AllReduceAlgorithm.Direct)
            {
                return true;
            }

            return !quantized && bytes > 0 && world >= 2 && bytes * (world - 1) <= 256 << 10 && world <= 16;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));
    }

    [TestCase(4, 2, false, ExpectedResult = "Direct")]
    [TestCase(4096, 4, false, ExpectedResult = "Direct")]
    [TestCase(4096, 4, true, ExpectedResult = "Ring")]
    [TestCase(0, 4, false, ExpectedResult = "Ring")]
    [TestCase(4096, 1, false, ExpectedResult = "Ring")]
    [TestCase(1 << 20, 2, false, ExpectedResult = "Ring")]
    [TestCase(64 << 10, 8, false, ExpectedResult = "Ring")]
    public string ThePlanUsesOneHopForSmallBuffers(long bytes, int world, bool quantized) =>
        AllReducePlan.Choose(bytes, world, quantized).ToString();
}
