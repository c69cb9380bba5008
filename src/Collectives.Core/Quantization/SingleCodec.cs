using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Collectives.Quantization;

/// <summary>
/// Float32 values ↔ codes with a <see cref="SingleMap"/>. Vector widths run first on whole batches, the scalar
/// reference finishes the tail; every width performs the same operations per element, so the bytes never depend
/// on the width. Special codes (NaN, ±∞) are handled separately by <see cref="SpecialCodes"/>.
/// </summary>
internal static class SingleCodec
{
    /// <summary>Writes the code of every value (float32 bytes). Requires a positive step: constant pieces are all code 0.</summary>
    public static void Encode(ReadOnlySpan<byte> values, Span<byte> codes, SingleMap map, int codeBytes, KernelWidth width)
    {
        ref float x = ref Unsafe.As<byte, float>(ref MemoryMarshal.GetReference(values));
        ref byte q = ref MemoryMarshal.GetReference(codes);
        nint n = values.Length / sizeof(float);
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

    /// <summary>Writes the float32 value of every code (special codes decode as finite codes; see <see cref="SpecialCodes"/>).</summary>
    public static void Decode(ReadOnlySpan<byte> codes, Span<byte> values, SingleMap map, int codeBytes, KernelWidth width)
    {
        ref byte q = ref MemoryMarshal.GetReference(codes);
        ref float y = ref Unsafe.As<byte, float>(ref MemoryMarshal.GetReference(values));
        nint n = values.Length / sizeof(float);
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

    private static nint Encode512(ref float x, ref byte codes, nint i, nint n, SingleMap map, int codeBytes)
    {
        var center = Vector512.Create(map.Center);
        var step = Vector512.Create(map.Step);
        var mid = Vector512.Create(map.MidCode);
        var top = Vector512.Create(map.TopCode);
        nint k = Vector512<float>.Count;
        if (codeBytes == 1)
        {
            for (; i <= n - 4 * k; i += 4 * k)
            {
                CodePacking.StoreBytes(
                    CodeOf(Vector512.LoadUnsafe(ref x, (nuint)i), center, step, mid, top),
                    CodeOf(Vector512.LoadUnsafe(ref x, (nuint)(i + k)), center, step, mid, top),
                    CodeOf(Vector512.LoadUnsafe(ref x, (nuint)(i + 2 * k)), center, step, mid, top),
                    CodeOf(Vector512.LoadUnsafe(ref x, (nuint)(i + 3 * k)), center, step, mid, top),
                    ref codes,
                    i);
            }
        }
        else
        {
            for (; i <= n - 2 * k; i += 2 * k)
            {
                CodePacking.StoreUInt16(
                    CodeOf(Vector512.LoadUnsafe(ref x, (nuint)i), center, step, mid, top),
                    CodeOf(Vector512.LoadUnsafe(ref x, (nuint)(i + k)), center, step, mid, top),
                    ref codes,
                    i);
            }
        }

        return i;
    }

    private static nint Decode512(ref byte codes, ref float y, nint i, nint n, SingleMap map, int codeBytes)
    {
        var center = Vector512.Create(map.Center);
        var step = Vector512.Create(map.Step);
        var mid = Vector512.Create(map.MidCode);
        nint k = Vector512<float>.Count;
        if (codeBytes == 1)
        {
            for (; i <= n - 4 * k; i += 4 * k)
            {
                CodePacking.LoadBytes(ref codes, i, out Vector512<float> c0, out Vector512<float> c1, out Vector512<float> c2, out Vector512<float> c3);
                ValueOf(c0, center, step, mid).StoreUnsafe(ref y, (nuint)i);
                ValueOf(c1, center, step, mid).StoreUnsafe(ref y, (nuint)(i + k));
                ValueOf(c2, center, step, mid).StoreUnsafe(ref y, (nuint)(i + 2 * k));
                ValueOf(c3, center, step, mid).StoreUnsafe(ref y, (nuint)(i + 3 * k));
            }
        }
        else
        {
            for (; i <= n - 2 * k; i += 2 * k)
            {
                CodePacking.LoadUInt16(ref codes, i, out Vector512<float> c0, out Vector512<float> c1);
                ValueOf(c0, center, step, mid).StoreUnsafe(ref y, (nuint)i);
                ValueOf(c1, center, step, mid).StoreUnsafe(ref y, (nuint)(i + k));
            }
        }

        return i;
    }

    // Mirrors SingleMap.CodeOf. MaxNative/MinNative differ from the scalar comparisons only for NaN lanes, which
    // come only from NaN inputs and are overwritten by SpecialCodes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> CodeOf(Vector512<float> x, Vector512<float> center, Vector512<float> step, Vector512<float> mid, Vector512<float> top) =>
        Vector512.MinNative(Vector512.MaxNative(Vector512.Round((x - center) / step + mid), Vector512<float>.Zero), top);

    // Mirrors SingleMap.ValueOf.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ValueOf(Vector512<float> code, Vector512<float> center, Vector512<float> step, Vector512<float> mid) =>
        center + (code - mid) * step;

    private static nint Encode256(ref float x, ref byte codes, nint i, nint n, SingleMap map, int codeBytes)
    {
        var center = Vector256.Create(map.Center);
        var step = Vector256.Create(map.Step);
        var mid = Vector256.Create(map.MidCode);
        var top = Vector256.Create(map.TopCode);
        nint k = Vector256<float>.Count;
        if (codeBytes == 1)
        {
            for (; i <= n - 4 * k; i += 4 * k)
            {
                CodePacking.StoreBytes(
                    CodeOf(Vector256.LoadUnsafe(ref x, (nuint)i), center, step, mid, top),
                    CodeOf(Vector256.LoadUnsafe(ref x, (nuint)(i + k)), center, step, mid, top),
                    CodeOf(Vector256.LoadUnsafe(ref x, (nuint)(i + 2 * k)), center, step, mid, top),
                    CodeOf(Vector256.LoadUnsafe(ref x, (nuint)(i + 3 * k)), center, step, mid, top),
                    ref codes,
                    i);
            }
        }
        else
        {
            for (; i <= n - 2 * k; i += 2 * k)
            {
                CodePacking.StoreUInt16(
                    CodeOf(Vector256.LoadUnsafe(ref x, (nuint)i), center, step, mid, top),
                    CodeOf(Vector256.LoadUnsafe(ref x, (nuint)(i + k)), center, step, mid, top),
                    ref codes,
                    i);
            }
        }

        return i;
    }

    private static nint Decode256(ref byte codes, ref float y, nint i, nint n, SingleMap map, int codeBytes)
    {
        var center = Vector256.Create(map.Center);
        var step = Vector256.Create(map.Step);
        var mid = Vector256.Create(map.MidCode);
        nint k = Vector256<float>.Count;
        if (codeBytes == 1)
        {
            for (; i <= n - 4 * k; i += 4 * k)
            {
                CodePacking.LoadBytes(ref codes, i, out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2, out Vector256<float> c3);
                ValueOf(c0, center, step, mid).StoreUnsafe(ref y, (nuint)i);
                ValueOf(c1, center, step, mid).StoreUnsafe(ref y, (nuint)(i + k));
                ValueOf(c2, center, step, mid).StoreUnsafe(ref y, (nuint)(i + 2 * k));
                ValueOf(c3, center, step, mid).StoreUnsafe(ref y, (nuint)(i + 3 * k));
            }
        }
        else
        {
            for (; i <= n - 2 * k; i += 2 * k)
            {
                CodePacking.LoadUInt16(ref codes, i, out Vector256<float> c0, out Vector256<float> c1);
                ValueOf(c0, center, step, mid).StoreUnsafe(ref y, (nuint)i);
                ValueOf(c1, center, step, mid).StoreUnsafe(ref y, (nuint)(i + k));
            }
        }

        return i;
    }

    // As the Vector512 overload.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> CodeOf(Vector256<float> x, Vector256<float> center, Vector256<float> step, Vector256<float> mid, Vector256<float> top) =>
        Vector256.MinNative(Vector256.MaxNative(Vector256.Round((x - center) / step + mid), Vector256<float>.Zero), top);

    // As the Vector512 overload.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ValueOf(Vector256<float> code, Vector256<float> center, Vector256<float> step, Vector256<float> mid) =>
        center + (code - mid) * step;

    private static nint Encode128(ref float x, ref byte codes, nint i, nint n, SingleMap map, int codeBytes)
    {
        var center = Vector128.Create(map.Center);
        var step = Vector128.Create(map.Step);
        var mid = Vector128.Create(map.MidCode);
        var top = Vector128.Create(map.TopCode);
        nint k = Vector128<float>.Count;
        if (codeBytes == 1)
        {
            for (; i <= n - 4 * k; i += 4 * k)
            {
                CodePacking.StoreBytes(
                    CodeOf(Vector128.LoadUnsafe(ref x, (nuint)i), center, step, mid, top),
                    CodeOf(Vector128.LoadUnsafe(ref x, (nuint)(i + k)), center, step, mid, top),
                    CodeOf(Vector128.LoadUnsafe(ref x, (nuint)(i + 2 * k)), center, step, mid, top),
                    CodeOf(Vector128.LoadUnsafe(ref x, (nuint)(i + 3 * k)), center, step, mid, top),
                    ref codes,
                    i);
            }
        }
        else
        {
            for (; i <= n - 2 * k; i += 2 * k)
            {
                CodePacking.StoreUInt16(
                    CodeOf(Vector128.LoadUnsafe(ref x, (nuint)i), center, step, mid, top),
                    CodeOf(Vector128.LoadUnsafe(ref x, (nuint)(i + k)), center, step, mid, top),
                    ref codes,
                    i);
            }
        }

        return i;
    }

    private static nint Decode128(ref byte codes, ref float y, nint i, nint n, SingleMap map, int codeBytes)
    {
        var center = Vector128.Create(map.Center);
        var step = Vector128.Create(map.Step);
        var mid = Vector128.Create(map.MidCode);
        nint k = Vector128<float>.Count;
        if (codeBytes == 1)
        {
            for (; i <= n - 4 * k; i += 4 * k)
            {
                CodePacking.LoadBytes(ref codes, i, out Vector128<float> c0, out Vector128<float> c1, out Vector128<float> c2, out Vector128<float> c3);
                ValueOf(c0, center, step, mid).StoreUnsafe(ref y, (nuint)i);
                ValueOf(c1, center, step, mid).StoreUnsafe(ref y, (nuint)(i + k));
                ValueOf(c2, center, step, mid).StoreUnsafe(ref y, (nuint)(i + 2 * k));
                ValueOf(c3, center, step, mid).StoreUnsafe(ref y, (nuint)(i + 3 * k));
            }
        }
        else
        {
            for (; i <= n - 2 * k; i += 2 * k)
            {
                CodePacking.LoadUInt16(ref codes, i, out Vector128<float> c0, out Vector128<float> c1);
                ValueOf(c0, center, step, mid).StoreUnsafe(ref y, (nuint)i);
                ValueOf(c1, center, step, mid).StoreUnsafe(ref y, (nuint)(i + k));
            }
        }

        return i;
    }

    // As the Vector512 overload.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> CodeOf(Vector128<float> x, Vector128<float> center, Vector128<float> step, Vector128<float> mid, Vector128<float> top) =>
        Vector128.MinNative(Vector128.MaxNative(Vector128.Round((x - center) / step + mid), Vector128<float>.Zero), top);

    // As the Vector512 overload.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ValueOf(Vector128<float> code, Vector128<float> center, Vector128<float> step, Vector128<float> mid) =>
        center + (code - mid) * step;
}
