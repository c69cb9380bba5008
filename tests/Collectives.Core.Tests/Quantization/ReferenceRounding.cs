using Collectives.Quantization;
using NUnit.Framework;
namespace Collectives.Tests.Quantization;

/// <summary>Float32 → bfloat16 by the definition (nearest representable value, ties to even), independent of the bit trick under test.</summary>
internal static class ReferenceRounding
{
    public static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }

        uint toward = bits & 0xFFFF0000;
        uint away = toward + 0x10000;
        double lowDistance = Math.Abs((double)value - BitConverter.UInt32BitsToSingle(toward));
        double highDistance = Math.Abs(Magnitude(away) * Math.Sign(value == 0 ? 1 : value) - value);
        bool takeAway = highDistance < lowDistance || (highDistance == lowDistance && ((toward >> 16) & 1) == 1);
        return (ushort)((takeAway ? away : toward) >> 16);
    }

    public static bool IsNaN16(DataType type, ushort bits) => type == DataType.Float16
        ? Half.IsNaN(BitConverter.UInt16BitsToHalf(bits))
        : float.IsNaN(BitConverter.UInt32BitsToSingle((uint)bits << 16));

    // The bfloat16 after the largest finite one is ∞, which rounding treats as 2^128 (IEEE 754 §4.3.1).
    private static double Magnitude(uint bits)
    {
        float value = Math.Abs(BitConverter.UInt32BitsToSingle(bits));
        return float.IsInfinity(value) ? Math.Pow(2, 128) : value;
    }
}
