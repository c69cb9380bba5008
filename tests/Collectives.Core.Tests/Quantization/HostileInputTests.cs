using Collectives.Quantization;
using NUnit.Framework;
using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;

namespace Collectives.Tests.Quantization;

/// <summary>
/// Encoded pieces come from the network. Any bytes of a valid length decode without an exception, the same at every
/// width; wrong lengths, types and options are ArgumentExceptions.
/// </summary>
public class HostileInputTests
{
    private static readonly double[] InterestingDoubles =
    [
        double.NaN, BitConverter.Int64BitsToDouble(0x7FF0_0000_0000_0001), -double.NaN, double.PositiveInfinity,
        double.NegativeInfinity, 0d, -0d, double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue, 1e300,
        float.MaxValue, float.Epsilon, 1d, -1d, 1e-3, -7.5,
    ];

    public sealed record Piece(byte[] Encoded, DataType Code)
    {
        public override string ToString() => $"{Code} {Convert.ToHexString(Encoded)}";
    }

    private static Gen<Piece> Pieces() =>
        from code in Gen.Elements(ElementTypes.CodeTypes)
        from count in Gen.Choose(0, 200)
        from center in Gen.Elements(InterestingDoubles)
        from step in Gen.Elements(InterestingDoubles)
        from flags in Gen.Choose(0, 255)
        from seed in Gen.Choose(0, int.MaxValue)
        select Build(code, count, center, step, (byte)flags, seed);

