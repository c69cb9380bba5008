using System.Numerics;
using System.Runtime.InteropServices;
using Collectives.Algorithms.Kernels;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Algorithms;

/// <summary>The owner's last step: Avg divides (truncating for integers, true division for floats), others only narrow.</summary>
public class ReduceKernelsFinalizeTests
{
    [Test]
    public void IntegerAverageTruncatesTowardZero()
    {
        Assert.Multiple(() =>
        {
            AssertAverages(DataType.Int32, 2, [-7, 7, int.MinValue, int.MaxValue, -1], [-3, 3, -1_073_741_824, 1_073_741_823, 0]);
            AssertAverages(DataType.Int64, 2, [-1L, long.MinValue, -3L], [0L, long.MinValue / 2, -1L]);
            AssertAverages(DataType.UInt64, 3, [ulong.MaxValue, 2ul], [0x5555_5555_5555_5555ul, 0ul]);
            AssertAverages(DataType.UInt64, 2, [0xFFFF_FFFF_FFFF_FFAAul], [0x7FFF_FFFF_FFFF_FFD5ul]);
            AssertAverages(DataType.UInt32, 2, [uint.MaxValue], [0x7FFF_FFFFu]);
            AssertAverages(DataType.UInt8, 255, [(byte)255, (byte)254], [(byte)1, (byte)0]);
        });
    }

    [Test]
    public void IntegerAverageOverMorePeersThanTheTypeCanCount()
    {
        Assert.Multiple(() =>
        {
            AssertAverages(DataType.UInt8, 300, [(byte)255, (byte)0], [(byte)0, (byte)0]);
            AssertAverages(DataType.Int8, 128, [sbyte.MinValue, sbyte.MaxValue, (sbyte)-1], [(sbyte)-1, (sbyte)0, (sbyte)0]);
            AssertAverages(DataType.Int8, 129, [sbyte.MinValue], [(sbyte)0]);
            AssertAverages(DataType.Int16, 32_768, [short.MinValue, short.MaxValue], [(short)-1, (short)0]);
            AssertAverages(DataType.UInt16, 70_000, [ushort.MaxValue], [(ushort)0]);
        });
    }

