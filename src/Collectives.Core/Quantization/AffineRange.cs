namespace Collectives.Quantization;

/// <summary>
/// Which range of values a piece's codes cover, per algorithm, and the center and step that cover it. Computed
/// once per piece in float64 with operations that cannot overflow for finite inputs.
/// </summary>
internal static class AffineRange
{
    /// <summary>
    /// Ends near ±MaxValue can round a decoded end to ±∞; each shrink removes one ulp of step, and a couple always
    /// suffice (the overshoot is a few ulps of the end). The bound only keeps the loop finite in any case.
    /// </summary>
    public const int MaxStepShrinks = 64;

    /// <summary>Standard deviations covered on each side of the mean by zero-point/scale with 8-bit codes.</summary>
    public const double SigmasForUInt8 = 4;

    /// <summary>
    /// Standard deviations covered on each side of the mean with 16-bit codes: the finer step makes clipping the
    /// dominant error, so the range is wider.
    /// </summary>
    public const double SigmasForUInt16 = 8;

    public static double Center(double lo, double hi) => lo * 0.5 + hi * 0.5;

    public static double Step(double lo, double hi, int topCode)
    {
        double width = hi - lo;
        return double.IsFinite(width) ? width / topCode : hi / topCode - lo / topCode;
    }

    public static double Sigmas(DataType codeType) => codeType == DataType.UInt8 ? SigmasForUInt8 : SigmasForUInt16;

    /// <summary>
    /// The range zero-point/scale covers: mean ± k·σ, clamped to [min, max]. Falls back to [min, max] when the
    /// statistics are unusable (the float64 sum overflowed, or σ underflowed to 0 for a piece that is not
    /// constant), so the result is always a finite range inside [min, max].
    /// </summary>
    public static (double Lo, double Hi) ZeroPointScale(double min, double max, double mean, double standardDeviation, double sigmas)
    {
        if (!double.IsFinite(mean) || double.IsNaN(standardDeviation))
        {
            return (min, max);
        }

        double spread = sigmas * standardDeviation;
        double lo = Math.Max(min, mean - spread);
        double hi = Math.Min(max, mean + spread);
        return lo < hi ? (lo, hi) : (min, max);
    }
}
