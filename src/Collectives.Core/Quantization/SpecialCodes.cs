using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Collectives.Quantization;

/// <summary>
/// The NaN/±∞ rule. Non-finite values take no part in a piece's statistics; when a piece has any, its header flags
/// it and the three top codes stand for −∞, +∞ and NaN (its finite values then have three code levels fewer).
/// Decoding gives exactly −∞, +∞ or the default NaN (<see cref="float.NaN"/>; NaN payloads are not
/// kept). These passes are scalar and run only for flagged pieces, after the vector kernels have handled the
/// finite values; being scalar they are trivially the same on every machine.
/// </summary>
internal static class SpecialCodes
{
    public static int CountFinite<T>(ReadOnlySpan<byte> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T x = ref Unsafe.As<byte, T>(ref MemoryMarshal.GetReference(values));
        nint n = values.Length / Unsafe.SizeOf<T>();
        int count = 0;
        for (nint i = 0; i < n; i++)
        {
            count += T.IsFinite(Unaligned.Read(ref x, i)) ? 1 : 0;
        }

        return count;
    }

    /// <summary>Overwrites the codes of NaN and ±∞ values with their special codes.</summary>
    public static void Encode<T>(ReadOnlySpan<byte> values, Span<byte> codes, CodeSpace space)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T x = ref Unsafe.As<byte, T>(ref MemoryMarshal.GetReference(values));
        ref byte q = ref MemoryMarshal.GetReference(codes);
        nint n = values.Length / Unsafe.SizeOf<T>();
        for (nint i = 0; i < n; i++)
        {
            T v = Unaligned.Read(ref x, i);
            if (!T.IsFinite(v))
            {
                int code = T.IsNaN(v) ? space.NaNCode : T.IsPositive(v) ? space.PositiveInfinityCode : space.NegativeInfinityCode;
                Unaligned.WriteCode(ref q, i, space.CodeBytes, code);
            }
        }
    }

    /// <summary>Overwrites the values of special codes with −∞, +∞ or NaN.</summary>
    public static void Decode<T>(ReadOnlySpan<byte> codes, Span<byte> values, CodeSpace space)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref byte q = ref MemoryMarshal.GetReference(codes);
        ref T y = ref Unsafe.As<byte, T>(ref MemoryMarshal.GetReference(values));
        nint n = values.Length / Unsafe.SizeOf<T>();
        for (nint i = 0; i < n; i++)
        {
            int code = Unaligned.ReadCode(ref q, i, space.CodeBytes);
            if (code > space.TopFiniteCode)
            {
                T special = code == space.NaNCode ? T.NaN : code == space.PositiveInfinityCode ? T.PositiveInfinity : T.NegativeInfinity;
                Unaligned.Write(ref y, i, special);
            }
        }
    }
}
