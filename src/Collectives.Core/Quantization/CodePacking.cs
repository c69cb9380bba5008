using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Collectives.Quantization;

/// <summary>
/// Moves codes between memory and float32 vectors. Stores take integral floats already clamped to the code range
/// (so the truncating narrows are exact); loads give exact floats. One batch fills one vector of codes: four
/// float vectors for 8-bit codes, two for 16-bit codes. 16-bit codes are stored in the machine's byte order,
/// which is little-endian on every platform .NET runs SIMD on.
/// </summary>
internal static class CodePacking
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreBytes(Vector512<float> c0, Vector512<float> c1, Vector512<float> c2, Vector512<float> c3, ref byte codes, nint index) =>
        Vector512.Narrow(Vector512.Narrow(ToUInt32(c0), ToUInt32(c1)), Vector512.Narrow(ToUInt32(c2), ToUInt32(c3)))
            .StoreUnsafe(ref codes, (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreUInt16(Vector512<float> c0, Vector512<float> c1, ref byte codes, nint index) =>
        Vector512.Narrow(ToUInt32(c0), ToUInt32(c1)).StoreUnsafe(ref Unsafe.As<byte, ushort>(ref codes), (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadBytes(ref byte codes, nint index, out Vector512<float> c0, out Vector512<float> c1, out Vector512<float> c2, out Vector512<float> c3)
    {
        var (lower, upper) = Vector512.Widen(Vector512.LoadUnsafe(ref codes, (nuint)index));
        var (w0, w1) = Vector512.Widen(lower);
        var (w2, w3) = Vector512.Widen(upper);
        c0 = Vector512.ConvertToSingle(w0.AsInt32());
        c1 = Vector512.ConvertToSingle(w1.AsInt32());
        c2 = Vector512.ConvertToSingle(w2.AsInt32());
        c3 = Vector512.ConvertToSingle(w3.AsInt32());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadUInt16(ref byte codes, nint index, out Vector512<float> c0, out Vector512<float> c1)
    {
        var (w0, w1) = Vector512.Widen(Vector512.LoadUnsafe(ref Unsafe.As<byte, ushort>(ref codes), (nuint)index));
        c0 = Vector512.ConvertToSingle(w0.AsInt32());
        c1 = Vector512.ConvertToSingle(w1.AsInt32());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreBytes(Vector256<float> c0, Vector256<float> c1, Vector256<float> c2, Vector256<float> c3, ref byte codes, nint index) =>
        Vector256.Narrow(Vector256.Narrow(ToUInt32(c0), ToUInt32(c1)), Vector256.Narrow(ToUInt32(c2), ToUInt32(c3)))
            .StoreUnsafe(ref codes, (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreUInt16(Vector256<float> c0, Vector256<float> c1, ref byte codes, nint index) =>
        Vector256.Narrow(ToUInt32(c0), ToUInt32(c1)).StoreUnsafe(ref Unsafe.As<byte, ushort>(ref codes), (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadBytes(ref byte codes, nint index, out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2, out Vector256<float> c3)
    {
        var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref codes, (nuint)index));
        var (w0, w1) = Vector256.Widen(lower);
        var (w2, w3) = Vector256.Widen(upper);
        c0 = Vector256.ConvertToSingle(w0.AsInt32());
        c1 = Vector256.ConvertToSingle(w1.AsInt32());
        c2 = Vector256.ConvertToSingle(w2.AsInt32());
        c3 = Vector256.ConvertToSingle(w3.AsInt32());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadUInt16(ref byte codes, nint index, out Vector256<float> c0, out Vector256<float> c1)
    {
        var (w0, w1) = Vector256.Widen(Vector256.LoadUnsafe(ref Unsafe.As<byte, ushort>(ref codes), (nuint)index));
        c0 = Vector256.ConvertToSingle(w0.AsInt32());
        c1 = Vector256.ConvertToSingle(w1.AsInt32());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreBytes(Vector128<float> c0, Vector128<float> c1, Vector128<float> c2, Vector128<float> c3, ref byte codes, nint index) =>
        Vector128.Narrow(Vector128.Narrow(ToUInt32(c0), ToUInt32(c1)), Vector128.Narrow(ToUInt32(c2), ToUInt32(c3)))
            .StoreUnsafe(ref codes, (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreUInt16(Vector128<float> c0, Vector128<float> c1, ref byte codes, nint index) =>
        Vector128.Narrow(ToUInt32(c0), ToUInt32(c1)).StoreUnsafe(ref Unsafe.As<byte, ushort>(ref codes), (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadBytes(ref byte codes, nint index, out Vector128<float> c0, out Vector128<float> c1, out Vector128<float> c2, out Vector128<float> c3)
    {
        var (lower, upper) = Vector128.Widen(Vector128.LoadUnsafe(ref codes, (nuint)index));
        var (w0, w1) = Vector128.Widen(lower);
        var (w2, w3) = Vector128.Widen(upper);
        c0 = Vector128.ConvertToSingle(w0.AsInt32());
        c1 = Vector128.ConvertToSingle(w1.AsInt32());
        c2 = Vector128.ConvertToSingle(w2.AsInt32());
        c3 = Vector128.ConvertToSingle(w3.AsInt32());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadUInt16(ref byte codes, nint index, out Vector128<float> c0, out Vector128<float> c1)
    {
        var (w0, w1) = Vector128.Widen(Vector128.LoadUnsafe(ref Unsafe.As<byte, ushort>(ref codes), (nuint)index));
        c0 = Vector128.ConvertToSingle(w0.AsInt32());
        c1 = Vector128.ConvertToSingle(w1.AsInt32());
    }

    // The codes are integral and in [0, 65535] for finite inputs; lanes of NaN inputs convert to some value that
    // SpecialCodes overwrites, and the native (unsaturated) conversion is a single instruction.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> ToUInt32(Vector512<float> code) => Vector512.ConvertToInt32Native(code).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> ToUInt32(Vector256<float> code) => Vector256.ConvertToInt32Native(code).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> ToUInt32(Vector128<float> code) => Vector128.ConvertToInt32Native(code).AsUInt32();
}
