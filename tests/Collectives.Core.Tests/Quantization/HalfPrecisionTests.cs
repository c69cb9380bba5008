using Collectives.Quantization;
using NUnit.Framework;
using FsCheck;
using System.Runtime.InteropServices;
using FsCheck.Fluent;

namespace Collectives.Tests.Quantization;

/// <summary>float16/bfloat16 ↔ float32 conversions: exact widening, round-to-nearest-even narrowing, same at every width.</summary>
public class HalfPrecisionTests
{
    private static readonly uint[] EdgeBits =
    [
        0x0000_0000, 0x8000_0000, 0x3F80_8000, 0x3F81_8000, 0x3F80_8001, 0x3F80_7FFF, 0x7F7F_FFFF, 0xFF7F_FFFF,
        0x7F7F_7FFF, 0x7F7F_8000, 0x0000_0001, 0x0080_8000, 0x007F_FFFF, 0x7F80_0000, 0xFF80_0000, 0x7FC0_0000,
        0xFFC0_0000, 0x7F80_0001, 0x7FBF_FFFF, 0x477F_F000, 0x477F_E000, 0x3380_0000, 0x3300_0001,
    ];

    private static Gen<float[]> Floats() =>
        from bits in Gen.Frequency(
            (1, Gen.Elements(EdgeBits)),
            (3, ArbMap.Default.ArbFor<uint>().Generator))
        let value = BitConverter.UInt32BitsToSingle(bits)
        from count in Gen.Choose(0, 90)
        from rest in Gen.ArrayOf(Gen.Choose(int.MinValue, int.MaxValue).Select(i => BitConverter.Int32BitsToSingle(i)), count)
        select rest.Prepend(value).ToArray();

    [Test]
    public void BFloat16NarrowingRoundsToNearestEvenAtEveryWidth()
    {
        Prop.ForAll(Floats().ToArbitrary(), values =>
        {
            byte[] expected = [.. values.SelectMany(v => BitConverter.GetBytes(ReferenceRounding.ToBFloat16(v)))];
            foreach (KernelWidth width in Widths.Vector.Prepend(KernelWidth.Scalar))
            {
                var actual = new byte[values.Length * 2];
                HalfPrecision.Narrow(DataType.BFloat16, values, actual, width);
                Assert.That(actual, Is.EqualTo(expected), width.ToString());
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200).WithQuietOnSuccess(true));
    }

    [Test]
    public void EdgeBitsEachNarrowToTheReference()
    {
        foreach (uint bits in EdgeBits)
        {
            float value = BitConverter.UInt32BitsToSingle(bits);
            Assert.That(HalfPrecision.ToBFloat16(value), Is.EqualTo(ReferenceRounding.ToBFloat16(value)), $"0x{bits:X8}");
        }

        Assert.That(HalfPrecision.ToBFloat16(BitConverter.UInt32BitsToSingle(0x3F80_8000)), Is.EqualTo(0x3F80), "tie to even, down");
        Assert.That(HalfPrecision.ToBFloat16(BitConverter.UInt32BitsToSingle(0x3F81_8000)), Is.EqualTo(0x3F82), "tie to even, up");
        Assert.That(HalfPrecision.ToBFloat16(float.MaxValue), Is.EqualTo(0x7F80), "overflow to +∞");
    }

    [Test]
    public void Float16NarrowingMatchesTheHalfCastAtEveryWidth()
    {
        Prop.ForAll(Floats().ToArbitrary(), values =>
        {
            byte[] expected = [.. values.SelectMany(v => BitConverter.GetBytes(BitConverter.HalfToUInt16Bits((Half)v)))];
            foreach (KernelWidth width in Widths.Vector.Prepend(KernelWidth.Scalar))
            {
                var actual = new byte[values.Length * 2];
                HalfPrecision.Narrow(DataType.Float16, values, actual, width);
                Assert.That(actual, Is.EqualTo(expected), width.ToString());
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200).WithQuietOnSuccess(true));
    }

    [Test]
    public void WideningIsExactAtEveryWidth()
    {
        var halves = new byte[ushort.MaxValue + 1 << 1];
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            BitConverter.TryWriteBytes(halves.AsSpan(bits * 2), (ushort)bits);
        }

        uint[] expectedHalf = [.. Enumerable.Range(0, ushort.MaxValue + 1).Select(b => BitConverter.SingleToUInt32Bits((float)BitConverter.UInt16BitsToHalf((ushort)b)))];
        uint[] expectedBFloat = [.. Enumerable.Range(0, ushort.MaxValue + 1).Select(b => (uint)b << 16)];
        foreach (KernelWidth width in Widths.Vector.Prepend(KernelWidth.Scalar))
        {
            var fromHalf = new float[ushort.MaxValue + 1];
            var fromBFloat = new float[ushort.MaxValue + 1];
            HalfPrecision.Widen(DataType.Float16, halves, fromHalf, width);
            HalfPrecision.Widen(DataType.BFloat16, halves, fromBFloat, width);
            Assert.That(FirstMismatch(fromHalf, expectedHalf), Is.EqualTo(-1), $"{width} float16: first wrong bit pattern");
            Assert.That(FirstMismatch(fromBFloat, expectedBFloat), Is.EqualTo(-1), $"{width} bfloat16: first wrong bit pattern");
        }
    }

    private static int FirstMismatch(float[] actual, uint[] expectedBits)
    {
        int length = MemoryMarshal.Cast<float, uint>(actual).CommonPrefixLength(expectedBits);
        return length == expectedBits.Length ? -1 : length;
    }
}
