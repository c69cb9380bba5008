using System.Runtime.CompilerServices;

namespace Collectives.Quantization;

/// <summary>
/// The per-element code map in float32 arithmetic, used for float32, float16 and bfloat16 data. The scalar
/// <see cref="CodeOf"/> and <see cref="ValueOf"/> are the reference: the vector kernels perform exactly the same
/// IEEE operations in the same order (separate multiply and add, never a fused multiply-add; the JIT does not
/// contract them), so every width produces the same bits.
/// </summary>
internal readonly struct SingleMap
{
    public SingleMap(float center, float step, CodeSpace space)
    {
        Center = center;
        Step = step;
        MidCode = (float)space.MidCode;
        TopCode = space.TopFiniteCode;
    }

    public float Center { get; }

    public float Step { get; }

    public float MidCode { get; }

    public float TopCode { get; }

    /// <summary>
    /// The code of a finite value as an integral float in [0, TopCode]: round half to even of
    /// (x − Center) / Step + MidCode, clamped. Defined only for Step &gt; 0; non-finite values get an arbitrary
    /// in-range code that <see cref="SpecialCodes"/> overwrites.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float CodeOf(float x)
    {
        float t = MathF.Round((x - Center) / Step + MidCode);
        t = t > 0f ? t : 0f;
        return t < TopCode ? t : TopCode;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float ValueOf(float code) => Center + (code - MidCode) * Step;

    /// <summary>
    /// Decoding parameters from a (possibly hostile) header. A NaN center or step makes every finite code decode
    /// to the default NaN, so the result never depends on which of two NaN operands the hardware propagates.
    /// </summary>
    public static SingleMap ForDecoding(PieceHeader header, CodeSpace space)
    {
        float center = (float)header.Center;
        float step = (float)header.Step;
        return float.IsNaN(center) || float.IsNaN(step)
            ? new SingleMap(float.NaN, 0f, space)
            : new SingleMap(center, step, space);
    }

    /// <summary>
    /// Encoding parameters covering [lo, hi] (finite, lo ≤ hi). lo == hi gives step 0 (constant piece, decoded
    /// exactly). A step that underflows to zero becomes the smallest subnormal, and a step whose end codes would
    /// decode to ±∞ (ranges near ±float.MaxValue) is shrunk by ulps until both ends are finite.
    /// </summary>
    public static SingleMap ForRange(double lo, double hi, CodeSpace space)
    {
        if (lo == hi)
        {
            return new SingleMap((float)lo, 0f, space);
        }

        float center = (float)AffineRange.Center(lo, hi);
        float step = (float)AffineRange.Step(lo, hi, space.TopFiniteCode);
        if (step == 0f)
        {
            step = float.Epsilon;
        }

        var map = new SingleMap(center, step, space);
        for (int attempt = 0; attempt < AffineRange.MaxStepShrinks && !map.EndsAreFinite; attempt++)
        {
            map = new SingleMap(center, MathF.BitDecrement(map.Step), space);
        }

        return map;
    }

    private bool EndsAreFinite => float.IsFinite(ValueOf(0f)) && float.IsFinite(ValueOf(TopCode));
}
