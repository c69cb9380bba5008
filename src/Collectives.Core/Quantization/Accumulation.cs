using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Collectives.Quantization;

/// <summary>accumulator[i] = op(accumulator[i], values[i]) for float32 or float64, at any kernel width.</summary>
internal static class Accumulation
{
    public static void Apply<T>(ReduceOp op, Span<byte> accumulator, ReadOnlySpan<T> values, KernelWidth width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case ReduceOp.Sum or ReduceOp.Avg:
                Apply<T, SumOp>(accumulator, values, width);
                break;
            case ReduceOp.Prod:
                Apply<T, ProductOp>(accumulator, values, width);
                break;
            case ReduceOp.Max:
                Apply<T, MaxOp>(accumulator, values, width);
                break;
            default:
                Apply<T, MinOp>(accumulator, values, width);
                break;
        }
    }

    private static void Apply<T, TOp>(Span<byte> accumulator, ReadOnlySpan<T> values, KernelWidth width)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : IAccumulateOp
    {
        ref T a = ref Unsafe.As<byte, T>(ref MemoryMarshal.GetReference(accumulator));
        ref T v = ref MemoryMarshal.GetReference(values);
        nint n = values.Length;
        nint i = 0;
        if (width.Uses512())
        {
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                TOp.Apply(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref v, (nuint)i)).StoreUnsafe(ref a, (nuint)i);
            }
        }

        if (width.Uses256())
        {
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                TOp.Apply(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref v, (nuint)i)).StoreUnsafe(ref a, (nuint)i);
            }
        }

        if (width.Uses128())
        {
            for (; i <= n - Vector128<T>.Count; i += Vector128<T>.Count)
            {
                TOp.Apply(Vector128.LoadUnsafe(ref a, (nuint)i), Vector128.LoadUnsafe(ref v, (nuint)i)).StoreUnsafe(ref a, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unaligned.Write(ref a, i, TOp.Apply(Unaligned.Read(ref a, i), Unsafe.Add(ref v, i)));
        }
    }

    /// <summary>One reduction operator at every width; the scalar and vector forms give the same bits.</summary>
    private interface IAccumulateOp
    {
        static abstract T Apply<T>(T accumulator, T value)
            where T : IFloatingPointIeee754<T>;

        static abstract Vector128<T> Apply<T>(Vector128<T> accumulator, Vector128<T> value);

        static abstract Vector256<T> Apply<T>(Vector256<T> accumulator, Vector256<T> value);

        static abstract Vector512<T> Apply<T>(Vector512<T> accumulator, Vector512<T> value);
    }

    private readonly struct SumOp : IAccumulateOp
    {
        public static T Apply<T>(T accumulator, T value) where T : IFloatingPointIeee754<T> => accumulator + value;

        public static Vector128<T> Apply<T>(Vector128<T> accumulator, Vector128<T> value) => accumulator + value;

        public static Vector256<T> Apply<T>(Vector256<T> accumulator, Vector256<T> value) => accumulator + value;

        public static Vector512<T> Apply<T>(Vector512<T> accumulator, Vector512<T> value) => accumulator + value;
    }

    private readonly struct ProductOp : IAccumulateOp
    {
        public static T Apply<T>(T accumulator, T value) where T : IFloatingPointIeee754<T> => accumulator * value;

        public static Vector128<T> Apply<T>(Vector128<T> accumulator, Vector128<T> value) => accumulator * value;

        public static Vector256<T> Apply<T>(Vector256<T> accumulator, Vector256<T> value) => accumulator * value;

        public static Vector512<T> Apply<T>(Vector512<T> accumulator, Vector512<T> value) => accumulator * value;
    }

    // IEEE 754-2019 maximum/minimum at every width: NaN propagates and −0 orders below +0.
    private readonly struct MaxOp : IAccumulateOp
    {
        public static T Apply<T>(T accumulator, T value) where T : IFloatingPointIeee754<T> => T.Max(accumulator, value);

        public static Vector128<T> Apply<T>(Vector128<T> accumulator, Vector128<T> value) => Vector128.Max(accumulator, value);

        public static Vector256<T> Apply<T>(Vector256<T> accumulator, Vector256<T> value) => Vector256.Max(accumulator, value);

        public static Vector512<T> Apply<T>(Vector512<T> accumulator, Vector512<T> value) => Vector512.Max(accumulator, value);
    }

    private readonly struct MinOp : IAccumulateOp
    {
        public static T Apply<T>(T accumulator, T value) where T : IFloatingPointIeee754<T> => T.Min(accumulator, value);

        public static Vector128<T> Apply<T>(Vector128<T> accumulator, Vector128<T> value) => Vector128.Min(accumulator, value);

        public static Vector256<T> Apply<T>(Vector256<T> accumulator, Vector256<T> value) => Vector256.Min(accumulator, value);

        public static Vector512<T> Apply<T>(Vector512<T> accumulator, Vector512<T> value) => Vector512.Min(accumulator, value);
    }
}
