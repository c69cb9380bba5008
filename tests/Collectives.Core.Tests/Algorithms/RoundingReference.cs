namespace Collectives.Tests.Algorithms;

/// <summary>
/// Round-to-nearest-even into float16 and bfloat16, built from first principles in double: every finite
/// positive value of the format is decoded into a sorted table and the nearest entry is looked up. It shares
/// no code with the kernels (no bit tricks, no <see cref="Half"/> casts), so it can judge them.
/// </summary>
internal static class RoundingReference
{
    private static readonly SixteenBitFormat HalfFormat = new(
        exponentBits: 5, mantissaBits: 10, quietNaN: 0x7E00);

    private static readonly SixteenBitFormat BFloat16Format = new(
        exponentBits: 8, mantissaBits: 7, quietNaN: 0x7FC0);

    public static ushort ToHalfBits(double value) => HalfFormat.Round(value);

    public static ushort ToBFloat16Bits(double value) => BFloat16Format.Round(value);

    public static double HalfToDouble(ushort bits) => HalfFormat.Decode(bits);

    public static double BFloat16ToDouble(ushort bits) => BFloat16Format.Decode(bits);

    private sealed class SixteenBitFormat
    {
        private readonly int _exponentBits;
        private readonly int _mantissaBits;
        private readonly ushort _quietNaN;
        private readonly ushort _infinity;
        // _magnitudes[bits] for every positive finite pattern, plus, at the infinity pattern, the value one ulp
        // above the maximum: IEEE rounding treats overflow as if the exponent range went on, and that virtual
        // neighbour has an even pattern, so a tie with it goes to infinity.
        private readonly double[] _magnitudes;

        public SixteenBitFormat(int exponentBits, int mantissaBits, ushort quietNaN)
        {
            _exponentBits = exponentBits;
            _mantissaBits = mantissaBits;
            _quietNaN = quietNaN;
            _infinity = (ushort)(((1 << exponentBits) - 1) << mantissaBits);
            _magnitudes = new double[_infinity + 1];
            for (int bits = 0; bits < _infinity; bits++)
            {
                _magnitudes[bits] = Decode((ushort)bits);
            }

            _magnitudes[_infinity] = 2 * _magnitudes[_infinity - 1] - _magnitudes[_infinity - 2];
        }

        public double Decode(ushort bits)
        {
            int bias = (1 << (_exponentBits - 1)) - 1;
            int exponent = (bits >> _mantissaBits) & ((1 << _exponentBits) - 1);
            int mantissa = bits & ((1 << _mantissaBits) - 1);
            double sign = (bits & 0x8000) != 0 ? -1.0 : 1.0;
            if (exponent == (1 << _exponentBits) - 1)
            {
                return mantissa == 0 ? sign * double.PositiveInfinity : double.NaN;
            }

            double magnitude = exponent == 0
                ? Math.ScaleB(mantissa, 1 - bias - _mantissaBits)
                : Math.ScaleB((1 << _mantissaBits) + mantissa, exponent - bias - _mantissaBits);
            return sign * magnitude;
        }

        public ushort Round(double value)
        {
            ushort sign = double.IsNegative(value) ? (ushort)0x8000 : (ushort)0;
            if (double.IsNaN(value))
            {
                return (ushort)(sign | _quietNaN);
            }

            double magnitude = Math.Abs(value);
            if (magnitude >= _magnitudes[_infinity])
            {
                return (ushort)(sign | _infinity);
            }

            int below = Array.BinarySearch(_magnitudes, magnitude);
            if (below >= 0)
            {
                return (ushort)(sign | below);
            }

            int above = ~below;
            below = above - 1;
            double downDistance = magnitude - _magnitudes[below];
            double upDistance = _magnitudes[above] - magnitude;
            int chosen = downDistance < upDistance ? below
                : upDistance < downDistance ? above
                : (below & 1) == 0 ? below : above;
            return (ushort)(sign | chosen);
        }
    }
}
