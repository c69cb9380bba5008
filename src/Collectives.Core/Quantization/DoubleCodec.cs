using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Collectives.Quantization;

/// <summary>
/// Float64 values ↔ codes with a <see cref="DoubleMap"/>. Vector widths run first on whole batches, the scalar
/// reference finishes the tail; every width performs the same operations per element, so the bytes never depend
/// on the width. Special codes (NaN, ±∞) are handled separately by <see cref="SpecialCodes"/>.
/// </summary>
internal static class DoubleCodec
{
    /// <summary>Writes the code of every value (float64 bytes). Requires a positive step: constant pieces are all code 0.</summary>
    public static void Encode(ReadOnlySpan<byte> values, Span<byte> codes, DoubleMap map, int codeBytes, KernelWidth width)
    {
        ref double x = ref Unsafe.As<byte, double>(ref MemoryMarshal.GetReference(values));
        ref byte q = ref MemoryMarshal.GetReference(codes);
        nint n = values.Length / sizeof(double);
        nint i = 0;
        if (width.Uses512())
        {
            i = Encode512(ref x, ref q, i, n, map, codeBytes);
        }

        if (width.Uses256())
        {
            i = Encode256(ref x, ref q, i, n, map, codeBytes);
        }

        if (width.Uses128())
        {
            i = Encode128(ref x, ref q, i, n, map, codeBytes);
        }

        for (; i < n; i++)
        {
            Unaligned.WriteCode(ref q, i, codeBytes, (int)map.CodeOf(Unaligned.Read(ref x, i)));
        }
    }

    /// <summary>Writes the float64 value of every code (special codes decode as finite codes; see <see cref="SpecialCodes"/>).</summary>
    public static void Decode(ReadOnlySpan<byte> codes, Span<byte> values, DoubleMap map, int codeBytes, KernelWidth width)
    {
        ref byte q = ref MemoryMarshal.GetReference(codes);
        ref double y = ref Unsafe.As<byte, double>(ref MemoryMarshal.GetReference(values));
        nint n = values.Length / sizeof(double);
        nint i = 0;
        if (width.Uses512())
        {
            i = Decode512(ref q, ref y, i, n, map, codeBytes);
        }

        if (width.Uses256())
        {
            i = Decode256(ref q, ref y, i, n, map, codeBytes);
        }

        if (width.Uses128())
        {
            i = Decode128(ref q, ref y, i, n, map, codeBytes);
        }

        for (; i < n; i++)
        {
            Unaligned.Write(ref y, i, map.ValueOf(Unaligned.ReadCode(ref q, i, codeBytes)));
        }
    }

    private static nint Encode512(ref double x, ref byte codes, nint i, nint n, DoubleMap map, int codeBytes)
    {
        var center = Vector512.Create(map.Center);
        var step = Vector512.Create(map.Step);
        var mid = Vector512.Create(map.MidCode);
        var top = Vector512.Create(map.TopCode);
        nint k = Vector512<double>.Count;
        if (codeBytes == 1)
        {
            for (; i <= n - 8 * k; i += 8 * k)
            {
                CodePacking.StoreBytes(
                    CodesOf(ref x, i, center, step, mid, top),
                    CodesOf(ref x, i + 2 * k, center, step, mid, top),
                    CodesOf(ref x, i + 4 * k, center, step, mid, top),
                    CodesOf(ref x, i + 6 * k, center, step, mid, top),
                    ref codes,
                    i);
            }
        }
        else
        {
            for (; i <= n - 4 * k; i += 4 * k)
            {
                CodePacking.StoreUInt16(
                    CodesOf(ref x, i, center, step, mid, top),
                    CodesOf(ref x, i + 2 * k, center, step, mid, top),
                    ref codes,
                    i);
            }
        }

        return i;
    }

    private static nint Decode512(ref byte codes, ref double y, nint i, nint n, DoubleMap map, int codeBytes)
    {
        var center = Vector512.Create(map.Center);
        var step = Vector512.Create(map.Step);
        var mid = Vector512.Create(map.MidCode);
        nint k = Vector512<double>.Count;
        if (codeBytes == 1)
        {
            for (; i <= n - 8 * k; i += 8 * k)
            {
                CodePacking.LoadBytes(ref codes, i, out Vector512<float> c0, out Vector512<float> c1, out Vector512<float> c2, out Vector512<float> c3);
                StoreValues(c0, ref y, i, center, step, mid);
                StoreValues(c1, ref y, i + 2 * k, center, step, mid);
                StoreValues(c2, ref y, i + 4 * k, center, step, mid);
                StoreValues(c3, ref y, i + 6 * k, center, step, mid);
            }
        }
        else
        {
            for (; i <= n - 4 * k; i += 4 * k)
            {
                CodePacking.LoadUInt16(ref codes, i, out Vector512<float> c0, out Vector512<float> c1);
                StoreValues(c0, ref y, i, center, step, mid);
                StoreValues(c1, ref y, i + 2 * k, center, step, mid);
            }
        }

        return i;
    }