    [Test]
    public void IntegerAverageMatchesInt128Division()
    {
        DataType[] integerTypes = KernelTestData.AllTypes.Where(t => !DataTypes.IsFloatingPoint(t)).ToArray();
        Gen<(DataType Type, int WorldSize, int Length, int Seed)> cases =
            from type in Gen.Elements(integerTypes)
            from worldSize in Gen.OneOf(Gen.Choose(1, 300), Gen.Choose(1, 100_000))
            from length in Gen.Choose(0, 150)
            from seed in Gen.Choose(0, int.MaxValue)
            select (type, worldSize, length, seed);

        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            byte[] accumulator = KernelTestData.RandomBuffer(c.Type, c.Length, new Random(c.Seed));
            var actual = new byte[accumulator.Length];
            ReduceKernels.Finalize(c.Type, ReduceOp.Avg, c.WorldSize, accumulator, actual);
            Assert.That(actual, Is.EqualTo(DivideWithInt128(c.Type, accumulator, c.WorldSize)), $"{c.Type} / {c.WorldSize}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    [Test]
    public void FloatAverageIsTrueDivisionNotAReciprocalProduct()
    {
        var random = new Random(23);
        int reciprocalWouldDiffer = 0;
        foreach (int worldSize in new[] { 3, 7, 10, 12, 1000 })
        {
            float[] sums = Enumerable.Range(0, 257).Select(_ => (float)((random.NextDouble() - 0.5) * 1e6)).ToArray();
            float[] averages = Finalize<float>(DataType.Float32, worldSize, sums);
            double[] doubleSums = Enumerable.Range(0, 257).Select(_ => (random.NextDouble() - 0.5) * 1e12).ToArray();
            double[] doubleAverages = Finalize<double>(DataType.Float64, worldSize, doubleSums);
            for (int i = 0; i < sums.Length; i++)
            {
                Assert.That(averages[i], Is.EqualTo(sums[i] / worldSize), $"float32 {sums[i]} / {worldSize}");
                Assert.That(doubleAverages[i], Is.EqualTo(doubleSums[i] / worldSize), $"float64 {doubleSums[i]} / {worldSize}");
                reciprocalWouldDiffer += sums[i] * (1f / worldSize) != sums[i] / worldSize ? 1 : 0;
                reciprocalWouldDiffer += doubleSums[i] * (1d / worldSize) != doubleSums[i] / worldSize ? 1 : 0;
            }
        }

        // Guards the test itself: the data must contain values where multiplying by 1/worldSize gives other bits.
        Assert.That(reciprocalWouldDiffer, Is.GreaterThan(0));
    }

    [TestCase(DataType.Float16)]
    [TestCase(DataType.BFloat16)]
    public void SixteenBitAverageDividesInFloat32ThenRoundsOnce(DataType type)
    {
        var random = new Random(29);
        foreach (int worldSize in new[] { 1, 3, 7, 1000 })
        {
            float[] sums = RandomSumsNearRoundingTies(type, worldSize, random);
            ushort[] actual = new ushort[sums.Length];
            ReduceKernels.Finalize(type, ReduceOp.Avg, worldSize, MemoryMarshal.AsBytes(sums.AsSpan()), MemoryMarshal.AsBytes(actual.AsSpan()));
            ushort[] expected = sums.Select(s => ScalarReduceReference.NarrowSixteenBit(type, s / worldSize)).ToArray();
            Assert.That(actual, Is.EqualTo(expected), $"{type} / {worldSize}");

            // Guards the test itself: multiplying by 1/worldSize must give other bits somewhere in this data.
            int reciprocalWouldDiffer = sums.Count(s => ScalarReduceReference.NarrowSixteenBit(type, s * (1f / worldSize)) != ScalarReduceReference.NarrowSixteenBit(type, s / worldSize));
            Assert.That(reciprocalWouldDiffer, worldSize == 1 ? Is.Zero : Is.GreaterThan(0), $"{type} / {worldSize}");
        }
    }

    /// <summary>
    /// Sums whose quotient lands next to a 16-bit rounding tie, where a one-ulp float32 difference (reciprocal
    /// instead of division) flips the rounded result; plus ordinary random sums.
    /// </summary>
    private static float[] RandomSumsNearRoundingTies(DataType type, int worldSize, Random random)
    {
        var sums = new List<float>();
        for (int i = 0; i < 3000; i++)
        {
            ushort bits = (ushort)random.Next(0x0400, 0x3000);
            double low = type == DataType.Float16 ? RoundingReference.HalfToDouble(bits) : RoundingReference.BFloat16ToDouble(bits);
            double high = type == DataType.Float16 ? RoundingReference.HalfToDouble((ushort)(bits + 1)) : RoundingReference.BFloat16ToDouble((ushort)(bits + 1));
            float sum = (float)((low + high) / 2) * worldSize;
            sums.AddRange([MathF.BitDecrement(sum), sum, MathF.BitIncrement(sum)]);
            sums.Add((float)((random.NextDouble() - 0.5) * Math.ScaleB(1, random.Next(-20, 20))));
        }

        return sums.ToArray();
    }

    [TestCase(ReduceOp.Sum)]
    [TestCase(ReduceOp.Prod)]
    [TestCase(ReduceOp.Max)]
    [TestCase(ReduceOp.Min)]
    public void OtherOpsOnlyCopyOrNarrow(ReduceOp op)
    {
        var random = new Random(31);
        foreach (DataType type in KernelTestData.AllTypes)
        {
            DataType accumulatorType = DataTypes.AccumulatorOf(type);
            byte[] accumulator = KernelTestData.RandomBuffer(accumulatorType, 45, random);
            var actual = new byte[45 * DataTypes.SizeOf(type)];
            ReduceKernels.Finalize(type, op, 5, accumulator, actual);

            byte[] expected = accumulatorType == type ? accumulator : NarrowWithReference(type, accumulator);
            KernelTestData.AssertSameElements(type, expected, actual, $"{type} {op}");
        }
    }

    private static byte[] NarrowWithReference(DataType type, byte[] accumulator)
    {
        ushort[] narrowed = MemoryMarshal.Cast<byte, float>(accumulator).ToArray().Select(f => ScalarReduceReference.NarrowSixteenBit(type, f)).ToArray();
        return MemoryMarshal.AsBytes(narrowed.AsSpan()).ToArray();
    }

    private static byte[] DivideWithInt128(DataType type, byte[] accumulator, int worldSize) => type switch
    {
        DataType.UInt8 => DivideWithInt128<byte>(accumulator, worldSize),
        DataType.Int8 => DivideWithInt128<sbyte>(accumulator, worldSize),
        DataType.Int16 => DivideWithInt128<short>(accumulator, worldSize),
        DataType.UInt16 => DivideWithInt128<ushort>(accumulator, worldSize),
        DataType.UInt32 => DivideWithInt128<uint>(accumulator, worldSize),
        DataType.Int32 => DivideWithInt128<int>(accumulator, worldSize),
        DataType.UInt64 => DivideWithInt128<ulong>(accumulator, worldSize),
        _ => DivideWithInt128<long>(accumulator, worldSize),
    };

    private static byte[] DivideWithInt128<T>(byte[] accumulator, int worldSize)
        where T : unmanaged, IBinaryInteger<T>
    {
        T[] quotients = MemoryMarshal.Cast<byte, T>(accumulator).ToArray()
            .Select(v => T.CreateTruncating(Int128.CreateTruncating(v) / worldSize)).ToArray();
        return MemoryMarshal.AsBytes(quotients.AsSpan()).ToArray();
    }

    private static T[] Finalize<T>(DataType type, int worldSize, T[] accumulator)
        where T : unmanaged
    {
        var destination = new T[accumulator.Length];
        ReduceKernels.Finalize(type, ReduceOp.Avg, worldSize, MemoryMarshal.AsBytes(accumulator.AsSpan()), MemoryMarshal.AsBytes(destination.AsSpan()));
        return destination;
    }

    private static void AssertAverages<T>(DataType type, int worldSize, T[] sums, T[] expected)
        where T : unmanaged
    {
        // Repeat the values so that both the vector body and the scalar tail divide them.
        T[] accumulator = Enumerable.Repeat(sums, 13).SelectMany(v => v).ToArray();
        T[] actual = Finalize(type, worldSize, accumulator);
        Assert.That(actual, Is.EqualTo(Enumerable.Repeat(expected, 13).SelectMany(v => v).ToArray()), $"{type} / {worldSize}");
    }
}
