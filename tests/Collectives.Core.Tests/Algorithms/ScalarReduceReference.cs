using System.Numerics;
using System.Runtime.InteropServices;

namespace Collectives.Tests.Algorithms;

/// <summary>
/// The plain, one-element-at-a-time meaning of a reduction, against which the vectorized kernels
/// (<c>Collectives.Algorithms.Kernels.ReduceKernels</c>) and, later, whole all-reduces are checked.
/// </summary>
/// <remarks>
/// It lives in the test project on purpose: it ships nowhere and shares no code with the kernels
/// (no TensorPrimitives, no bit tricks; 16-bit rounding comes from <see cref="RoundingReference"/>).
/// The order is the one a ring gives a chunk: <c>acc = widen(inputs[0])</c>, then
/// <c>acc = op(widen(inputs[k]), acc)</c> for k = 1, 2, …; Avg sums and finally divides by the number of
/// inputs; the result is narrowed to the input type. Integers wrap, integer Avg truncates toward zero,
/// float Max/Min are IEEE 754-2019 maximum/minimum, float16/bfloat16 reduce in float32 and round to nearest
/// even once. Float results depend on the order, so callers pass inputs in the order their ring folds them.
/// </remarks>
internal static class ScalarReduceReference
{
    /// <summary>Reduces equally long per-peer buffers (raw bytes of <paramref name="type"/>) into one buffer of that type.</summary>
    public static byte[] Reduce(DataType type, ReduceOp op, IReadOnlyList<byte[]> inputsInOrder)
    {
        ArgumentOutOfRangeException.ThrowIfZero(inputsInOrder.Count);
        return type switch
        {
            DataType.UInt8 => Reduce<byte>(op, inputsInOrder),
            DataType.Int8 => Reduce<sbyte>(op, inputsInOrder),
            DataType.Int16 => Reduce<short>(op, inputsInOrder),
            DataType.UInt16 => Reduce<ushort>(op, inputsInOrder),
            DataType.UInt32 => Reduce<uint>(op, inputsInOrder),
            DataType.Int32 => Reduce<int>(op, inputsInOrder),
            DataType.UInt64 => Reduce<ulong>(op, inputsInOrder),
            DataType.Int64 => Reduce<long>(op, inputsInOrder),
            DataType.Float32 => Reduce<float>(op, inputsInOrder),
            DataType.Float64 => Reduce<double>(op, inputsInOrder),
            DataType.Float16 or DataType.BFloat16 => ReduceSixteenBitFloat(type, op, inputsInOrder),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
    }

    /// <summary><c>op(a[i], b[i])</c> on an accumulator type (Avg as Sum): what one accumulation step does.</summary>
    public static byte[] Combine(DataType accumulatorType, ReduceOp op, byte[] a, byte[] b) => accumulatorType switch
    {
        DataType.UInt8 => Combine<byte>(op, a, b),
        DataType.Int8 => Combine<sbyte>(op, a, b),
        DataType.Int16 => Combine<short>(op, a, b),
        DataType.UInt16 => Combine<ushort>(op, a, b),
        DataType.UInt32 => Combine<uint>(op, a, b),
        DataType.Int32 => Combine<int>(op, a, b),
        DataType.UInt64 => Combine<ulong>(op, a, b),
        DataType.Int64 => Combine<long>(op, a, b),
        DataType.Float32 => Combine<float>(op, a, b),
        DataType.Float64 => Combine<double>(op, a, b),
        _ => throw new ArgumentOutOfRangeException(nameof(accumulatorType)),
    };

    /// <summary>The exact float32 value of a float16 or bfloat16 element.</summary>
    public static float WidenSixteenBit(DataType type, ushort bits) => type == DataType.Float16
        ? (float)RoundingReference.HalfToDouble(bits)
        : (float)RoundingReference.BFloat16ToDouble(bits);

    /// <summary>float32 → float16 or bfloat16, round to nearest even.</summary>
    public static ushort NarrowSixteenBit(DataType type, float value) => type == DataType.Float16
        ? RoundingReference.ToHalfBits(value)
        : RoundingReference.ToBFloat16Bits(value);

    private static byte[] Reduce<T>(ReduceOp op, IReadOnlyList<byte[]> inputs)
        where T : unmanaged, INumber<T>
    {
        T[] accumulator = MemoryMarshal.Cast<byte, T>(inputs[0]).ToArray();
        for (int peer = 1; peer < inputs.Count; peer++)
        {
            ReadOnlySpan<T> input = MemoryMarshal.Cast<byte, T>(inputs[peer]);
            for (int i = 0; i < accumulator.Length; i++)
            {
                accumulator[i] = Apply(op, input[i], accumulator[i]);
            }
        }

        if (op == ReduceOp.Avg)
        {
            for (int i = 0; i < accumulator.Length; i++)
            {
                accumulator[i] = Average(accumulator[i], inputs.Count);
            }
        }

        return MemoryMarshal.AsBytes(accumulator.AsSpan()).ToArray();
    }

    private static byte[] ReduceSixteenBitFloat(DataType type, ReduceOp op, IReadOnlyList<byte[]> inputs)
    {
        float[] accumulator = Widen(type, inputs[0]);
        for (int peer = 1; peer < inputs.Count; peer++)
        {
            float[] input = Widen(type, inputs[peer]);
            for (int i = 0; i < accumulator.Length; i++)
            {
                accumulator[i] = Apply(op, input[i], accumulator[i]);
            }
        }

        var result = new ushort[accumulator.Length];
        for (int i = 0; i < accumulator.Length; i++)
        {
            float value = op == ReduceOp.Avg ? Average(accumulator[i], inputs.Count) : accumulator[i];
            result[i] = NarrowSixteenBit(type, value);
        }

        return MemoryMarshal.AsBytes(result.AsSpan()).ToArray();
    }

    private static float[] Widen(DataType type, byte[] input)
    {
        ReadOnlySpan<ushort> bits = MemoryMarshal.Cast<byte, ushort>(input);
        var values = new float[bits.Length];
        for (int i = 0; i < bits.Length; i++)
        {
            values[i] = WidenSixteenBit(type, bits[i]);
        }

        return values;
    }

    private static byte[] Combine<T>(ReduceOp op, byte[] a, byte[] b)
        where T : unmanaged, INumber<T>
    {
        ReadOnlySpan<T> x = MemoryMarshal.Cast<byte, T>(a);
        ReadOnlySpan<T> y = MemoryMarshal.Cast<byte, T>(b);
        var result = new T[x.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Apply(op, x[i], y[i]);
        }

        return MemoryMarshal.AsBytes(result.AsSpan()).ToArray();
    }

    // The test project compiles unchecked, so integer + and * wrap; T.Max/T.Min on floats are IEEE maximum/minimum.
    private static T Apply<T>(ReduceOp op, T x, T y)
        where T : INumber<T> => op switch
        {
            ReduceOp.Sum or ReduceOp.Avg => x + y,
            ReduceOp.Prod => x * y,
            ReduceOp.Max => T.Max(x, y),
            ReduceOp.Min => T.Min(x, y),
            _ => throw new ArgumentOutOfRangeException(nameof(op)),
        };

    private static T Average<T>(T sum, int count)
        where T : INumber<T>
    {
        if (typeof(T) == typeof(float) || typeof(T) == typeof(double))
        {
            return sum / T.CreateTruncating(count);
        }

        // Int128 holds every integer type exactly and its division truncates toward zero, as C#'s does.
        return T.CreateTruncating(Int128.CreateTruncating(sum) / count);
    }
}
