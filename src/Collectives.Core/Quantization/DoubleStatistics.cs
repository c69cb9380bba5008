using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Collectives.Quantization;

/// <summary>The float64 twin of <see cref="SingleStatistics"/>, with the same order-independence rules.</summary>
internal static class DoubleStatistics
{
    /// <inheritdoc cref="SingleStatistics.AccumulateRange"/>
    public static void AccumulateRange(ReadOnlySpan<byte> values, ref double min, ref double max, ref bool hasNonFinite, KernelWidth width)
    {
        ref double x = ref Unsafe.As<byte, double>(ref MemoryMarshal.GetReference(values));
        nint n = values.Length / sizeof(double);
        nint i = 0;
        if (width.Uses512() && n >= Vector512<double>.Count)
        {
            var lo = Vector512.Create(min);
            var hi = Vector512.Create(max);
            var allFinite = Vector512<double>.AllBitsSet;
            for (; i <= n - Vector512<double>.Count; i += Vector512<double>.Count)
            {
                var v = Vector512.LoadUnsafe(ref x, (nuint)i);
                var finite = Vector512.IsFinite(v);
                lo = Vector512.Min(lo, Vector512.ConditionalSelect(finite, v, Vector512.Create(double.PositiveInfinity)));
                hi = Vector512.Max(hi, Vector512.ConditionalSelect(finite, v, Vector512.Create(double.NegativeInfinity)));
                allFinite &= finite;
            }

            Fold(lo.GetLower(), hi.GetLower(), ref min, ref max);
            Fold(lo.GetUpper(), hi.GetUpper(), ref min, ref max);
            hasNonFinite |= !Vector512.EqualsAll(allFinite.AsUInt64(), Vector512<ulong>.AllBitsSet);
        }

        if (width.Uses256() && n - i >= Vector256<double>.Count)
        {
            var lo = Vector256.Create(min);
            var hi = Vector256.Create(max);
            var allFinite = Vector256<double>.AllBitsSet;
            for (; i <= n - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                var v = Vector256.LoadUnsafe(ref x, (nuint)i);
                var finite = Vector256.IsFinite(v);
                lo = Vector256.Min(lo, Vector256.ConditionalSelect(finite, v, Vector256.Create(double.PositiveInfinity)));
                hi = Vector256.Max(hi, Vector256.ConditionalSelect(finite, v, Vector256.Create(double.NegativeInfinity)));
                allFinite &= finite;
            }

            Fold(lo, hi, ref min, ref max);
            hasNonFinite |= !Vector256.EqualsAll(allFinite.AsUInt64(), Vector256<ulong>.AllBitsSet);
        }

        if (width.Uses128() && n - i >= Vector128<double>.Count)
        {
            var lo = Vector128.Create(min);
            var hi = Vector128.Create(max);
            var allFinite = Vector128<double>.AllBitsSet;
            for (; i <= n - Vector128<double>.Count; i += Vector128<double>.Count)
            {
                var v = Vector128.LoadUnsafe(ref x, (nuint)i);
                var finite = Vector128.IsFinite(v);
                lo = Vector128.Min(lo, Vector128.ConditionalSelect(finite, v, Vector128.Create(double.PositiveInfinity)));
                hi = Vector128.Max(hi, Vector128.ConditionalSelect(finite, v, Vector128.Create(double.NegativeInfinity)));
                allFinite &= finite;
            }

            Fold(lo, hi, ref min, ref max);
            hasNonFinite |= !Vector128.EqualsAll(allFinite.AsUInt64(), Vector128<ulong>.AllBitsSet);
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

    /// <inheritdoc cref="SingleStatistics.AccumulateSum"/>
    public static void AccumulateSum(ReadOnlySpan<byte> values, ref LaneSums sums, KernelWidth width) =>
        Accumulate(values, 0d, squareDeviations: false, ref sums, width);

    /// <inheritdoc cref="SingleStatistics.AccumulateSquaredDeviation"/>
    public static void AccumulateSquaredDeviation(ReadOnlySpan<byte> values, double mean, ref LaneSums sums, KernelWidth width) =>
        Accumulate(values, mean, squareDeviations: true, ref sums, width);

    private static void Accumulate(ReadOnlySpan<byte> values, double mean, bool squareDeviations, ref LaneSums sums, KernelWidth width)
    {
        ref double x = ref Unsafe.As<byte, double>(ref MemoryMarshal.GetReference(values));
        ref double lanes = ref sums[0];
        nint n = values.Length / sizeof(double);
        nint i = 0;
        if (width.Uses512() && n >= LaneSums.Count)
        {
            var m = Vector512.Create(mean);
            var a0 = Vector512.LoadUnsafe(ref lanes, 0);
            var a1 = Vector512.LoadUnsafe(ref lanes, 8);
            for (; i <= n - LaneSums.Count; i += LaneSums.Count)
            {
                a0 += LaneTerm.Of(Vector512.LoadUnsafe(ref x, (nuint)i), m, squareDeviations);
                a1 += LaneTerm.Of(Vector512.LoadUnsafe(ref x, (nuint)i + 8), m, squareDeviations);
            }

            a0.StoreUnsafe(ref lanes, 0);
            a1.StoreUnsafe(ref lanes, 8);
        }

        if (width.Uses256() && n - i >= LaneSums.Count)
        {
            var m = Vector256.Create(mean);
            var a0 = Vector256.LoadUnsafe(ref lanes, 0);
            var a1 = Vector256.LoadUnsafe(ref lanes, 4);
            var a2 = Vector256.LoadUnsafe(ref lanes, 8);
            var a3 = Vector256.LoadUnsafe(ref lanes, 12);
            for (; i <= n - LaneSums.Count; i += LaneSums.Count)
            {
                a0 += LaneTerm.Of(Vector256.LoadUnsafe(ref x, (nuint)i), m, squareDeviations);
                a1 += LaneTerm.Of(Vector256.LoadUnsafe(ref x, (nuint)i + 4), m, squareDeviations);
                a2 += LaneTerm.Of(Vector256.LoadUnsafe(ref x, (nuint)i + 8), m, squareDeviations);
                a3 += LaneTerm.Of(Vector256.LoadUnsafe(ref x, (nuint)i + 12), m, squareDeviations);
            }

            a0.StoreUnsafe(ref lanes, 0);
            a1.StoreUnsafe(ref lanes, 4);
            a2.StoreUnsafe(ref lanes, 8);
            a3.StoreUnsafe(ref lanes, 12);
        }

        if (width.Uses128() && n - i >= LaneSums.Count)
        {
            var m = Vector128.Create(mean);
            var a0 = Vector128.LoadUnsafe(ref lanes, 0);
            var a1 = Vector128.LoadUnsafe(ref lanes, 2);
            var a2 = Vector128.LoadUnsafe(ref lanes, 4);
            var a3 = Vector128.LoadUnsafe(ref lanes, 6);
            var a4 = Vector128.LoadUnsafe(ref lanes, 8);
            var a5 = Vector128.LoadUnsafe(ref lanes, 10);
            var a6 = Vector128.LoadUnsafe(ref lanes, 12);
            var a7 = Vector128.LoadUnsafe(ref lanes, 14);
            for (; i <= n - LaneSums.Count; i += LaneSums.Count)
            {
                a0 += LaneTerm.Of(Vector128.LoadUnsafe(ref x, (nuint)i), m, squareDeviations);
                a1 += LaneTerm.Of(Vector128.LoadUnsafe(ref x, (nuint)i + 2), m, squareDeviations);
                a2 += LaneTerm.Of(Vector128.LoadUnsafe(ref x, (nuint)i + 4), m, squareDeviations);
                a3 += LaneTerm.Of(Vector128.LoadUnsafe(ref x, (nuint)i + 6), m, squareDeviations);
                a4 += LaneTerm.Of(Vector128.LoadUnsafe(ref x, (nuint)i + 8), m, squareDeviations);
                a5 += LaneTerm.Of(Vector128.LoadUnsafe(ref x, (nuint)i + 10), m, squareDeviations);
                a6 += LaneTerm.Of(Vector128.LoadUnsafe(ref x, (nuint)i + 12), m, squareDeviations);
                a7 += LaneTerm.Of(Vector128.LoadUnsafe(ref x, (nuint)i + 14), m, squareDeviations);
            }

            a0.StoreUnsafe(ref lanes, 0);
            a1.StoreUnsafe(ref lanes, 2);
            a2.StoreUnsafe(ref lanes, 4);
            a3.StoreUnsafe(ref lanes, 6);
            a4.StoreUnsafe(ref lanes, 8);
            a5.StoreUnsafe(ref lanes, 10);
            a6.StoreUnsafe(ref lanes, 12);
            a7.StoreUnsafe(ref lanes, 14);
        }

        for (; i < n; i++)
        {
            ref double lane = ref Unsafe.Add(ref lanes, i % LaneSums.Count);
            lane += LaneTerm.Of(Unaligned.Read(ref x, i), mean, squareDeviations);
        }
    }

    private static void Fold(Vector256<double> lo, Vector256<double> hi, ref double min, ref double max)
    {
        Fold(lo.GetLower(), hi.GetLower(), ref min, ref max);
        Fold(lo.GetUpper(), hi.GetUpper(), ref min, ref max);
    }

    private static void Fold(Vector128<double> lo, Vector128<double> hi, ref double min, ref double max)
    {
        for (int lane = 0; lane < Vector128<double>.Count; lane++)
        {
            min = Math.Min(min, lo.GetElement(lane));
            max = Math.Max(max, hi.GetElement(lane));
        }
    }
}