    [Test]
    public void AnyBytesDecodeIdenticallyAtEveryWidth()
    {
        Prop.ForAll(Pieces().ToArbitrary(), piece =>
        {
            var options = new QuantizationOptions(QuantizationAlgorithm.MinMax, piece.Code);
            int count = (piece.Encoded.Length - Quantizer.MetadataSize) / DataTypes.SizeOf(piece.Code);
            foreach (DataType target in ElementTypes.Sources)
            {
                Widths.AssertAllAgree(
                    width =>
                    {
                        var decoded = new byte[count * DataTypes.SizeOf(target)];
                        Quantizer.Dequantize(target, options, piece.Encoded, decoded, width);
                        return decoded;
                    },
                    $"decoded as {target}");
            }

            foreach (DataType accumulatorType in new[] { DataType.Float32, DataType.Float64 })
            {
                foreach (ReduceOp op in ElementTypes.Ops)
                {
                    Widths.AssertAllAgree(
                        width =>
                        {
                            var accumulator = new byte[count * DataTypes.SizeOf(accumulatorType)];
                            new Random(count).NextBytes(accumulator);
                            Quantizer.DequantizeAccumulate(accumulatorType, op, options, piece.Encoded, accumulator, width);
                            return accumulator;
                        },
                        $"{op} into {accumulatorType}");
                }
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(80).WithQuietOnSuccess(true));
    }

    [Test]
    public void NaNMetadataDecodesFiniteCodesToNaNAndKeepsSpecialCodes()
    {
        var options = new QuantizationOptions(QuantizationAlgorithm.MinMax, DataType.UInt8);
        Piece piece = Build(DataType.UInt8, 4, double.NaN, 1, flags: 1, seed: 0);
        new byte[] { 0, 253, 254, 255 }.CopyTo(piece.Encoded, Quantizer.MetadataSize);
        var decoded = new byte[16];
        Quantizer.Dequantize(DataType.Float32, options, piece.Encoded, decoded);
        float[] values = [.. Enumerable.Range(0, 4).Select(i => BitConverter.ToSingle(decoded, i * 4))];
        Assert.That(values[0], Is.NaN);
        Assert.That(values[1], Is.EqualTo(float.NegativeInfinity));
        Assert.That(values[2], Is.EqualTo(float.PositiveInfinity));
        Assert.That(values[3], Is.NaN);
    }

    [Test]
    public void WrongLengthsAreArgumentExceptions()
    {
        var u8 = new QuantizationOptions(QuantizationAlgorithm.MinMax, DataType.UInt8);
        var u16 = new QuantizationOptions(QuantizationAlgorithm.ZeroPointScale, DataType.UInt16);
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => Quantizer.Quantize(DataType.Float32, u8, new byte[10], new byte[26]), "partial element");
            Assert.Throws<ArgumentException>(() => Quantizer.Quantize(DataType.Float32, u8, new byte[8], new byte[25]), "short output");
            Assert.Throws<ArgumentException>(() => Quantizer.Quantize(DataType.Float32, u8, new byte[8], new byte[27]), "long output");
            Assert.Throws<ArgumentException>(() => Quantizer.Dequantize(DataType.Float32, u8, new byte[23], []), "no metadata");
            Assert.Throws<ArgumentException>(() => Quantizer.Dequantize(DataType.Float32, u16, new byte[27], new byte[4]), "half a code");
            Assert.Throws<ArgumentException>(() => Quantizer.Dequantize(DataType.Float32, u8, new byte[26], new byte[4]), "short target");
            Assert.Throws<ArgumentException>(() => Quantizer.Dequantize(DataType.Float16, u8, new byte[26], new byte[8]), "long target");
            Assert.Throws<ArgumentException>(() => Quantizer.DequantizeAccumulate(DataType.Float64, ReduceOp.Sum, u8, new byte[26], new byte[8]), "short accumulator");
        });
    }

    [Test]
    public void UnsupportedTypesOptionsAndOverlapsAreArgumentExceptions()
    {
        var u8 = new QuantizationOptions(QuantizationAlgorithm.MinMax, DataType.UInt8);
        var encoded = new byte[26];
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => Quantizer.Quantize(DataType.Int32, u8, new byte[8], new byte[26]));
            Assert.Throws<ArgumentException>(() => Quantizer.Quantize(DataType.Float32, QuantizationOptions.None, new byte[8], new byte[26]));
            Assert.Throws<ArgumentException>(() => Quantizer.Quantize(DataType.Float32, new(QuantizationAlgorithm.MinMax, DataType.Int8), new byte[8], new byte[26]));
            Assert.Throws<ArgumentException>(() => Quantizer.EncodedSize(new(QuantizationAlgorithm.MinMax, DataType.UInt32), 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => Quantizer.EncodedSize(u8, -1));
            Assert.Throws<ArgumentOutOfRangeException>(() => Quantizer.EncodedSize(new(QuantizationAlgorithm.MinMax, DataType.UInt16), int.MaxValue / 2));
            Assert.Throws<ArgumentException>(() => Quantizer.Dequantize(DataType.UInt8, u8, encoded, new byte[2]));
            Assert.Throws<ArgumentException>(() => Quantizer.DequantizeAccumulate(DataType.Float16, ReduceOp.Sum, u8, encoded, new byte[4]));
            Assert.Throws<ArgumentException>(() => Quantizer.DequantizeAccumulate(DataType.Float32, (ReduceOp)9, u8, encoded, new byte[8]));
            Assert.Throws<ArgumentException>(() => Quantizer.Quantize(DataType.Float32, u8, encoded.AsSpan(0, 8), encoded.AsSpan(0, 26)));
            var shared = new byte[64];
            Assert.Throws<ArgumentException>(() => Quantizer.Dequantize(DataType.Float32, u8, shared.AsSpan(0, 26), shared.AsSpan(20, 8)));
        });
    }

    private static Piece Build(DataType code, int count, double center, double step, byte flags, int seed)
    {
        var encoded = new byte[Quantizer.MetadataSize + count * DataTypes.SizeOf(code)];
        new Random(seed).NextBytes(encoded);
        BinaryPrimitives.WriteDoubleLittleEndian(encoded, center);
        BinaryPrimitives.WriteDoubleLittleEndian(encoded.AsSpan(8), step);
        encoded[16] = flags;
        return new Piece(encoded, code);
    }
}
