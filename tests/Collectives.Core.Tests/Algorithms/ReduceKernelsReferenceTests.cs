using Collectives.Algorithms.Kernels;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Algorithms;

/// <summary>The vectorized kernels give the same bits as <see cref="ScalarReduceReference"/> for every type, op and length.</summary>
public class ReduceKernelsReferenceTests
{
    private static readonly int[] LargeOddLengths = [1023, 4099];

    [Test]
    public void EveryTypeOpAndShortLengthMatchesTheReference()
    {
        var random = new Random(20260101);
        foreach (DataType type in KernelTestData.AllTypes)
        {
            foreach (ReduceOp op in KernelTestData.AllOps)
            {
                for (int length = 0; length <= 70; length++)
                {
                    int worldSize = 1 + length % 4;
                    AssertMatchesReference(type, op, KernelTestData.RandomInputs(type, length, worldSize, random), offset: length);
                }
            }
        }
    }

    [Test]
    public void LargeOddLengthsMatchTheReference()
    {
        var random = new Random(7);
        foreach (DataType type in KernelTestData.AllTypes)
        {
            foreach (ReduceOp op in KernelTestData.AllOps)
            {
                foreach (int length in LargeOddLengths)
                {
                    AssertMatchesReference(type, op, KernelTestData.RandomInputs(type, length, 3, random), offset: length);
                }
            }
        }
    }

    // Past 256 KiB TensorPrimitives switches to non-temporal stores; a few combinations cover that path for each width.
    [TestCase(DataType.UInt8, ReduceOp.Prod)]
    [TestCase(DataType.Int16, ReduceOp.Min)]
    [TestCase(DataType.Float32, ReduceOp.Sum)]
    [TestCase(DataType.Float64, ReduceOp.Max)]
    [TestCase(DataType.Float16, ReduceOp.Avg)]
    [TestCase(DataType.BFloat16, ReduceOp.Sum)]
    public void BuffersBeyondTheNonTemporalThresholdMatchTheReference(DataType type, ReduceOp op)
    {
        int length = 262_147;
        AssertMatchesReference(type, op, KernelTestData.RandomInputs(type, length, 2, new Random(3)), offset: 1);
    }

    [Test]
    public void RandomReductionsMatchTheReference()
    {
        Gen<ReductionCase> cases =
            from type in Gen.Elements(KernelTestData.AllTypes)
            from op in Gen.Elements(KernelTestData.AllOps)
            from length in Gen.Choose(0, 700)
            from worldSize in Gen.Choose(1, 6)
            from seed in Gen.Choose(0, int.MaxValue)
            from offset in Gen.Choose(0, 7)
            select new ReductionCase(type, op, length, worldSize, seed, offset);

        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var inputs = KernelTestData.RandomInputs(c.Type, c.Length, c.WorldSize, new Random(c.Seed));
            AssertMatchesReference(c.Type, c.Op, inputs, c.Offset);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Test]
    public void AccumulateMatchesTheReferenceForEveryAccumulatorTypeAndLength()
    {
        var random = new Random(99);
        foreach (DataType type in KernelTestData.AccumulatorTypes)
        {
            foreach (ReduceOp op in KernelTestData.AllOps)
            {
                foreach (int length in Enumerable.Range(0, 71).Concat(LargeOddLengths))
                {
                    byte[] accumulator = KernelTestData.RandomBuffer(type, length, random);
                    byte[] incoming = KernelTestData.RandomBuffer(type, length, random);
                    byte[] expected = ScalarReduceReference.Combine(type, op, accumulator, incoming);

                    Memory<byte> actual = KernelTestData.Unaligned(accumulator, length % 8);
                    ReduceKernels.Accumulate(type, op, actual.Span, KernelTestData.Unaligned(incoming, (length + 3) % 8).Span);

                    KernelTestData.AssertSameElements(type, expected, actual.Span, $"{type} {op} length {length}");
                }
            }
        }
    }

    [Test]
    public void AccumulateWithItselfMatchesTheReference()
    {
        var random = new Random(5);
        foreach (DataType type in KernelTestData.AccumulatorTypes)
        {
            foreach (ReduceOp op in KernelTestData.AllOps)
            {
                byte[] values = KernelTestData.RandomBuffer(type, 131, random);
                byte[] expected = ScalarReduceReference.Combine(type, op, values, values);

                byte[] actual = values.ToArray();
                ReduceKernels.Accumulate(type, op, actual, actual);

                KernelTestData.AssertSameElements(type, expected, actual, $"{type} {op}");
            }
        }
    }