    // Mirrors DoubleMap.CodeOf for two vectors, then narrows the integral results to float32 (exact below 2^24)
    // so the code packing is shared with the float32 kernels.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> CodesOf(ref double x, nint i, Vector512<double> center, Vector512<double> step, Vector512<double> mid, Vector512<double> top)
    {
        var lower = Vector512.LoadUnsafe(ref x, (nuint)i);
        var upper = Vector512.LoadUnsafe(ref x, (nuint)(i + Vector512<double>.Count));
        return Vector512.Narrow(
            Vector512.MinNative(Vector512.MaxNative(Vector512.Round((lower - center) / step + mid), Vector512<double>.Zero), top),
            Vector512.MinNative(Vector512.MaxNative(Vector512.Round((upper - center) / step + mid), Vector512<double>.Zero), top));
    }

    // Mirrors DoubleMap.ValueOf; the codes widen exactly from float32.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreValues(Vector512<float> codes, ref double y, nint i, Vector512<double> center, Vector512<double> step, Vector512<double> mid)
    {
        var (lower, upper) = Vector512.Widen(codes);
        (center + (lower - mid) * step).StoreUnsafe(ref y, (nuint)i);
        (center + (upper - mid) * step).StoreUnsafe(ref y, (nuint)(i + Vector512<double>.Count));
    }

    private static nint Encode256(ref double x, ref byte codes, nint i, nint n, DoubleMap map, int codeBytes)
    {
        var center = Vector256.Create(map.Center);
        var step = Vector256.Create(map.Step);
        var mid = Vector256.Create(map.MidCode);
        var top = Vector256.Create(map.TopCode);
        nint k = Vector256<double>.Count;
        if (codeBytes == 1)
        {
            for (; i <= n - 8 * k; i += 8 * k)
            {
                CodePacking.StoreBytes(
                    CodesOf(ref x, i, center, step, mid, top),
                    CodesOf(ref x, i + 2 * k, center, step, mid, top),
                    CodesOf(ref x, i + 4 * k, center, step, mid, top),
                    CodesOf(ref x, i + 6 * k, center, step, mid, top),
                    ref codes,
                    i);
            }
        }
        else
        {
            for (; i <= n - 4 * k; i += 4 * k)
            {
                CodePacking.StoreUInt16(
                    CodesOf(ref x, i, center, step, mid, top),
                    CodesOf(ref x, i + 2 * k, center, step, mid, top),
                    ref codes,
                    i);
            }
        }

        return i;
    }

    private static nint Decode256(ref byte codes, ref double y, nint i, nint n, DoubleMap map, int codeBytes)
    {
        var center = Vector256.Create(map.Center);
        var step = Vector256.Create(map.Step);
        var mid = Vector256.Create(map.MidCode);
        nint k = Vector256<double>.Count;
        if (codeBytes == 1)
        {
            for (; i <= n - 8 * k; i += 8 * k)
            {
                CodePacking.LoadBytes(ref codes, i, out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2, out Vector256<float> c3);
                StoreValues(c0, ref y, i, center, step, mid);
                StoreValues(c1, ref y, i + 2 * k, center, step, mid);
                StoreValues(c2, ref y, i + 4 * k, center, step, mid);
                StoreValues(c3, ref y, i + 6 * k, center, step, mid);
            }
        }
        else
        {
            for (; i <= n - 4 * k; i += 4 * k)
            {
                CodePacking.LoadUInt16(ref codes, i, out Vector256<float> c0, out Vector256<float> c1);
                StoreValues(c0, ref y, i, center, step, mid);
                StoreValues(c1, ref y, i + 2 * k, center, step, mid);
            }
        }

        return i;
    }

