using Collectives.Quantization;
using NUnit.Framework;
using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;

namespace Collectives.Tests.Quantization;

/// <summary>The wire format, the support matrix and worked examples whose results follow from the definitions.</summary>
public class FormatTests
{
    [Test]
    public void EncodedSizeIsMetadataPlusOneCodePerElement()
    {
        Assert.That(Quantizer.MetadataSize, Is.EqualTo(24));
        Prop.ForAll(ArbMap.Default.ArbFor<ushort>(), (ushort n) =>
            Quantizer.EncodedSize(new QuantizationOptions(QuantizationAlgorithm.MinMax, DataType.UInt8), n) == Quantizer.MetadataSize + n
            && Quantizer.EncodedSize(new QuantizationOptions(QuantizationAlgorithm.ZeroPointScale, DataType.UInt16), n) == Quantizer.MetadataSize + 2 * n)
            .Check(Config.QuickThrowOnFailure.WithQuietOnSuccess(true));
    }

    [Test]
    public void SupportMatrix()
    {
        foreach (DataType type in Enum.GetValues<DataType>())
        {
            foreach (QuantizationAlgorithm algorithm in Enum.GetValues<QuantizationAlgorithm>())
            {
                foreach (DataType code in Enum.GetValues<DataType>())
                {
                    bool expected = DataTypes.IsFloatingPoint(type) && algorithm != QuantizationAlgorithm.None
                        && code is DataType.UInt8 or DataType.UInt16;
                    Assert.That(Quantizer.IsSupported(type, new QuantizationOptions(algorithm, code)), Is.EqualTo(expected), $"{type} {algorithm} {code}");
                }
            }
        }
    }

    [Test]
    public void NoneIsTheDefaultAndIsNotEnabled()
    {
        Assert.That(QuantizationOptions.None, Is.EqualTo(default(QuantizationOptions)));
        Assert.That(QuantizationOptions.None.IsEnabled, Is.False);
        Assert.That(new QuantizationOptions(QuantizationAlgorithm.MinMax, DataType.UInt8).IsEnabled, Is.True);
    }

    [Test]
    public void IntegersZeroTo255AreTheirOwnCodesAndComeBackExactly()
    {
        var options = new QuantizationOptions(QuantizationAlgorithm.MinMax, DataType.UInt8);
        double[] values = [.. Enumerable.Range(0, 256).Select(i => (double)((i * 37) % 256))];
        byte[] encoded = new byte[Quantizer.EncodedSize(options, values.Length)];
        Quantizer.Quantize(DataType.Float32, options, ElementTypes.ToBytes(DataType.Float32, values), encoded);

        Assert.That(BinaryPrimitives.ReadDoubleLittleEndian(encoded), Is.EqualTo(127.5), "center");
        Assert.That(BinaryPrimitives.ReadDoubleLittleEndian(encoded.AsSpan(8)), Is.EqualTo(1.0), "step");
        Assert.That(encoded.AsSpan(16, 8).ToArray(), Is.All.Zero, "flags and reserved bytes");
        Assert.That(encoded.AsSpan(24).ToArray(), Is.EqualTo(values.Select(v => (byte)v).ToArray()), "codes");
        var decoded = new byte[values.Length * 4];
        Quantizer.Dequantize(DataType.Float32, options, encoded, decoded);
        Assert.That(ElementTypes.ReadAll(DataType.Float32, decoded), Is.EqualTo(values));
    }

    [Test]
    public void HalfwayValuesRoundToTheEvenCode()
    {
        // Range [0, 255] gives step 1, so x + 0.5 lies exactly between codes x and x + 1.
        var options = new QuantizationOptions(QuantizationAlgorithm.MinMax, DataType.UInt8);
        double[] values = [0, 255, 0.5, 1.5, 2.5, 100.5, 253.5];
        byte[] encoded = new byte[Quantizer.EncodedSize(options, values.Length)];
        Quantizer.Quantize(DataType.Float64, options, ElementTypes.ToBytes(DataType.Float64, values), encoded);
        Assert.That(encoded.AsSpan(24).ToArray(), Is.EqualTo(new byte[] { 0, 255, 0, 2, 2, 100, 254 }));
    }

    [Test]
    public void SpecialCodesTakeTheTopThreeCodes()
    {
        var options = new QuantizationOptions(QuantizationAlgorithm.MinMax, DataType.UInt16);
        double[] values = [-1, double.NegativeInfinity, double.PositiveInfinity, double.NaN, 1];
        byte[] encoded = new byte[Quantizer.EncodedSize(options, values.Length)];
        Quantizer.Quantize(DataType.Float32, options, ElementTypes.ToBytes(DataType.Float32, values), encoded);
        Assert.That(encoded[16], Is.EqualTo(1), "flag");
        ushort[] codes = [.. Enumerable.Range(0, 5).Select(i => BinaryPrimitives.ReadUInt16LittleEndian(encoded.AsSpan(24 + 2 * i)))];
        Assert.That(codes, Is.EqualTo(new ushort[] { 0, 65533, 65534, 65535, 65532 }));
    }

    [Test]
    public void ZeroPointScaleSpendsItsCodesOnTheBulkAndClampsOutliers()
    {
        var random = new Random(7);
        double[] values = [.. Enumerable.Range(0, 4096).Select(_ => random.NextDouble() * 2 - 1)];
        values[100] = 1e4;
        values[200] = -1e4;
        byte[] source = ElementTypes.ToBytes(DataType.Float32, values);

        double BulkRmsError(QuantizationAlgorithm algorithm)
        {
            var options = new QuantizationOptions(algorithm, DataType.UInt8);
            byte[] encoded = new byte[Quantizer.EncodedSize(options, values.Length)];
            Quantizer.Quantize(DataType.Float32, options, source, encoded);
            var decoded = new byte[source.Length];
            Quantizer.Dequantize(DataType.Float32, options, encoded, decoded);
            double[] y = ElementTypes.ReadAll(DataType.Float32, decoded);
            return Math.Sqrt(values.Select((x, i) => Math.Abs(x) <= 1 ? (x - y[i]) * (x - y[i]) : 0).Sum() / values.Length);
        }

        double minMax = BulkRmsError(QuantizationAlgorithm.MinMax);
        double zeroPointScale = BulkRmsError(QuantizationAlgorithm.ZeroPointScale);
        Assert.That(zeroPointScale, Is.LessThan(minMax / 4), $"min-max {minMax}, zero-point/scale {zeroPointScale}");
    }

    [Test]
    public void ExtremeRangesDecodeToFiniteEnds()
    {
        foreach (DataType source in ElementTypes.Sources)
        {
            double max = ElementTypes.MaxFinite(source);
            foreach (DataType code in ElementTypes.CodeTypes)
            {
                var options = new QuantizationOptions(QuantizationAlgorithm.MinMax, code);
                double[] values = [-max, max, max, -max, 0];
                byte[] encoded = new byte[Quantizer.EncodedSize(options, values.Length)];
                Quantizer.Quantize(source, options, ElementTypes.ToBytes(source, values), encoded);
                var decoded = new byte[values.Length * DataTypes.SizeOf(source)];
                Quantizer.Dequantize(source, options, encoded, decoded);
                Assert.That(ElementTypes.ReadAll(source, decoded), Is.All.Matches<double>(double.IsFinite), $"{source} {code}");
            }
        }
    }
}
