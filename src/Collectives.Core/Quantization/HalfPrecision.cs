using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Collectives.Quantization;

/// <summary>
/// Float16 and bfloat16 ↔ float32. Widening is exact. Narrowing rounds to nearest, ties to even; NaN stays NaN
/// (quieted, payload truncated); overflow becomes ±∞. .NET 10 has no BFloat16 type, so bfloat16 is converted at
/// the bit level; float16 uses <see cref="Half"/> (scalar) and <see cref="TensorPrimitives"/> (vectors), both
/// correctly rounded, so the width never changes the bits.
/// </summary>
internal static class HalfPrecision
{
    /// <summary>bfloat16 is the upper half of a float32: round the lower half away, ties to even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        return float.IsNaN(value)
            ? (ushort)((bits >> 16) | QuietBit)
            : (ushort)((bits + RoundingBias + ((bits >> 16) & 1)) >> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FromBFloat16(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>float16 or bfloat16 bytes → float32 (exact).</summary>
    public static void Widen(DataType type, ReadOnlySpan<byte> source, Span<float> destination, KernelWidth width)
    {
        ref ushort x = ref Unsafe.As<byte, ushort>(ref MemoryMarshal.GetReference(source));
        nint n = destination.Length;
        if (type == DataType.Float16)
        {
            if (width == KernelWidth.Scalar)
            {
                for (nint i = 0; i < n; i++)
                {
                    destination[(int)i] = (float)BitConverter.UInt16BitsToHalf(Unaligned.Read(ref x, i));
                }
            }
            else
            {
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
            }

            return;
        }

        ref float y = ref MemoryMarshal.GetReference(destination);
        nint j = 0;
        if (width.Uses512())
        {
            for (; j <= n - Vector512<ushort>.Count; j += Vector512<ushort>.Count)
            {
                var (lower, upper) = Vector512.Widen(Vector512.LoadUnsafe(ref x, (nuint)j));
                (lower << 16).AsSingle().StoreUnsafe(ref y, (nuint)j);
                (upper << 16).AsSingle().StoreUnsafe(ref y, (nuint)(j + Vector512<uint>.Count));
            }
        }

        if (width.Uses256())
        {
            for (; j <= n - Vector256<ushort>.Count; j += Vector256<ushort>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)j));
                (lower << 16).AsSingle().StoreUnsafe(ref y, (nuint)j);
                (upper << 16).AsSingle().StoreUnsafe(ref y, (nuint)(j + Vector256<uint>.Count));
            }
        }

        if (width.Uses128())
        {
            for (; j <= n - Vector128<ushort>.Count; j += Vector128<ushort>.Count)
            {
                var (lower, upper) = Vector128.Widen(Vector128.LoadUnsafe(ref x, (nuint)j));
                (lower << 16).AsSingle().StoreUnsafe(ref y, (nuint)j);
                (upper << 16).AsSingle().StoreUnsafe(ref y, (nuint)(j + Vector128<uint>.Count));
            }
        }

        for (; j < n; j++)
        {
            Unsafe.Add(ref y, j) = FromBFloat16(Unaligned.Read(ref x, j));
        }
    }

    /// <summary>float32 → float16 or bfloat16 bytes, rounded to nearest even.</summary>
    public static void Narrow(DataType type, ReadOnlySpan<float> source, Span<byte> destination, KernelWidth width)
    {
        ref ushort y = ref Unsafe.As<byte, ushort>(ref MemoryMarshal.GetReference(destination));
        nint n = source.Length;
        if (type == DataType.Float16)
        {
            if (width == KernelWidth.Scalar)
            {
                for (nint i = 0; i < n; i++)
                {
                    Unaligned.Write(ref y, i, BitConverter.HalfToUInt16Bits((Half)source[(int)i]));
                }
            }
            else
            {
                TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(destination));
            }

            return;
        }

        ref float x = ref MemoryMarshal.GetReference(source);
        nint j = 0;
        if (width.Uses512())
        {
            for (; j <= n - Vector512<ushort>.Count; j += Vector512<ushort>.Count)
            {
                Vector512.Narrow(
                    ToBFloat16(Vector512.LoadUnsafe(ref x, (nuint)j)),
                    ToBFloat16(Vector512.LoadUnsafe(ref x, (nuint)(j + Vector512<float>.Count)))).StoreUnsafe(ref y, (nuint)j);
            }
        }

        if (width.Uses256())
        {
            for (; j <= n - Vector256<ushort>.Count; j += Vector256<ushort>.Count)
            {
                Vector256.Narrow(
                    ToBFloat16(Vector256.LoadUnsafe(ref x, (nuint)j)),
                    ToBFloat16(Vector256.LoadUnsafe(ref x, (nuint)(j + Vector256<float>.Count)))).StoreUnsafe(ref y, (nuint)j);
            }
        }

        if (width.Uses128())
        {
            for (; j <= n - Vector128<ushort>.Count; j += Vector128<ushort>.Count)
            {
                Vector128.Narrow(
                    ToBFloat16(Vector128.LoadUnsafe(ref x, (nuint)j)),
                    ToBFloat16(Vector128.LoadUnsafe(ref x, (nuint)(j + Vector128<float>.Count)))).StoreUnsafe(ref y, (nuint)j);
            }
        }

        for (; j < n; j++)
        {
            Unaligned.Write(ref y, j, ToBFloat16(Unsafe.Add(ref x, j)));
        }
    }

    private const uint QuietBit = 0x0040;

    private const uint RoundingBias = 0x7FFF;

    // Mirrors the scalar ToBFloat16; returns the 16-bit result in the low half of each lane.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> ToBFloat16(Vector512<float> value)
    {
        var bits = value.AsUInt32();
        var rounded = (bits + Vector512.Create(RoundingBias) + ((bits >> 16) & Vector512<uint>.One)) >> 16;
        return Vector512.ConditionalSelect(Vector512.IsNaN(value).AsUInt32(), (bits >> 16) | Vector512.Create(QuietBit), rounded);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> ToBFloat16(Vector256<float> value)
    {
        var bits = value.AsUInt32();
        var rounded = (bits + Vector256.Create(RoundingBias) + ((bits >> 16) & Vector256<uint>.One)) >> 16;
        return Vector256.ConditionalSelect(Vector256.IsNaN(value).AsUInt32(), (bits >> 16) | Vector256.Create(QuietBit), rounded);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> ToBFloat16(Vector128<float> value)
    {
        var bits = value.AsUInt32();
        var rounded = (bits + Vector128.Create(RoundingBias) + ((bits >> 16) & Vector128<uint>.One)) >> 16;
        return Vector128.ConditionalSelect(Vector128.IsNaN(value).AsUInt32(), (bits >> 16) | Vector128.Create(QuietBit), rounded);
    }
}