    [Test]
    public void InPlaceCombineInputEqualsOutOfPlace()
    {
        var random = new Random(11);
        foreach (DataType type in KernelTestData.AllTypes)
        {
            DataType accumulatorType = DataTypes.AccumulatorOf(type);
            foreach (ReduceOp op in KernelTestData.AllOps)
            {
                byte[] input = KernelTestData.RandomBuffer(type, 257, random);
                byte[] incoming = KernelTestData.RandomBuffer(accumulatorType, 257, random);
                var outOfPlace = new byte[incoming.Length];
                ReduceKernels.CombineInput(type, op, input, incoming, outOfPlace);

                byte[] inPlace = incoming.ToArray();
                ReduceKernels.CombineInput(type, op, input, inPlace, inPlace);
                KernelTestData.AssertSameElements(accumulatorType, outOfPlace, inPlace, $"{type} {op} destination = incoming");

                if (accumulatorType == type)
                {
                    byte[] overInput = input.ToArray();
                    ReduceKernels.CombineInput(type, op, overInput, incoming, overInput);
                    KernelTestData.AssertSameElements(type, outOfPlace, overInput, $"{type} {op} destination = input");
                }
            }
        }
    }

    [Test]
    public void FinalizeInPlaceEqualsOutOfPlace()
    {
        var random = new Random(13);
        foreach (DataType type in KernelTestData.AccumulatorTypes)
        {
            foreach (ReduceOp op in KernelTestData.AllOps)
            {
                byte[] accumulator = KernelTestData.RandomBuffer(type, 77, random);
                var outOfPlace = new byte[accumulator.Length];
                ReduceKernels.Finalize(type, op, 3, accumulator, outOfPlace);

                byte[] inPlace = accumulator.ToArray();
                ReduceKernels.Finalize(type, op, 3, inPlace, inPlace);

                KernelTestData.AssertSameElements(type, outOfPlace, inPlace, $"{type} {op}");
            }
        }
    }

    [Test]
    public void WidenIsExact()
    {
        var random = new Random(17);
        foreach (DataType type in KernelTestData.AllTypes)
        {
            byte[] input = KernelTestData.RandomBuffer(type, 300, random);
            DataType accumulatorType = DataTypes.AccumulatorOf(type);
            var widened = new byte[300 * DataTypes.SizeOf(accumulatorType)];
            ReduceKernels.Widen(type, input, widened);

            byte[] expected = accumulatorType == type ? input : WidenWithReference(type, input);
            Assert.That(widened, Is.EqualTo(expected), type.ToString());
        }
    }

    private static byte[] WidenWithReference(DataType type, byte[] input)
    {
        var result = new byte[input.Length * 2];
        for (int i = 0; i < input.Length / 2; i++)
        {
            float value = ScalarReduceReference.WidenSixteenBit(type, BitConverter.ToUInt16(input, 2 * i));
            if (float.IsNaN(value))
            {
                // The reference decodes through double and loses NaN payloads; widening must keep them bit for bit.
                value = BitConverter.UInt32BitsToSingle(type == DataType.BFloat16
                    ? (uint)BitConverter.ToUInt16(input, 2 * i) << 16
                    : BitConverter.SingleToUInt32Bits((float)BitConverter.ToHalf(input, 2 * i)));
            }

            BitConverter.TryWriteBytes(result.AsSpan(4 * i), value);
        }

        return result;
    }

    private static void AssertMatchesReference(DataType type, ReduceOp op, List<byte[]> inputs, int offset)
    {
        byte[] expected = ScalarReduceReference.Reduce(type, op, inputs);
        byte[] actual = KernelTestData.ReduceWithKernels(type, op, inputs, offset);
        KernelTestData.AssertSameElements(type, expected, actual, $"{type} {op} length {expected.Length / DataTypes.SizeOf(type)} world {inputs.Count}");
    }

    private sealed record ReductionCase(DataType Type, ReduceOp Op, int Length, int WorldSize, int Seed, int Offset);
}
