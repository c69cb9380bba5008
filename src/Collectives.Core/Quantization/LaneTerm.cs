using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Collectives.Quantization;

/// <summary>
/// What one value adds to a lane of <see cref="LaneSums"/>: the value itself, or its squared deviation from the
/// mean (multiply then add, no fused multiply-add); zero for NaN and ±∞. The scalar overload is the reference.
/// </summary>
internal static class LaneTerm
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Of(double x, double mean, bool squareDeviation)
    {
        double term = squareDeviation ? (x - mean) * (x - mean) : x;
        return double.IsFinite(x) ? term : 0d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Of(Vector128<double> x, Vector128<double> mean, bool squareDeviation)
    {
        var term = squareDeviation ? (x - mean) * (x - mean) : x;
        return Vector128.ConditionalSelect(Vector128.IsFinite(x), term, Vector128<double>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Of(Vector256<double> x, Vector256<double> mean, bool squareDeviation)
    {
        var term = squareDeviation ? (x - mean) * (x - mean) : x;
        return Vector256.ConditionalSelect(Vector256.IsFinite(x), term, Vector256<double>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Of(Vector512<double> x, Vector512<double> mean, bool squareDeviation)
    {
        var term = squareDeviation ? (x - mean) * (x - mean) : x;
        return Vector512.ConditionalSelect(Vector512.IsFinite(x), term, Vector512<double>.Zero);
    }
}
