using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Collectives.Algorithms.Kernels;
using NUnit.Framework;

namespace Collectives.Tests.Algorithms;

/// <summary>
/// float32 → float16/bfloat16 rounding (nearest, ties to even, overflow to ±Inf, denormals kept, NaN stays a
/// quiet NaN) checked against <see cref="RoundingReference"/>, which works from first principles in double;
/// and the bfloat16 conversion's vector and scalar paths agree bit for bit.
/// </summary>
public class SixteenBitRoundingTests
{
    // Low halves of a float32 that sit at, around and far from a bfloat16 rounding boundary.
    private static readonly uint[] BFloat16LowHalves = [0x0000, 0x0001, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0x4000, 0xC000];

    [Test]
    public void BFloat16NarrowingRoundsToNearestEven()
    {
        float[] values = BFloat16Boundaries();
        ushort[] actual = NarrowWithKernel(DataType.BFloat16, values);
        for (int i = 0; i < values.Length; i++)
        {
            AssertRoundedLike(RoundingReference.ToBFloat16Bits(values[i]), actual[i], values[i], isNaN: b => (b & 0x7FFF) > 0x7F80);
        }
    }

    [Test]
    public void HalfNarrowingRoundsToNearestEven()
    {
        float[] values = HalfBoundaries();
        ushort[] actual = NarrowWithKernel(DataType.Float16, values);
        for (int i = 0; i < values.Length; i++)
        {
            AssertRoundedLike(RoundingReference.ToHalfBits(values[i]), actual[i], values[i], isNaN: b => (b & 0x7FFF) > 0x7C00);
        }
    }

    [Test]
    public void BFloat16NaNsStayQuietNaNsWithTheirSign()
    {
        // Truncating 0x7F800001 would give 0x7F80, +Inf: the NaN must survive, quiet, whatever its payload.
        uint[] nanBits = [0x7F80_0001, 0xFF80_0001, 0x7F80_FFFF, 0x7FC0_0000, 0xFFFF_FFFF, 0x7FBF_FFFF];
        float[] values = nanBits.Select(BitConverter.UInt32BitsToSingle).ToArray();
        ushort[] actual = NarrowWithKernel(DataType.BFloat16, values);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.That(actual[i] & 0x7FC0, Is.EqualTo(0x7FC0), $"{nanBits[i]:X8} → {actual[i]:X4} is not a quiet NaN");
            Assert.That(actual[i] & 0x8000, Is.EqualTo((nanBits[i] >> 16) & 0x8000), $"{nanBits[i]:X8} → {actual[i]:X4} lost its sign");
        }
    }

    [Test]
    public void BFloat16WideningPathsAgreeOnEveryPattern()
    {
        ushort[] all = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        float[] expected = all.Select(b => BitConverter.UInt32BitsToSingle((uint)b << 16)).ToArray();
        foreach ((string name, Action<ReadOnlySpan<ushort>, Span<float>> widen) in WideningPaths())
        {
            // Odd offsets and lengths make every path take its scalar tail too.
            var actual = new float[all.Length - 3];
            widen(all.AsSpan(1, all.Length - 3), actual);
            int mismatch = MemoryMarshal.AsBytes(actual.AsSpan()).CommonPrefixLength(MemoryMarshal.AsBytes(expected.AsSpan(1, actual.Length)));
            Assert.That(mismatch, Is.EqualTo(actual.Length * sizeof(float)), $"{name}: first difference at byte {mismatch}");
        }
    }

    [Test]
    public void BFloat16NarrowingPathsAgreeBitForBit()
    {
        float[] values = BFloat16Boundaries();
        var scalar = new ushort[values.Length];
        BFloat16Conversion.NarrowScalar(values, scalar, 0);
        foreach ((string name, Action<ReadOnlySpan<float>, Span<ushort>> narrow) in NarrowingPaths())
        {
            for (int skip = 0; skip < 3; skip++)
            {
                var actual = new ushort[values.Length - skip];
                narrow(values.AsSpan(skip), actual);
                int mismatch = actual.AsSpan().CommonPrefixLength(scalar.AsSpan(skip));
                Assert.That(mismatch, Is.EqualTo(actual.Length), $"{name} from {skip}: first difference at {mismatch}");
            }
        }
    }

    private static IEnumerable<(string, Action<ReadOnlySpan<ushort>, Span<float>>)> WideningPaths()
    {
        yield return ("scalar", (s, d) => BFloat16Conversion.WidenScalar(s, d, 0));
        yield return ("dispatch", BFloat16Conversion.Widen);
        if (Vector128.IsHardwareAccelerated)
        {
            yield return ("Vector128", BFloat16Conversion.WidenVector128);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            yield return ("Vector256", BFloat16Conversion.WidenVector256);
        }
    }

    private static IEnumerable<(string, Action<ReadOnlySpan<float>, Span<ushort>>)> NarrowingPaths()
    {
        yield return ("dispatch", BFloat16Conversion.Narrow);
        if (Vector128.IsHardwareAccelerated)
        {
            yield return ("Vector128", BFloat16Conversion.NarrowVector128);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            yield return ("Vector256", BFloat16Conversion.NarrowVector256);
        }
    }

    /// <summary>Every bfloat16 pattern (both signs, all exponents, NaN and Inf included) with each low half.</summary>
    private static float[] BFloat16Boundaries()
    {
        var values = new float[65536 * BFloat16LowHalves.Length];
        int n = 0;
        for (uint high = 0; high < 65536; high++)
        {
            foreach (uint low in BFloat16LowHalves)
            {
                values[n++] = BitConverter.UInt32BitsToSingle((high << 16) | low);
            }
        }

        return values;
    }

    /// <summary>Every exact tie between neighbouring float16 values (including max/Inf), one float32 ulp on each side, random values.</summary>
    private static float[] HalfBoundaries()
    {
        var values = new List<float>();
        for (int bits = 0; bits < 0x7C00; bits++)
        {
            double low = RoundingReference.HalfToDouble((ushort)bits);
            double high = bits == 0x7BFF ? 65536 : RoundingReference.HalfToDouble((ushort)(bits + 1));
            float tie = (float)((low + high) / 2);
            foreach (float value in new[] { tie, MathF.BitDecrement(tie), MathF.BitIncrement(tie), (float)low })
            {
                values.Add(value);
                values.Add(-value);
            }
        }

        var random = new Random(37);
        for (int i = 0; i < 100_000; i++)
        {
            values.Add(BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32)));
        }

        values.AddRange([float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.Epsilon, 65519.996f, 65520f]);
        return values.ToArray();
    }

    private static ushort[] NarrowWithKernel(DataType type, float[] values)
    {
        var result = new ushort[values.Length];
        ReduceKernels.Finalize(type, ReduceOp.Sum, 1, MemoryMarshal.AsBytes(values.AsSpan()), MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }

    private static void AssertRoundedLike(ushort expected, ushort actual, float value, Func<ushort, bool> isNaN)
    {
        if (expected == actual || (isNaN(expected) && isNaN(actual)))
        {
            return;
        }

        Assert.Fail($"{value:R} ({BitConverter.SingleToUInt32Bits(value):X8}) rounded to {actual:X4}, expected {expected:X4}");
    }
}