    // As the Vector512 overload.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> CodesOf(ref double x, nint i, Vector256<double> center, Vector256<double> step, Vector256<double> mid, Vector256<double> top)
    {
        var lower = Vector256.LoadUnsafe(ref x, (nuint)i);
        var upper = Vector256.LoadUnsafe(ref x, (nuint)(i + Vector256<double>.Count));
        return Vector256.Narrow(
            Vector256.MinNative(Vector256.MaxNative(Vector256.Round((lower - center) / step + mid), Vector256<double>.Zero), top),
            Vector256.MinNative(Vector256.MaxNative(Vector256.Round((upper - center) / step + mid), Vector256<double>.Zero), top));
    }

    // As the Vector512 overload.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreValues(Vector256<float> codes, ref double y, nint i, Vector256<double> center, Vector256<double> step, Vector256<double> mid)
    {
        var (lower, upper) = Vector256.Widen(codes);
        (center + (lower - mid) * step).StoreUnsafe(ref y, (nuint)i);
        (center + (upper - mid) * step).StoreUnsafe(ref y, (nuint)(i + Vector256<double>.Count));
    }

    private static nint Encode128(ref double x, ref byte codes, nint i, nint n, DoubleMap map, int codeBytes)
    {
        var center = Vector128.Create(map.Center);
        var step = Vector128.Create(map.Step);
        var mid = Vector128.Create(map.MidCode);
        var top = Vector128.Create(map.TopCode);
        nint k = Vector128<double>.Count;
        if (codeBytes == 1)
        {
            for (; i <= n - 8 * k; i += 8 * k)
            {
                CodePacking.StoreBytes(
                    CodesOf(ref x, i, center, step, mid, top),
                    CodesOf(ref x, i + 2 * k, center, step, mid, top),
                    CodesOf(ref x, i + 4 * k, center, step, mid, top),
                    CodesOf(ref x, i + 6 * k, center, step, mid, top),
                    ref codes,
                    i);
            }
        }
        else
        {
            for (; i <= n - 4 * k; i += 4 * k)
            {
                CodePacking.StoreUInt16(
                    CodesOf(ref x, i, center, step, mid, top),
                    CodesOf(ref x, i + 2 * k, center, step, mid, top),
                    ref codes,
                    i);
            }
        }

        return i;
    }

    private static nint Decode128(ref byte codes, ref double y, nint i, nint n, DoubleMap map, int codeBytes)
    {
        var center = Vector128.Create(map.Center);
        var step = Vector128.Create(map.Step);
        var mid = Vector128.Create(map.MidCode);
        nint k = Vector128<double>.Count;
        if (codeBytes == 1)
        {
            for (; i <= n - 8 * k; i += 8 * k)
            {
                CodePacking.LoadBytes(ref codes, i, out Vector128<float> c0, out Vector128<float> c1, out Vector128<float> c2, out Vector128<float> c3);
                StoreValues(c0, ref y, i, center, step, mid);
                StoreValues(c1, ref y, i + 2 * k, center, step, mid);
                StoreValues(c2, ref y, i + 4 * k, center, step, mid);
                StoreValues(c3, ref y, i + 6 * k, center, step, mid);
            }
        }
        else
        {
            for (; i <= n - 4 * k; i += 4 * k)
            {
                CodePacking.LoadUInt16(ref codes, i, out Vector128<float> c0, out Vector128<float> c1);
                StoreValues(c0, ref y, i, center, step, mid);
                StoreValues(c1, ref y, i + 2 * k, center, step, mid);
            }
        }

        return i;
    }

    // As the Vector512 overload.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> CodesOf(ref double x, nint i, Vector128<double> center, Vector128<double> step, Vector128<double> mid, Vector128<double> top)
    {
        var lower = Vector128.LoadUnsafe(ref x, (nuint)i);
        var upper = Vector128.LoadUnsafe(ref x, (nuint)(i + Vector128<double>.Count));
        return Vector128.Narrow(
            Vector128.MinNative(Vector128.MaxNative(Vector128.Round((lower - center) / step + mid), Vector128<double>.Zero), top),
            Vector128.MinNative(Vector128.MaxNative(Vector128.Round((upper - center) / step + mid), Vector128<double>.Zero), top));
    }

    // As the Vector512 overload.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreValues(Vector128<float> codes, ref double y, nint i, Vector128<double> center, Vector128<double> step, Vector128<double> mid)
    {
        var (lower, upper) = Vector128.Widen(codes);
        (center + (lower - mid) * step).StoreUnsafe(ref y, (nuint)i);
        (center + (upper - mid) * step).StoreUnsafe(ref y, (nuint)(i + Vector128<double>.Count));
    }
}
