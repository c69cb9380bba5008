using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Collectives.Algorithms.Kernels;

/// <summary>
/// bfloat16 ⇄ float32 by bit manipulation (.NET 10 has no <c>System.Numerics.BFloat16</c>). A bfloat16 is the
/// upper half of a float32, so widening is exact (a shift); narrowing rounds to nearest, ties to even, overflows
/// to ±Inf by the same rule, keeps denormals, and turns any NaN into a quiet NaN with the same sign and the
/// upper payload bits. The Vector256, Vector128 and scalar paths compute the same formula, so they give
/// identical bits; each is reachable on its own so tests can compare them on one machine.
/// </summary>
internal static class BFloat16Conversion
{
    private const uint AbsMask = 0x7FFF_FFFF;
    private const uint PositiveInfinityBits = 0x7F80_0000;
    // Rounding bias below the half-way point; adding the kept lsb on top makes exact ties round to even.
    private const uint RoundingBias = 0x7FFF;
    // The top mantissa bit of a bfloat16 (bit 22 of the float32): set, it makes a NaN quiet.
    private const uint QuietBit = 0x0040_0000;

    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    public static ushort FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & AbsMask) > PositiveInfinityBits)
        {
            return (ushort)((bits | QuietBit) >> 16);
        }

        return (ushort)((bits + RoundingBias + ((bits >> 16) & 1)) >> 16);
    }

    public static void Widen(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            WidenVector256(source, destination);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            WidenVector128(source, destination);
        }
        else
        {
            WidenScalar(source, destination, 0);
        }
    }

    public static void Narrow(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            NarrowVector256(source, destination);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            NarrowVector128(source, destination);
        }
        else
        {
            NarrowScalar(source, destination, 0);
        }
    }

    internal static void WidenVector256(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        ref ushort src = ref MemoryMarshal.GetReference(source);
        ref uint dst = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(destination));
        int i = 0;
        for (; i <= source.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
        {
            (Vector256<uint> lower, Vector256<uint> upper) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
            (lower << 16).StoreUnsafe(ref dst, (nuint)i);
            (upper << 16).StoreUnsafe(ref dst, (nuint)(i + Vector256<uint>.Count));
        }

        WidenScalar(source, destination, i);
    }

    internal static void WidenVector128(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        ref ushort src = ref MemoryMarshal.GetReference(source);
        ref uint dst = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(destination));
        int i = 0;
        for (; i <= source.Length - Vector128<ushort>.Count; i += Vector128<ushort>.Count)
        {
            (Vector128<uint> lower, Vector128<uint> upper) = Vector128.Widen(Vector128.LoadUnsafe(ref src, (nuint)i));
            (lower << 16).StoreUnsafe(ref dst, (nuint)i);
            (upper << 16).StoreUnsafe(ref dst, (nuint)(i + Vector128<uint>.Count));
        }

        WidenScalar(source, destination, i);
    }

    internal static void WidenScalar(ReadOnlySpan<ushort> source, Span<float> destination, int start)
    {
        for (int i = start; i < source.Length; i++)
        {
            destination[i] = ToSingle(source[i]);
        }
    }

    internal static void NarrowVector256(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        ref uint src = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(source));
        ref ushort dst = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        for (; i <= source.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
        {
            Vector256<uint> lower = Round(Vector256.LoadUnsafe(ref src, (nuint)i));
            Vector256<uint> upper = Round(Vector256.LoadUnsafe(ref src, (nuint)(i + Vector256<uint>.Count)));
            Vector256.Narrow(lower, upper).StoreUnsafe(ref dst, (nuint)i);
        }

        NarrowScalar(source, destination, i);
    }

    internal static void NarrowVector128(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        ref uint src = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(source));
        ref ushort dst = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        for (; i <= source.Length - Vector128<ushort>.Count; i += Vector128<ushort>.Count)
        {
            Vector128<uint> lower = Round(Vector128.LoadUnsafe(ref src, (nuint)i));
            Vector128<uint> upper = Round(Vector128.LoadUnsafe(ref src, (nuint)(i + Vector128<uint>.Count)));
            Vector128.Narrow(lower, upper).StoreUnsafe(ref dst, (nuint)i);
        }

        NarrowScalar(source, destination, i);
    }

    internal static void NarrowScalar(ReadOnlySpan<float> source, Span<ushort> destination, int start)
    {
        for (int i = start; i < source.Length; i++)
        {
            destination[i] = FromSingle(source[i]);
        }
    }

    /// <summary><see cref="FromSingle"/> on every lane, leaving the bfloat16 in the low 16 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Round(Vector256<uint> bits)
    {
        Vector256<uint> kept = bits >> 16;
        Vector256<uint> rounded = (bits + Vector256.Create(RoundingBias) + (kept & Vector256<uint>.One)) >> 16;
        Vector256<uint> quietNaN = (bits | Vector256.Create(QuietBit)) >> 16;
        // After masking the sign the value fits in int, so a signed compare is exact (AVX2 has no unsigned one).
        Vector256<uint> isNaN = Vector256.GreaterThan(
            (bits & Vector256.Create(AbsMask)).AsInt32(), Vector256.Create((int)PositiveInfinityBits)).AsUInt32();
        return Vector256.ConditionalSelect(isNaN, quietNaN, rounded);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Round(Vector128<uint> bits)
    {
        Vector128<uint> kept = bits >> 16;
        Vector128<uint> rounded = (bits + Vector128.Create(RoundingBias) + (kept & Vector128<uint>.One)) >> 16;
        Vector128<uint> quietNaN = (bits | Vector128.Create(QuietBit)) >> 16;
        Vector128<uint> isNaN = Vector128.GreaterThan(
            (bits & Vector128.Create(AbsMask)).AsInt32(), Vector128.Create((int)PositiveInfinityBits)).AsUInt32();
        return Vector128.ConditionalSelect(isNaN, quietNaN, rounded);
    }
}
