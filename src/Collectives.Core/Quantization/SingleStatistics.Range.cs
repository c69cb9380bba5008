using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Collectives.Quantization;

internal static partial class SingleStatistics
{
    /// <summary>Folds the finite minimum and maximum into the arguments; notes whether any value is NaN or ±∞.</summary>
    public static void AccumulateRange(ReadOnlySpan<byte> values, ref float min, ref float max, ref bool hasNonFinite, KernelWidth width)
    {
        ref float x = ref Unsafe.As<byte, float>(ref MemoryMarshal.GetReference(values));
        nint n = values.Length / sizeof(float);
        nint i = 0;
        if (width.Uses512() && n - i >= Vector512<int>.Count)
        {
            i = Range512(ref x, i, n, ref min, ref max, ref hasNonFinite);
        }

        if (width.Uses256() && n - i >= Vector256<int>.Count)
        {
            i = Range256(ref x, i, n, ref min, ref max, ref hasNonFinite);
        }

        if (width.Uses128() && n - i >= Vector128<int>.Count)
        {
            i = Range128(ref x, i, n, ref min, ref max, ref hasNonFinite);
        }

        for (; i < n; i++)
        {
            float v = Unaligned.Read(ref x, i);
            if (float.IsFinite(v))
            {
                min = MathF.Min(min, v);
                max = MathF.Max(max, v);
            }
            else
            {
                hasNonFinite = true;
            }
        }
    }

    private static nint Range512(ref float x, nint i, nint n, ref float min, ref float max, ref bool hasNonFinite)
    {
        var lo = Vector512.Create(int.MaxValue);
        var hi = Vector512.Create(int.MinValue);
        var allFinite = Vector512<int>.AllBitsSet;
        for (; i <= n - Vector512<int>.Count; i += Vector512<int>.Count)
        {
            var bits = Vector512.LoadUnsafe(ref x, (nuint)i).AsInt32();
            var finite = ~Vector512.Equals(bits & Vector512.Create(ExponentBits), Vector512.Create(ExponentBits));
            var key = bits ^ (Vector512.LessThan(bits, Vector512<int>.Zero) & Vector512.Create(int.MaxValue));
            lo = Vector512.Min(lo, Vector512.ConditionalSelect(finite, key, Vector512.Create(int.MaxValue)));
            hi = Vector512.Max(hi, Vector512.ConditionalSelect(finite, key, Vector512.Create(int.MinValue)));
            allFinite &= finite;
        }

        // Before the fold: a vector live across its call would be spilled inside the loop.
        hasNonFinite |= !Vector512.EqualsAll(allFinite, Vector512<int>.AllBitsSet);
        Span<int> lanes = stackalloc int[2 * Vector512<int>.Count];
        lo.CopyTo(lanes);
        hi.CopyTo(lanes[Vector512<int>.Count..]);
        FoldKeys(lanes, ref min, ref max);
        return i;
    }

    private static nint Range256(ref float x, nint i, nint n, ref float min, ref float max, ref bool hasNonFinite)
    {
        var lo = Vector256.Create(int.MaxValue);
        var hi = Vector256.Create(int.MinValue);
        var allFinite = Vector256<int>.AllBitsSet;
        for (; i <= n - Vector256<int>.Count; i += Vector256<int>.Count)
        {
            var bits = Vector256.LoadUnsafe(ref x, (nuint)i).AsInt32();
            var finite = ~Vector256.Equals(bits & Vector256.Create(ExponentBits), Vector256.Create(ExponentBits));
            var key = bits ^ (Vector256.LessThan(bits, Vector256<int>.Zero) & Vector256.Create(int.MaxValue));
            lo = Vector256.Min(lo, Vector256.ConditionalSelect(finite, key, Vector256.Create(int.MaxValue)));
            hi = Vector256.Max(hi, Vector256.ConditionalSelect(finite, key, Vector256.Create(int.MinValue)));
            allFinite &= finite;
        }

        // Before the fold: a vector live across its call would be spilled inside the loop.
        hasNonFinite |= !Vector256.EqualsAll(allFinite, Vector256<int>.AllBitsSet);
        Span<int> lanes = stackalloc int[2 * Vector256<int>.Count];
        lo.CopyTo(lanes);
        hi.CopyTo(lanes[Vector256<int>.Count..]);
        FoldKeys(lanes, ref min, ref max);
        return i;
    }

    private static nint Range128(ref float x, nint i, nint n, ref float min, ref float max, ref bool hasNonFinite)
    {
        var lo = Vector128.Create(int.MaxValue);
        var hi = Vector128.Create(int.MinValue);
        var allFinite = Vector128<int>.AllBitsSet;
        for (; i <= n - Vector128<int>.Count; i += Vector128<int>.Count)
        {
            var bits = Vector128.LoadUnsafe(ref x, (nuint)i).AsInt32();
            var finite = ~Vector128.Equals(bits & Vector128.Create(ExponentBits), Vector128.Create(ExponentBits));
            var key = bits ^ (Vector128.LessThan(bits, Vector128<int>.Zero) & Vector128.Create(int.MaxValue));
            lo = Vector128.Min(lo, Vector128.ConditionalSelect(finite, key, Vector128.Create(int.MaxValue)));
            hi = Vector128.Max(hi, Vector128.ConditionalSelect(finite, key, Vector128.Create(int.MinValue)));
            allFinite &= finite;
        }

        // Before the fold: a vector live across its call would be spilled inside the loop.
        hasNonFinite |= !Vector128.EqualsAll(allFinite, Vector128<int>.AllBitsSet);
        Span<int> lanes = stackalloc int[2 * Vector128<int>.Count];
        lo.CopyTo(lanes);
        hi.CopyTo(lanes[Vector128<int>.Count..]);
        FoldKeys(lanes, ref min, ref max);
        return i;
    }

    // Finite values as ordered integer keys: flipping the magnitude bits of negative values makes signed integer
    // order equal to IEEE 754-2019 minimum/maximum order (−0 below +0). Integer min/max are single cheap
    // instructions at every width, and the extremes they find are the same values the scalar MathF/Math.Min/Max find.
    private const int ExponentBits = 0x7F80_0000;

    private static float FromKey(int key) => BitConverter.Int32BitsToSingle(key ^ ((key >> 31) & int.MaxValue));

    /// <summary>Folds lanes of minimum keys then maximum keys; the sentinels (no finite value seen) are skipped.</summary>
    private static void FoldKeys(ReadOnlySpan<int> lanes, ref float min, ref float max)
    {
        int half = lanes.Length / 2;
        for (int lane = 0; lane < half; lane++)
        {
            if (lanes[lane] != int.MaxValue)
            {
                min = MathF.Min(min, FromKey(lanes[lane]));
            }

            if (lanes[half + lane] != int.MinValue)
            {
                max = MathF.Max(max, FromKey(lanes[half + lane]));
            }
        }
    }
}
