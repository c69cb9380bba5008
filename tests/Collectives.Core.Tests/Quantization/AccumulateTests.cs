using Collectives.Quantization;
using NUnit.Framework;
using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;

namespace Collectives.Tests.Quantization;

/// <summary>DequantizeAccumulate is exactly "dequantize into the accumulator type, then apply the op", bit for bit.</summary>
public class AccumulateTests
{
    private static IEnumerable<TestCaseData> Combinations() =>
        from source in ElementTypes.Sources
        from accumulator in new[] { DataType.Float32, DataType.Float64 }
        from op in ElementTypes.Ops
        select new TestCaseData(source, accumulator, op);

    [TestCaseSource(nameof(Combinations))]
    public void EqualsDequantizeThenApply(DataType source, DataType accumulatorType, ReduceOp op)
    {
        var cases =
            from piece in TestPiece.Gen(source, 600)
            from algorithm in Gen.Elements(ElementTypes.Algorithms)
            from code in Gen.Elements(ElementTypes.CodeTypes)
            select (piece, options: new QuantizationOptions(algorithm, code));
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            byte[] encoded = RoundTripTests.Quantize(c.piece, c.options);
            byte[] accumulator = Accumulator(accumulatorType, c.piece.Length, c.piece.Seed);
            var decoded = new byte[accumulator.Length];
            Quantizer.Dequantize(accumulatorType, c.options, encoded, decoded);
            byte[] expected = Apply(accumulatorType, op, accumulator, decoded);

            Quantizer.DequantizeAccumulate(accumulatorType, op, c.options, encoded, accumulator);
            Assert.That(accumulator, Is.EqualTo(expected));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(12).WithQuietOnSuccess(true));
    }

    /// <summary>Accumulator contents including ±0, ±∞, the default NaN and a NaN with another payload and sign.</summary>
    private static byte[] Accumulator(DataType type, int length, int seed)
    {
        var random = new Random(seed);
        double otherNaN = BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_1234);
        double[] specials = [0d, -0d, double.PositiveInfinity, double.NegativeInfinity, double.NaN, otherNaN];
        var values = new double[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = random.Next(8) == 0 ? specials[random.Next(specials.Length)] : (random.NextDouble() - 0.5) * 10;
        }

        byte[] bytes = ElementTypes.ToBytes(type, values);
        if (type == DataType.Float32)
        {
            // (float)otherNaN keeps the sign and the top payload bits only; give float32 its own distinct NaN.
            for (int i = 0; i < length; i++)
            {
                if (values[i].Equals(otherNaN))
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), 0x7FC0_0321);
                }
            }
        }

        return bytes;
    }

    /// <summary>The reference: one scalar IEEE operation per element, as the ring's accumulate step would do.</summary>
    private static byte[] Apply(DataType type, ReduceOp op, byte[] accumulator, byte[] values)
    {
        byte[] result = accumulator.ToArray();
        if (type == DataType.Float32)
        {
            for (int i = 0; i < result.Length; i += 4)
            {
                float a = BinaryPrimitives.ReadSingleLittleEndian(accumulator.AsSpan(i));
                float v = BinaryPrimitives.ReadSingleLittleEndian(values.AsSpan(i));
                float r = op switch
                {
                    ReduceOp.Sum or ReduceOp.Avg => a + v,
                    ReduceOp.Prod => a * v,
                    ReduceOp.Max => MathF.Max(a, v),
                    _ => MathF.Min(a, v),
                };
                BinaryPrimitives.WriteSingleLittleEndian(result.AsSpan(i), r);
            }
        }
        else
        {
            for (int i = 0; i < result.Length; i += 8)
            {
                double a = BinaryPrimitives.ReadDoubleLittleEndian(accumulator.AsSpan(i));
                double v = BinaryPrimitives.ReadDoubleLittleEndian(values.AsSpan(i));
                double r = op switch
                {
                    ReduceOp.Sum or ReduceOp.Avg => a + v,
                    ReduceOp.Prod => a * v,
                    ReduceOp.Max => Math.Max(a, v),
                    _ => Math.Min(a, v),
                };
                BinaryPrimitives.WriteDoubleLittleEndian(result.AsSpan(i), r);
            }
        }

        return result;
    }
}
