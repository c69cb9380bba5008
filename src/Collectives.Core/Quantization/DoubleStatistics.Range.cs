using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Collectives.Quantization;

internal static partial class DoubleStatistics
{
    /// <inheritdoc cref="SingleStatistics.AccumulateRange"/>
    public static void AccumulateRange(ReadOnlySpan<byte> values, ref double min, ref double max, ref bool hasNonFinite, KernelWidth width)
    {
        ref double x = ref Unsafe.As<byte, double>(ref MemoryMarshal.GetReference(values));
        nint n = values.Length / sizeof(double);
        nint i = 0;
        if (width.Uses512() && n - i >= Vector512<long>.Count)
        {
            i = Range512(ref x, i, n, ref min, ref max, ref hasNonFinite);
        }

        if (width.Uses256() && n - i >= Vector256<long>.Count)
        {
            i = Range256(ref x, i, n, ref min, ref max, ref hasNonFinite);
        }

        if (width.Uses128() && n - i >= Vector128<long>.Count)
        {
            i = Range128(ref x, i, n, ref min, ref max, ref hasNonFinite);
        }

        for (; i < n; i++)
        {
            double v = Unaligned.Read(ref x, i);
            if (double.IsFinite(v))
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
            else
            {
                hasNonFinite = true;
            }
        }
    }

    private static nint Range512(ref double x, nint i, nint n, ref double min, ref double max, ref bool hasNonFinite)
    {
        var lo = Vector512.Create(long.MaxValue);
        var hi = Vector512.Create(long.MinValue);
        var allFinite = Vector512<long>.AllBitsSet;
        for (; i <= n - Vector512<long>.Count; i += Vector512<long>.Count)
        {
            var bits = Vector512.LoadUnsafe(ref x, (nuint)i).AsInt64();
            var finite = ~Vector512.Equals(bits & Vector512.Create(ExponentBits), Vector512.Create(ExponentBits));
            var key = bits ^ (Vector512.LessThan(bits, Vector512<long>.Zero) & Vector512.Create(long.MaxValue));
            lo = Vector512.Min(lo, Vector512.ConditionalSelect(finite, key, Vector512.Create(long.MaxValue)));
            hi = Vector512.Max(hi, Vector512.ConditionalSelect(finite, key, Vector512.Create(long.MinValue)));
            allFinite &= finite;
        }

        // Before the fold: a vector live across its call would be spilled inside the loop.
        hasNonFinite |= !Vector512.EqualsAll(allFinite, Vector512<long>.AllBitsSet);
        Span<long> lanes = stackalloc long[2 * Vector512<long>.Count];
        lo.CopyTo(lanes);
        hi.CopyTo(lanes[Vector512<long>.Count..]);
        FoldKeys(lanes, ref min, ref max);
        return i;
    }

    private static nint Range256(ref double x, nint i, nint n, ref double min, ref double max, ref bool hasNonFinite)
    {
        var lo = Vector256.Create(long.MaxValue);
        var hi = Vector256.Create(long.MinValue);
        var allFinite = Vector256<long>.AllBitsSet;
        for (; i <= n - Vector256<long>.Count; i += Vector256<long>.Count)
        {
            var bits = Vector256.LoadUnsafe(ref x, (nuint)i).AsInt64();
            var finite = ~Vector256.Equals(bits & Vector256.Create(ExponentBits), Vector256.Create(ExponentBits));
            var key = bits ^ (Vector256.LessThan(bits, Vector256<long>.Zero) & Vector256.Create(long.MaxValue));
            lo = Vector256.Min(lo, Vector256.ConditionalSelect(finite, key, Vector256.Create(long.MaxValue)));
            hi = Vector256.Max(hi, Vector256.ConditionalSelect(finite, key, Vector256.Create(long.MinValue)));
            allFinite &= finite;
        }

        // Before the fold: a vector live across its call would be spilled inside the loop.
        hasNonFinite |= !Vector256.EqualsAll(allFinite, Vector256<long>.AllBitsSet);
        Span<long> lanes = stackalloc long[2 * Vector256<long>.Count];
        lo.CopyTo(lanes);
        hi.CopyTo(lanes[Vector256<long>.Count..]);
        FoldKeys(lanes, ref min, ref max);
        return i;
    }

    private static nint Range128(ref double x, nint i, nint n, ref double min, ref double max, ref bool hasNonFinite)
    {
        var lo = Vector128.Create(long.MaxValue);
        var hi = Vector128.Create(long.MinValue);
        var allFinite = Vector128<long>.AllBitsSet;
        for (; i <= n - Vector128<long>.Count; i += Vector128<long>.Count)
        {
            var bits = Vector128.LoadUnsafe(ref x, (nuint)i).AsInt64();
            var finite = ~Vector128.Equals(bits & Vector128.Create(ExponentBits), Vector128.Create(ExponentBits));
            var key = bits ^ (Vector128.LessThan(bits, Vector128<long>.Zero) & Vector128.Create(long.MaxValue));
            lo = Vector128.Min(lo, Vector128.ConditionalSelect(finite, key, Vector128.Create(long.MaxValue)));
            hi = Vector128.Max(hi, Vector128.ConditionalSelect(finite, key, Vector128.Create(long.MinValue)));
            allFinite &= finite;
        }

        // Before the fold: a vector live across its call would be spilled inside the loop.
        hasNonFinite |= !Vector128.EqualsAll(allFinite, Vector128<long>.AllBitsSet);
        Span<long> lanes = stackalloc long[2 * Vector128<long>.Count];
        lo.CopyTo(lanes);
        hi.CopyTo(lanes[Vector128<long>.Count..]);
        FoldKeys(lanes, ref min, ref max);
        return i;
    }

    // Finite values as ordered integer keys: flipping the magnitude bits of negative values makes signed integer
    // order equal to IEEE 754-2019 minimum/maximum order (−0 below +0). Integer min/max are single cheap
    // instructions at every width, and the extremes they find are the same values the scalar MathF/Math.Min/Max find.
    private const long ExponentBits = 0x7FF0_0000_0000_0000;

    private static double FromKey(long key) => BitConverter.Int64BitsToDouble(key ^ ((key >> 63) & long.MaxValue));

    /// <summary>Folds lanes of minimum keys then maximum keys; the sentinels (no finite value seen) are skipped.</summary>
    private static void FoldKeys(ReadOnlySpan<long> lanes, ref double min, ref double max)
    {
        int half = lanes.Length / 2;
        for (int lane = 0; lane < half; lane++)
        {
            if (lanes[lane] != long.MaxValue)
            {
                min = Math.Min(min, FromKey(lanes[lane]));
            }

            if (lanes[half + lane] != long.MinValue)
            {
                max = Math.Max(max, FromKey(lanes[half + lane]));
            }
        }
    }
}
