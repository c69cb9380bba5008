using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Collectives.Algorithms.Kernels;

/// <summary>
/// <c>destination[i] = accumulator[i] / worldSize</c> for the types that reduce in themselves: integers by
/// truncating division (C# semantics), floats by true IEEE division (never by a reciprocal, whose rounding
/// would differ). Callers validate lengths, overlap and <c>worldSize ≥ 1</c>.
/// </summary>
internal static class AverageDivision
{
    public static void Divide(DataType type, int worldSize, ReadOnlySpan<byte> accumulator, Span<byte> destination)
    {
        switch (type)
        {
            case DataType.UInt8: DivideInteger<byte>(worldSize, accumulator, destination); break;
            case DataType.Int8: DivideInteger<sbyte>(worldSize, accumulator, destination); break;
            case DataType.Int16: DivideInteger<short>(worldSize, accumulator, destination); break;
            case DataType.UInt16: DivideInteger<ushort>(worldSize, accumulator, destination); break;
            case DataType.UInt32: DivideInteger<uint>(worldSize, accumulator, destination); break;
            case DataType.Int32: DivideInteger<int>(worldSize, accumulator, destination); break;
            case DataType.UInt64: DivideInteger<ulong>(worldSize, accumulator, destination); break;
            case DataType.Int64: DivideInteger<long>(worldSize, accumulator, destination); break;
            case DataType.Float32:
                TensorPrimitives.Divide(MemoryMarshal.Cast<byte, float>(accumulator), (float)worldSize, MemoryMarshal.Cast<byte, float>(destination));
                break;
            case DataType.Float64:
                TensorPrimitives.Divide(MemoryMarshal.Cast<byte, double>(accumulator), (double)worldSize, MemoryMarshal.Cast<byte, double>(destination));
                break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "not a type that reduces in itself");
        }
    }

    private static void DivideInteger<T>(int worldSize, ReadOnlySpan<byte> accumulator, Span<byte> destination)
        where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
    {
        ReadOnlySpan<T> source = MemoryMarshal.Cast<byte, T>(accumulator);
        Span<T> target = MemoryMarshal.Cast<byte, T>(destination);
        if (int.CreateSaturating(T.MaxValue) >= worldSize)
        {
            TensorPrimitives.Divide(source, T.CreateTruncating(worldSize), target);
            return;
        }

        // Only 8- and 16-bit types get here (more peers than the type's maximum). The divisor does not fit in T,
        // so divide in long, where every such value is exact; the quotient is 0 except MinValue / −MinValue = −1.
        for (int i = 0; i < source.Length; i++)
        {
            target[i] = T.CreateTruncating(long.CreateTruncating(source[i]) / worldSize);
        }
    }
}
