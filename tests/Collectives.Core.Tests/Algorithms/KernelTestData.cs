using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using Collectives.Algorithms.Kernels;
using NUnit.Framework;

namespace Collectives.Tests.Algorithms;

/// <summary>Buffers rich in edge cases, bit-exact comparison, and the kernel sequence a ring chunk goes through.</summary>
internal static class KernelTestData
{
    public static readonly DataType[] AllTypes = Enum.GetValues<DataType>();
    public static readonly ReduceOp[] AllOps = Enum.GetValues<ReduceOp>();
    public static readonly DataType[] AccumulatorTypes = AllTypes.Where(t => DataTypes.AccumulatorOf(t) == t).ToArray();

    private static readonly float[] SpecialFloats =
    [
        float.NaN, -float.NaN, BitConverter.UInt32BitsToSingle(0x7F80_0001), BitConverter.UInt32BitsToSingle(0xFFC0_1234),
        0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -float.Epsilon,
        BitConverter.UInt32BitsToSingle(0x007F_FFFF), float.MaxValue, float.MinValue, 1.17549435e-38f, 1f, -1f,
    ];

    private static readonly double[] SpecialDoubles =
    [
        double.NaN, -double.NaN, BitConverter.UInt64BitsToDouble(0x7FF0_0000_0000_0001), 0d, -0d,
        double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, -double.Epsilon,
        BitConverter.UInt64BitsToDouble(0x000F_FFFF_FFFF_FFFF), double.MaxValue, double.MinValue, 1d, -1d,
    ];

    // float16 and bfloat16 share these shapes: NaNs (quiet, signalling), ±0, ±Inf, smallest/largest denormal, ±max, ±1.
    private static readonly ushort[] SpecialHalves = [0x7E00, 0xFE00, 0x7C01, 0x0000, 0x8000, 0x7C00, 0xFC00, 0x0001, 0x8001, 0x03FF, 0x7BFF, 0xFBFF, 0x3C00, 0xBC00];
    private static readonly ushort[] SpecialBFloat16s = [0x7FC0, 0xFFC0, 0x7F81, 0x0000, 0x8000, 0x7F80, 0xFF80, 0x0001, 0x8001, 0x007F, 0x7F7F, 0xFF7F, 0x3F80, 0xBF80];

    /// <summary>Random elements of <paramref name="type"/>: mostly ordinary values, some raw bit patterns, some specials.</summary>
    public static byte[] RandomBuffer(DataType type, int count, Random random)
    {
        int size = DataTypes.SizeOf(type);
        var buffer = new byte[count * size];
        random.NextBytes(buffer);
        for (int i = 0; i < count; i++)
        {
            Span<byte> element = buffer.AsSpan(i * size, size);
            int dice = random.Next(100);
            if (dice < 70)
            {
                WriteOrdinary(type, element, random);
            }
            else if (dice < 85)
            {
                WriteSpecial(type, element, random);
            }
            // else: keep the random bit pattern.
        }

        return buffer;
    }

    private static void WriteOrdinary(DataType type, Span<byte> element, Random random)
    {
        double value = (random.NextDouble() * 2 - 1) * Math.ScaleB(1, random.Next(-12, 12));
        switch (type)
        {
            case DataType.Float32: MemoryMarshal.Write(element, (float)value); break;
            case DataType.Float64: MemoryMarshal.Write(element, value); break;
            // Test data need not be rounded carefully: any 16-bit pattern of a moderate value will do.
            case DataType.Float16: MemoryMarshal.Write(element, BitConverter.HalfToUInt16Bits((Half)value)); break;
            case DataType.BFloat16: MemoryMarshal.Write(element, (ushort)(BitConverter.SingleToUInt32Bits((float)value) >> 16)); break;
            default:
                // Small integers make sums and products meaningful; the raw patterns and specials cover wrapping.
                long small = random.Next(-100, 100);
                for (int b = 0; b < element.Length; b++)
                {
                    element[b] = (byte)(small >> (8 * b));
                }

                break;
        }
    }

    private static void WriteSpecial(DataType type, Span<byte> element, Random random)
    {
        switch (type)
        {
            case DataType.Float32: MemoryMarshal.Write(element, SpecialFloats[random.Next(SpecialFloats.Length)]); break;
            case DataType.Float64: MemoryMarshal.Write(element, SpecialDoubles[random.Next(SpecialDoubles.Length)]); break;
            case DataType.Float16: MemoryMarshal.Write(element, SpecialHalves[random.Next(SpecialHalves.Length)]); break;
            case DataType.BFloat16: MemoryMarshal.Write(element, SpecialBFloat16s[random.Next(SpecialBFloat16s.Length)]); break;
            default:
                byte[][] patterns = IntegerSpecials[BitOperations.Log2((uint)element.Length)];
                patterns[random.Next(patterns.Length)].CopyTo(element);
                break;
        }
    }

