using System.Numerics;
using System.Runtime.InteropServices;
using Collectives.Algorithms.Kernels;
using NUnit.Framework;

namespace Collectives.Tests.Algorithms;

/// <summary>Hand-checked examples of the reduction rules: wrapping integers, signedness, NaN and signed zeros.</summary>
public class ReduceKernelsSemanticsTests
{
    // Long enough that the vector body and the scalar tail both see the pair.
    private const int Repeats = 37;

    [Test]
    public void IntegersWrapOnOverflow()
    {
        Assert.Multiple(() =>
        {
            AssertCombines(DataType.UInt8, ReduceOp.Sum, (byte)200, (byte)100, (byte)44);
            AssertCombines(DataType.Int8, ReduceOp.Sum, (sbyte)127, (sbyte)1, sbyte.MinValue);
            AssertCombines(DataType.Int8, ReduceOp.Prod, sbyte.MinValue, (sbyte)-1, sbyte.MinValue);
            AssertCombines(DataType.UInt8, ReduceOp.Prod, (byte)16, (byte)16, (byte)0);
            AssertCombines(DataType.Int16, ReduceOp.Prod, (short)256, (short)256, (short)0);
            AssertCombines(DataType.UInt16, ReduceOp.Sum, ushort.MaxValue, (ushort)2, (ushort)1);
            AssertCombines(DataType.UInt32, ReduceOp.Prod, 0x1_0000u, 0x1_0000u, 0u);
            AssertCombines(DataType.Int32, ReduceOp.Sum, int.MaxValue, 1, int.MinValue);
            AssertCombines(DataType.UInt64, ReduceOp.Sum, ulong.MaxValue, 1ul, 0ul);
            AssertCombines(DataType.Int64, ReduceOp.Prod, long.MinValue, -1L, long.MinValue);
            AssertCombines(DataType.Int64, ReduceOp.Avg, long.MaxValue, 1L, long.MinValue);
        });
    }

    [Test]
    public void IntegerMaxAndMinRespectSignedness()
    {
        Assert.Multiple(() =>
        {
            AssertCombines(DataType.Int8, ReduceOp.Max, (sbyte)-1, (sbyte)1, (sbyte)1);
            AssertCombines(DataType.UInt8, ReduceOp.Max, (byte)0xFF, (byte)1, (byte)0xFF);
            AssertCombines(DataType.Int16, ReduceOp.Min, short.MinValue, (short)0, short.MinValue);
            AssertCombines(DataType.UInt16, ReduceOp.Min, (ushort)0x8000, (ushort)1, (ushort)1);
            AssertCombines(DataType.Int32, ReduceOp.Min, -5, 3, -5);
            AssertCombines(DataType.UInt32, ReduceOp.Max, 0x8000_0000u, 1u, 0x8000_0000u);
            AssertCombines(DataType.Int64, ReduceOp.Max, long.MinValue, -2L, -2L);
            AssertCombines(DataType.UInt64, ReduceOp.Max, 1ul << 63, 1ul, 1ul << 63);
        });
    }

    private static readonly DataType[] FloatTypes = [DataType.Float32, DataType.Float64, DataType.Float16, DataType.BFloat16];

    // (op, a, b, expected) with exactly representable values; NaN means "some NaN".
    private static readonly (ReduceOp Op, double A, double B, double Expected)[] FloatCases =
    [
        (ReduceOp.Max, double.NaN, 1, double.NaN),
        (ReduceOp.Max, 1, double.NaN, double.NaN),
        (ReduceOp.Max, double.NegativeInfinity, double.NaN, double.NaN),
        (ReduceOp.Min, double.NaN, double.NegativeInfinity, double.NaN),
        (ReduceOp.Min, 2, double.NaN, double.NaN),
        (ReduceOp.Max, -0.0, 0.0, 0.0),
        (ReduceOp.Max, 0.0, -0.0, 0.0),
        (ReduceOp.Min, -0.0, 0.0, -0.0),
        (ReduceOp.Min, 0.0, -0.0, -0.0),
        (ReduceOp.Max, double.PositiveInfinity, 3, double.PositiveInfinity),
        (ReduceOp.Min, double.NegativeInfinity, -3, double.NegativeInfinity),
        (ReduceOp.Sum, double.PositiveInfinity, double.NegativeInfinity, double.NaN),
        (ReduceOp.Sum, -0.0, -0.0, -0.0),
        (ReduceOp.Sum, -0.0, 0.0, 0.0),
        (ReduceOp.Prod, 0.0, double.PositiveInfinity, double.NaN),
        (ReduceOp.Prod, -0.0, 5, -0.0),
        (ReduceOp.Avg, double.NaN, 1, double.NaN),
        (ReduceOp.Avg, -0.0, -0.0, -0.0),
    ];

    [Test]
    public void FloatMaxMinPropagateNaNAndOrderSignedZeros([ValueSource(nameof(FloatTypes))] DataType type)
    {
        Assert.Multiple(() =>
        {
            foreach ((ReduceOp op, double a, double b, double expected) in FloatCases)
            {
                byte[] result = KernelTestData.ReduceWithKernels(type, op, [Repeat(type, a), Repeat(type, b)], offset: 1);
                byte[] wanted = Repeat(type, expected);
                KernelTestData.AssertSameElements(type, wanted, result, $"{type} {op}({a}, {b})");
                if (double.IsNaN(expected))
                {
                    Assert.That(KernelTestData.IsNaN(type, result), Is.True, $"{type} {op}({a}, {b}) must be NaN");
                }
            }
        });
    }

    [Test]
    public void DenormalsAreNotFlushed([ValueSource(nameof(FloatTypes))] DataType type)
    {
        // The smallest positive denormal of each type plus itself is the next denormal, not zero.
        double smallest = type switch
        {
            DataType.Float32 => float.Epsilon,
            DataType.Float64 => double.Epsilon,
            DataType.Float16 => Math.ScaleB(1, -24),
            _ => Math.ScaleB(1, -133),
        };
        byte[] result = KernelTestData.ReduceWithKernels(type, ReduceOp.Sum, [Repeat(type, smallest), Repeat(type, smallest)], offset: 0);
        KernelTestData.AssertSameElements(type, Repeat(type, 2 * smallest), result, type.ToString());
    }

    private static byte[] Repeat(DataType type, double value)
    {
        int size = DataTypes.SizeOf(type);
        var buffer = new byte[Repeats * size];
        for (int i = 0; i < Repeats; i++)
        {
            Span<byte> element = buffer.AsSpan(i * size, size);
            switch (type)
            {
                case DataType.Float32: MemoryMarshal.Write(element, (float)value); break;
                case DataType.Float64: MemoryMarshal.Write(element, value); break;
                case DataType.Float16: MemoryMarshal.Write(element, RoundingReference.ToHalfBits(value)); break;
                default: MemoryMarshal.Write(element, RoundingReference.ToBFloat16Bits(value)); break;
            }
        }

        return buffer;
    }

    private static void AssertCombines<T>(DataType type, ReduceOp op, T a, T b, T expected)
        where T : unmanaged, INumber<T>
    {
        T[] input = Enumerable.Repeat(a, Repeats).ToArray();
        T[] incoming = Enumerable.Repeat(b, Repeats).ToArray();
        var destination = new T[Repeats];
        ReduceKernels.CombineInput(type, op, MemoryMarshal.AsBytes(input.AsSpan()), MemoryMarshal.AsBytes(incoming.AsSpan()), MemoryMarshal.AsBytes(destination.AsSpan()));
        Assert.That(destination, Is.All.EqualTo(expected), $"{type} {op}({a}, {b})");
    }
}
