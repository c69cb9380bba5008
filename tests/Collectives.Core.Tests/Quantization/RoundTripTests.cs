using Collectives.Quantization;
using NUnit.Framework;
using FsCheck;
using FsCheck.Fluent;

namespace Collectives.Tests.Quantization;

/// <summary>dequantize(quantize(x)) stays within the documented bound for every algorithm, source and code type.</summary>
public class RoundTripTests
{
    private static IEnumerable<TestCaseData> Combinations() =>
        from source in ElementTypes.Sources
        from algorithm in ElementTypes.Algorithms
        from code in ElementTypes.CodeTypes
        select new TestCaseData(source, algorithm, code);

    [TestCaseSource(nameof(Combinations))]
    public void ReconstructionIsWithinTheBound(DataType source, QuantizationAlgorithm algorithm, DataType code)
    {
        var options = new QuantizationOptions(algorithm, code);
        DataType compute = ElementTypes.ComputeType(source);
        Prop.ForAll(TestPiece.Gen(source, 700).ToArbitrary(), piece =>
        {
            byte[] encoded = Quantize(piece, options);
            var decoded = new byte[piece.Length * DataTypes.SizeOf(compute)];
            Quantizer.Dequantize(compute, options, encoded, decoded);
            ErrorBound.Check(piece, options, encoded, ElementTypes.ReadAll(compute, decoded));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60).WithQuietOnSuccess(true));
    }

    [TestCaseSource(nameof(Combinations))]
    public void ConstantPiecesComeBackBitForBit(DataType source, QuantizationAlgorithm algorithm, DataType code)
    {
        var options = new QuantizationOptions(algorithm, code);
        double[] constants = [0d, -0d, 1d / 3, -1234.5, ElementTypes.SmallestSubnormal(source), -ElementTypes.MaxFinite(source)];
        foreach (double constant in constants)
        {
            byte[] bytes = ElementTypes.ToBytes(source, Enumerable.Repeat(constant, 37).ToArray());
            byte[] encoded = new byte[Quantizer.EncodedSize(options, 37)];
            Quantizer.Quantize(source, options, bytes, encoded);
            var decoded = new byte[bytes.Length];
            Quantizer.Dequantize(source, options, encoded, decoded);
            Assert.That(decoded, Is.EqualTo(bytes), $"constant {constant:R}");
        }
    }

    [TestCaseSource(nameof(Combinations))]
    public void NonFiniteValuesSurviveAndDoNotDisturbTheOthers(DataType source, QuantizationAlgorithm algorithm, DataType code)
    {
        var options = new QuantizationOptions(algorithm, code);
        double[] values = [1, double.NaN, 2, double.PositiveInfinity, 3, double.NegativeInfinity, 4];
        byte[] encoded = new byte[Quantizer.EncodedSize(options, values.Length)];
        Quantizer.Quantize(source, options, ElementTypes.ToBytes(source, values), encoded);
        var decoded = new byte[values.Length * DataTypes.SizeOf(source)];
        Quantizer.Dequantize(source, options, encoded, decoded);
        double[] y = ElementTypes.ReadAll(source, decoded);

        Assert.That(y[1], Is.NaN);
        Assert.That(y[3], Is.EqualTo(double.PositiveInfinity));
        Assert.That(y[5], Is.EqualTo(double.NegativeInfinity));
        double step = 3.0 / (code == DataType.UInt8 ? 252 : 65532);
        foreach (int i in new[] { 0, 2, 4, 6 })
        {
            Assert.That(y[i], Is.EqualTo(values[i]).Within(step / 2 + 1e-2 * step), $"element {i}");
        }
    }

    [TestCaseSource(nameof(Combinations))]
    public void NarrowTargetsAreTheRoundedFloat32Result(DataType source, QuantizationAlgorithm algorithm, DataType code)
    {
        if (source is not (DataType.Float16 or DataType.BFloat16))
        {
            Assert.Pass("only float16 and bfloat16 are decoded through float32");
        }

        var options = new QuantizationOptions(algorithm, code);
        Prop.ForAll(TestPiece.Gen(source, 300).ToArbitrary(), piece =>
        {
            byte[] encoded = Quantize(piece, options);
            var wide = new byte[piece.Length * 4];
            var narrow = new byte[piece.Length * 2];
            Quantizer.Dequantize(DataType.Float32, options, encoded, wide);
            Quantizer.Dequantize(source, options, encoded, narrow);
            for (int i = 0; i < piece.Length; i++)
            {
                float value = BitConverter.ToSingle(wide, i * 4);
                ushort expected = source == DataType.Float16
                    ? BitConverter.HalfToUInt16Bits((Half)value)
                    : ReferenceRounding.ToBFloat16(value);
                ushort actual = BitConverter.ToUInt16(narrow, i * 2);
                Assert.That(actual, Is.EqualTo(expected).Or.Matches<ushort>(_ => float.IsNaN(value) && ReferenceRounding.IsNaN16(source, actual)), $"element {i}");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40).WithQuietOnSuccess(true));
    }

    internal static byte[] Quantize(TestPiece piece, QuantizationOptions options)
    {
        var encoded = new byte[Quantizer.EncodedSize(options, piece.Length)];
        Quantizer.Quantize(piece.Type, options, piece.Bytes, encoded);
        return encoded;
    }
}
