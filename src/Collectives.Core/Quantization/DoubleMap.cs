using System.Runtime.CompilerServices;

namespace Collectives.Quantization;

/// <summary>
/// The per-element code map in float64 arithmetic, used for float64 data. Same rules as <see cref="SingleMap"/>:
/// the scalar members are the reference, and the vector kernels repeat exactly these IEEE operations.
/// </summary>
internal readonly struct DoubleMap
{
    public DoubleMap(double center, double step, CodeSpace space)
    {
        Center = center;
        Step = step;
        MidCode = space.MidCode;
        TopCode = space.TopFiniteCode;
    }

    public double Center { get; }

    public double Step { get; }

    public double MidCode { get; }

    public double TopCode { get; }

    /// <inheritdoc cref="SingleMap.CodeOf"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double CodeOf(double x)
    {
        double t = Math.Round((x - Center) / Step + MidCode);
        t = t > 0d ? t : 0d;
        return t < TopCode ? t : TopCode;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double ValueOf(double code) => Center + (code - MidCode) * Step;

    /// <inheritdoc cref="SingleMap.ForDecoding"/>
    public static DoubleMap ForDecoding(PieceHeader header, CodeSpace space) =>
        double.IsNaN(header.Center) || double.IsNaN(header.Step)
            ? new DoubleMap(double.NaN, 0d, space)
            : new DoubleMap(header.Center, header.Step, space);

    /// <inheritdoc cref="SingleMap.ForRange"/>
    public static DoubleMap ForRange(double lo, double hi, CodeSpace space)
    {
        if (lo == hi)
        {
            return new DoubleMap(lo, 0d, space);
        }

        double center = AffineRange.Center(lo, hi);
        double step = AffineRange.Step(lo, hi, space.TopFiniteCode);
        if (step == 0d)
        {
            step = double.Epsilon;
        }

        var map = new DoubleMap(center, step, space);
        for (int attempt = 0; attempt < AffineRange.MaxStepShrinks && !map.EndsAreFinite; attempt++)
        {
            map = new DoubleMap(center, Math.BitDecrement(map.Step), space);
        }

        return map;
    }

    private bool EndsAreFinite => double.IsFinite(ValueOf(0d)) && double.IsFinite(ValueOf(TopCode));
}
