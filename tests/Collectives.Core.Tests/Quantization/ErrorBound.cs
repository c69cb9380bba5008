using Collectives.Quantization;
using NUnit.Framework;
using System.Buffers.Binary;

namespace Collectives.Tests.Quantization;

/// <summary>
/// The documented reconstruction bounds, checked element by element. For a piece with step S, top finite code L,
/// unit roundoff u and smallest subnormal η of the compute type, and M the largest finite magnitude:
/// min-max: |x − y| ≤ S/2 + 4u(L·S + M) + L·η; zero-point/scale: the same plus the distance from x to the covered
/// range [center − L/2·S, center + L/2·S]. NaN decodes to NaN and ±∞ to itself.
/// </summary>
internal static class ErrorBound
{
    public static void Check(TestPiece piece, QuantizationOptions options, ReadOnlySpan<byte> encoded, double[] decoded)
    {
        double[] x = piece.Values;
        double center = BinaryPrimitives.ReadDoubleLittleEndian(encoded);
        double step = BinaryPrimitives.ReadDoubleLittleEndian(encoded[8..]);
        bool specials = (encoded[16] & 1) != 0;
        int topCode = (options.QuantizedType == DataType.UInt8 ? 255 : 65535) - (specials ? 3 : 0);
        DataType compute = ElementTypes.ComputeType(piece.Type);
        double u = ElementTypes.UnitRoundoff(compute);
        double eta = ElementTypes.SmallestSubnormal(compute);

        Assert.That(specials, Is.EqualTo(x.Any(v => !double.IsFinite(v))), "special-codes flag");
        double[] finite = x.Where(double.IsFinite).ToArray();
        double min = finite.Length > 0 ? finite.Min() : 0;
        double max = finite.Length > 0 ? finite.Max() : 0;
        double maxMagnitude = finite.Length > 0 ? finite.Max(Math.Abs) : 0;

        // A loose step would make every bound true; it must be the min-max step or finer.
        double minMaxStep = double.IsFinite(max - min) ? (max - min) / topCode : max / topCode - min / topCode;
        Assert.That(step, Is.LessThanOrEqualTo(minMaxStep * (1 + 4 * u) + eta), "step");
        if (min == max)
        {
            Assert.That(step, Is.Zero, "constant pieces have step 0");
        }

        double halfSpan = topCode / 2.0 * step;
        double slack = 4 * u * topCode * step + 4 * u * maxMagnitude + topCode * eta;
        if (finite.Length > 0)
        {
            Assert.That(center - halfSpan, Is.GreaterThanOrEqualTo(min - slack), "covered range starts inside the piece's range");
            Assert.That(center + halfSpan, Is.LessThanOrEqualTo(max + slack), "covered range ends inside the piece's range");
        }

        for (int i = 0; i < x.Length; i++)
        {
            double y = decoded[i];
            if (double.IsNaN(x[i]))
            {
                Assert.That(y, Is.NaN, $"element {i}");
                continue;
            }

            if (double.IsInfinity(x[i]))
            {
                Assert.That(y, Is.EqualTo(x[i]), $"element {i}");
                continue;
            }

            double outside = options.Algorithm == QuantizationAlgorithm.ZeroPointScale
                ? Math.Max(0, Math.Max(center - halfSpan - x[i], x[i] - (center + halfSpan)))
                : 0;
            double bound = outside + step / 2 + slack;
            Assert.That(Math.Abs(x[i] - y), Is.LessThanOrEqualTo(bound), $"element {i}: x={x[i]:R} y={y:R} center={center:R} step={step:R}");
        }
    }
}
