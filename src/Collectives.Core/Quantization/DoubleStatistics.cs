using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Collectives.Quantization;

/// <summary>The float64 twin of <see cref="SingleStatistics"/>, with the same order-independence rules.</summary>
internal static partial class DoubleStatistics
{
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
}
