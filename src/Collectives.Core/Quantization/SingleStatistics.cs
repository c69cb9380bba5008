using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Collectives.Quantization;

/// <summary>
/// Statistics of float32 values (given as unaligned bytes), accumulated across windows of one piece. Min and max
/// are order-independent (IEEE 754-2019 minimum/maximum order, −0 below +0); sums follow the fixed lane
/// order of <see cref="LaneSums"/> in float64. Windows must start at multiples of <see cref="LaneSums.Count"/>.
/// </summary>
internal static partial class SingleStatistics
{
    /// <summary>Adds the finite values (widened to float64) into the lanes; NaN and ±∞ add zero.</summary>
    public static void AccumulateSum(ReadOnlySpan<byte> values, ref LaneSums sums, KernelWidth width) =>
        Accumulate(values, 0d, squareDeviations: false, ref sums, width);

    /// <summary>Adds (x − mean)² of the finite values (in float64) into the lanes; NaN and ±∞ add zero.</summary>
    public static void AccumulateSquaredDeviation(ReadOnlySpan<byte> values, double mean, ref LaneSums sums, KernelWidth width) =>
        Accumulate(values, mean, squareDeviations: true, ref sums, width);

    private static void Accumulate(ReadOnlySpan<byte> values, double mean, bool squareDeviations, ref LaneSums sums, KernelWidth width)
    {
        ref float x = ref Unsafe.As<byte, float>(ref MemoryMarshal.GetReference(values));
        ref double lanes = ref sums[0];
        nint n = values.Length / sizeof(float);
        nint i = 0;
        if (width.Uses512() && n >= LaneSums.Count)
        {
            var m = Vector512.Create(mean);
            var a0 = Vector512.LoadUnsafe(ref lanes, 0);
            var a1 = Vector512.LoadUnsafe(ref lanes, 8);
            for (; i <= n - LaneSums.Count; i += LaneSums.Count)
            {
                var (lower, upper) = Vector512.Widen(Vector512.LoadUnsafe(ref x, (nuint)i));
                a0 += LaneTerm.Of(lower, m, squareDeviations);
                a1 += LaneTerm.Of(upper, m, squareDeviations);
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
                var (l0, u0) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)i));
                var (l1, u1) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)i + 8));
                a0 += LaneTerm.Of(l0, m, squareDeviations);
                a1 += LaneTerm.Of(u0, m, squareDeviations);
                a2 += LaneTerm.Of(l1, m, squareDeviations);
                a3 += LaneTerm.Of(u1, m, squareDeviations);
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
                var (l0, u0) = Vector128.Widen(Vector128.LoadUnsafe(ref x, (nuint)i));
                var (l1, u1) = Vector128.Widen(Vector128.LoadUnsafe(ref x, (nuint)i + 4));
                var (l2, u2) = Vector128.Widen(Vector128.LoadUnsafe(ref x, (nuint)i + 8));
                var (l3, u3) = Vector128.Widen(Vector128.LoadUnsafe(ref x, (nuint)i + 12));
                a0 += LaneTerm.Of(l0, m, squareDeviations);
                a1 += LaneTerm.Of(u0, m, squareDeviations);
                a2 += LaneTerm.Of(l1, m, squareDeviations);
                a3 += LaneTerm.Of(u1, m, squareDeviations);
                a4 += LaneTerm.Of(l2, m, squareDeviations);
                a5 += LaneTerm.Of(u2, m, squareDeviations);
                a6 += LaneTerm.Of(l3, m, squareDeviations);
                a7 += LaneTerm.Of(u3, m, squareDeviations);
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
            double v = Unaligned.Read(ref x, i);
            ref double lane = ref Unsafe.Add(ref lanes, i % LaneSums.Count);
            lane += LaneTerm.Of(v, mean, squareDeviations);
        }
    }
}