    // Minimum, maximum, zero, one and all ones (−1 or the unsigned maximum) of every integer width, little-endian,
    // indexed by log2 of the element size.
    private static readonly byte[][][] IntegerSpecials = [.. new[] { 1, 2, 4, 8 }.Select(IntegerSpecialsOfSize)];

    private static byte[][] IntegerSpecialsOfSize(int size) =>
    [
        Pattern(size, 0x00, 0x80), Pattern(size, 0xFF, 0x7F), Pattern(size, 0x00, 0x00),
        Pattern(size, 0xFF, 0xFF), Pattern(size, 0x00, 0x00, first: 0x01),
    ];

    private static byte[] Pattern(int length, byte fill, byte top, byte? first = null)
    {
        var bytes = new byte[length];
        bytes.AsSpan().Fill(fill);
        bytes[^1] = top;
        if (first is { } low)
        {
            bytes[0] = low;
        }

        return bytes;
    }

    /// <summary>A fresh buffer whose data starts <paramref name="offset"/> bytes into its array, to exercise unaligned access.</summary>
    public static Memory<byte> Unaligned(ReadOnlySpan<byte> content, int offset)
    {
        var array = new byte[content.Length + offset];
        content.CopyTo(array.AsSpan(offset));
        return array.AsMemory(offset, content.Length);
    }

    public static bool IsNaN(DataType type, ReadOnlySpan<byte> element) => type switch
    {
        DataType.Float32 => float.IsNaN(BinaryPrimitives.ReadSingleLittleEndian(element)),
        DataType.Float64 => double.IsNaN(BinaryPrimitives.ReadDoubleLittleEndian(element)),
        DataType.Float16 => (BinaryPrimitives.ReadUInt16LittleEndian(element) & 0x7FFF) > 0x7C00,
        DataType.BFloat16 => (BinaryPrimitives.ReadUInt16LittleEndian(element) & 0x7FFF) > 0x7F80,
        _ => false,
    };

    /// <summary>Element-wise bit equality, where two NaNs count as equal whatever their payloads.</summary>
    public static void AssertSameElements(DataType type, ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string context)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), context);
        int size = DataTypes.SizeOf(type);
        for (int offset = 0; offset < expected.Length; offset += size)
        {
            ReadOnlySpan<byte> e = expected.Slice(offset, size);
            ReadOnlySpan<byte> a = actual.Slice(offset, size);
            if (e.SequenceEqual(a) || (IsNaN(type, e) && IsNaN(type, a)))
            {
                continue;
            }

            Assert.Fail($"{context}: element {offset / size} expected {Convert.ToHexString(e)} but was {Convert.ToHexString(a)}");
        }
    }

    /// <summary>
    /// What a ring does to one chunk: widen the first contribution, fold every further one in with CombineInput
    /// (in place and out of place, alternately), and let the owner finalize. Buffers start at odd offsets.
    /// </summary>
    public static byte[] ReduceWithKernels(DataType type, ReduceOp op, IReadOnlyList<byte[]> inputsInOrder, int offset)
    {
        DataType accumulatorType = DataTypes.AccumulatorOf(type);
        int count = inputsInOrder[0].Length / DataTypes.SizeOf(type);
        int accumulatorBytes = count * DataTypes.SizeOf(accumulatorType);
        Memory<byte> accumulator = Unaligned(new byte[accumulatorBytes], offset % 8);
        Memory<byte> spare = Unaligned(new byte[accumulatorBytes], (offset + 3) % 8);
        ReduceKernels.Widen(type, Unaligned(inputsInOrder[0], (offset + 1) % 8).Span, accumulator.Span);
        for (int peer = 1; peer < inputsInOrder.Count; peer++)
        {
            ReadOnlySpan<byte> input = Unaligned(inputsInOrder[peer], (offset + peer) % 8).Span;
            if (peer % 2 == 1)
            {
                ReduceKernels.CombineInput(type, op, input, accumulator.Span, accumulator.Span);
            }
            else
            {
                ReduceKernels.CombineInput(type, op, input, accumulator.Span, spare.Span);
                (accumulator, spare) = (spare, accumulator);
            }
        }

        Memory<byte> result = Unaligned(new byte[inputsInOrder[0].Length], (offset + 5) % 8);
        ReduceKernels.Finalize(type, op, inputsInOrder.Count, accumulator.Span, result.Span);
        return result.ToArray();
    }

    public static List<byte[]> RandomInputs(DataType type, int count, int worldSize, Random random) =>
        Enumerable.Range(0, worldSize).Select(_ => RandomBuffer(type, count, random)).ToList();
}
