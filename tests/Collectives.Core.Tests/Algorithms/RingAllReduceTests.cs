using Collectives.Transport;
using NUnit.Framework;

namespace Collectives.Tests.Algorithms;

/// <summary>The ring algorithm over real loopback links (no master): results, parity, every type and op.</summary>
[TestFixture]
[CancelAfter(300_000)]
public class RingAllReduceTests
{
    private static readonly TransportOptions SmallStripes = TransportOptions.Default with { PoolSize = 2, StripeSize = 4096 };

    /// <summary>The ring folds chunk c starting at peer c, then c+1, …, ending at its owner c−1.</summary>
    internal static byte[] ExpectedResult(DataType type, ReduceOp op, byte[][] inputs)
    {
        int world = inputs.Length;
        int size = DataTypes.SizeOf(type);
        long count = inputs[0].Length / size;
        var expected = new byte[inputs[0].Length];
        for (int c = 0; c < world; c++)
        {
            long chunkCount = (count / world) + (c < count % world ? 1 : 0);
            long chunkStart = (c * (count / world)) + Math.Min(c, count % world);
            if (chunkCount == 0)
            {
                continue;
            }

            var ordered = Enumerable.Range(0, world)
                .Select(k => inputs[(c + k) % world].AsSpan((int)(chunkStart * size), (int)(chunkCount * size)).ToArray())
                .ToList();
            ScalarReduceReference.Reduce(type, op, ordered).CopyTo(expected, (int)(chunkStart * size));
        }

        return expected;
    }

    internal static bool SameValues(DataType type, byte[] a, byte[] b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        int size = DataTypes.SizeOf(type);
        for (int i = 0; i < a.Length; i += size)
        {
            if (!a.AsSpan(i, size).SequenceEqual(b.AsSpan(i, size)) && !(IsNaN(type, a.AsSpan(i, size)) && IsNaN(type, b.AsSpan(i, size))))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNaN(DataType type, ReadOnlySpan<byte> e) => type switch
    {
        DataType.Float32 => float.IsNaN(BitConverter.ToSingle(e)),
        DataType.Float64 => double.IsNaN(BitConverter.ToDouble(e)),
        DataType.Float16 => Half.IsNaN(BitConverter.ToHalf(e)),
        DataType.BFloat16 => float.IsNaN(BitConverter.Int32BitsToSingle(BitConverter.ToUInt16(e) << 16)),
        _ => false,
    };

    [Test]
    public async Task EveryTypeAndOpOverWorldSizesTwoToFiveIsExactAndBitIdentical()
    {
        var random = new Random(1234);
        foreach (int world in new[] { 2, 3, 5 })
        {
            await using RingHarness ring = await RingHarness.CreateAsync(world, SmallStripes);
            foreach (DataType type in KernelTestData.AllTypes)
            {
                foreach (ReduceOp op in KernelTestData.AllOps)
                {
                    int[] counts = [0, 1, world - 1, 3001];
                    int count = counts[random.Next(counts.Length)];
                    bool inPlace = random.Next(2) == 0;
                    var inputs = Enumerable.Range(0, world).Select(_ => KernelTestData.RandomBuffer(type, count, random)).ToArray();
                    byte[][] outputs = await ring.AllReduceAsync(type, op, inputs, inPlace, pieceBytes: 1024);
                    byte[] expected = ExpectedResult(type, op, inputs);
                    for (int r = 0; r < world; r++)
                    {
                        Assert.That(outputs[r], Is.EqualTo(outputs[0]), $"peer {r} differs from peer 0 ({type} {op} n={count} W={world})");
                    }

                    Assert.That(SameValues(type, outputs[0], expected), Is.True, $"{type} {op} n={count} W={world} in-place={inPlace}");
                }
            }
        }
    }

    [Test]
    public async Task LargeFloatSumWithManyPiecesMatchesTheRingOrderReference()
    {
        await using RingHarness ring = await RingHarness.CreateAsync(4, TransportOptions.Default with { PoolSize = 4 });
        var random = new Random(5);
        int count = (3 << 20) + 17;
        var inputs = Enumerable.Range(0, 4).Select(_ => KernelTestData.RandomBuffer(DataType.Float32, count, random)).ToArray();
        byte[][] outputs = await ring.AllReduceAsync(DataType.Float32, ReduceOp.Sum, inputs, inPlace: false, pieceBytes: 256 << 10);
        Assert.That(SameValues(DataType.Float32, outputs[0], ExpectedResult(DataType.Float32, ReduceOp.Sum, inputs)), Is.True);
        Assert.That(outputs.All(o => o.AsSpan().SequenceEqual(outputs[0])), Is.True);
    }

    [Test]
    public async Task ConsecutiveRunsReuseTheLinks()
    {
        await using RingHarness ring = await RingHarness.CreateAsync(3, SmallStripes);
        var random = new Random(9);
        for (int i = 0; i < 20; i++)
        {
            var inputs = Enumerable.Range(0, 3).Select(_ => KernelTestData.RandomBuffer(DataType.Int32, 1000 + i, random)).ToArray();
            byte[][] outputs = await ring.AllReduceAsync(DataType.Int32, ReduceOp.Sum, inputs, inPlace: i % 2 == 0, pieceBytes: 512);
            Assert.That(outputs[1], Is.EqualTo(ExpectedResult(DataType.Int32, ReduceOp.Sum, inputs)));
        }
    }
}
