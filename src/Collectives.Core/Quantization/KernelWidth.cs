using System.Runtime.Intrinsics;

namespace Collectives.Quantization;

/// <summary>
/// The widest SIMD width a kernel may use. Every width produces the same bits; tests force each one (on hardware
/// that has it) and compare against <see cref="Scalar"/>, which is the reference.
/// </summary>
internal enum KernelWidth
{
    Scalar = 0,
    Vector128 = 128,
    Vector256 = 256,
    Vector512 = 512,
}

internal static class KernelWidths
{
    /// <summary>No limit: kernels use the widest vectors the hardware accelerates.</summary>
    public const KernelWidth Widest = KernelWidth.Vector512;

    public static bool Uses512(this KernelWidth width) => width >= KernelWidth.Vector512 && Vector512.IsHardwareAccelerated;

    public static bool Uses256(this KernelWidth width) => width >= KernelWidth.Vector256 && Vector256.IsHardwareAccelerated;

    public static bool Uses128(this KernelWidth width) => width >= KernelWidth.Vector128 && Vector128.IsHardwareAccelerated;
}
