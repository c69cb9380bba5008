using System.Runtime.CompilerServices;

namespace Collectives.Quantization;

/// <summary>
/// Element access through refs that may be misaligned (buffers are byte spans from callers and the network).
/// Vector loads and stores (<c>LoadUnsafe</c>/<c>StoreUnsafe</c>) are unaligned by definition; scalar code uses these.
/// </summary>
internal static class Unaligned
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Read<T>(ref T first, nint index) where T : unmanaged =>
        Unsafe.ReadUnaligned<T>(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref first, index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write<T>(ref T first, nint index, T value) where T : unmanaged =>
        Unsafe.WriteUnaligned(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref first, index)), value);

    /// <summary>Reads code <paramref name="index"/> of 1-byte or 2-byte little-endian codes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadCode(ref byte codes, nint index, int codeBytes) => codeBytes == 1
        ? Unsafe.Add(ref codes, index)
        : Read(ref Unsafe.As<byte, ushort>(ref codes), index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteCode(ref byte codes, nint index, int codeBytes, int code)
    {
        if (codeBytes == 1)
        {
            Unsafe.Add(ref codes, index) = (byte)code;
        }
        else
        {
            Write(ref Unsafe.As<byte, ushort>(ref codes), index, (ushort)code);
        }
    }
}
