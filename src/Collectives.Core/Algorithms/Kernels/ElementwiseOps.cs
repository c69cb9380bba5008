using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Collectives.Algorithms.Kernels;

/// <summary>
/// <c>destination[i] = op(x[i], y[i])</c> for the types that reduce in themselves, on TensorPrimitives
/// (vectorized with Vector128/256/512 and a scalar tail, alignment-agnostic). Integers wrap; float Max/Min
/// are IEEE 754-2019 maximum/minimum (NaN propagates, +0 &gt; −0), exactly like <see cref="Math.Max(float, float)"/>.
/// Avg reduces as Sum: the division happens once, in <see cref="ReduceKernels.Finalize"/>.
/// Callers validate lengths, op and overlap (destination may be exactly x or y).
/// </summary>
internal static class ElementwiseOps
{
    public static void Apply(DataType type, ReduceOp op, ReadOnlySpan<byte> x, ReadOnlySpan<byte> y, Span<byte> destination)
    {
        switch (type)
        {
            case DataType.UInt8: Apply<byte>(op, x, y, destination); break;
            case DataType.Int8: Apply<sbyte>(op, x, y, destination); break;
            case DataType.Int16: Apply<short>(op, x, y, destination); break;
            case DataType.UInt16: Apply<ushort>(op, x, y, destination); break;
            case DataType.UInt32: Apply<uint>(op, x, y, destination); break;
            case DataType.Int32: Apply<int>(op, x, y, destination); break;
            case DataType.UInt64: Apply<ulong>(op, x, y, destination); break;
            case DataType.Int64: Apply<long>(op, x, y, destination); break;
            case DataType.Float32: Apply<float>(op, x, y, destination); break;
            case DataType.Float64: Apply<double>(op, x, y, destination); break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "not a type that reduces in itself");
        }
    }

    public static void Apply<T>(ReduceOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination)
        where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case ReduceOp.Sum or ReduceOp.Avg: TensorPrimitives.Add(x, y, destination); break;
            case ReduceOp.Prod: TensorPrimitives.Multiply(x, y, destination); break;
            case ReduceOp.Max: TensorPrimitives.Max(x, y, destination); break;
            case ReduceOp.Min: TensorPrimitives.Min(x, y, destination); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "unknown reduce operation");
        }
    }

    private static void Apply<T>(ReduceOp op, ReadOnlySpan<byte> x, ReadOnlySpan<byte> y, Span<byte> destination)
        where T : unmanaged, INumber<T> =>
        Apply(op, MemoryMarshal.Cast<byte, T>(x), MemoryMarshal.Cast<byte, T>(y), MemoryMarshal.Cast<byte, T>(destination));
}
