using Collectives.Quantization;
using NUnit.Framework;
using FsCheck;
using FsCheck.Fluent;

namespace Collectives.Tests.Quantization;

/// <summary>
/// The bits never depend on the SIMD width: scalar, Vector128, Vector256 and Vector512 kernels give identical
/// encoded bytes, decoded bytes and accumulators, for every length 0..300 (all tails and batch boundaries) and for
/// large pieces that span several windows.
/// </summary>
public class DeterminismTests
{
    private static IEnumerable<TestCaseData> Combinations() =>
        from source in ElementTypes.Sources
        from algorithm in ElementTypes.Algorithms
        from code in ElementTypes.CodeTypes
        select new TestCaseData(source, algorithm, code);

    [TestCaseSource(nameof(Combinations))]
    public void EveryLengthUpTo300(DataType source, QuantizationAlgorithm algorithm, DataType code)
    {
        var options = new QuantizationOptions(algorithm, code);
        Shape[] shapes = Enum.GetValues<Shape>();
        for (int length = 0; length <= 300; length++)
        {
            var piece = new TestPiece(source, shapes[length % shapes.Length], length, Seed: length, WithSpecials: length % 3 == 0);
            AssertWidthsAgree(piece, options, ElementTypes.Ops[length % ElementTypes.Ops.Length]);
        }
    }

    [TestCaseSource(nameof(Combinations))]
    public void LargePieces(DataType source, QuantizationAlgorithm algorithm, DataType code)
    {
        var options = new QuantizationOptions(algorithm, code);
        var cases =
            from piece in TestPiece.Gen(source, 9000)
            from op in Gen.Elements(ElementTypes.Ops)
            select (piece, op);
        Prop.ForAll(cases.ToArbitrary(), c => AssertWidthsAgree(c.piece, options, c.op))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(8).WithQuietOnSuccess(true));
    }

    private static void AssertWidthsAgree(TestPiece piece, QuantizationOptions options, ReduceOp op)
    {
        byte[] source = piece.Bytes;
        byte[] encoded = new byte[Quantizer.EncodedSize(options, piece.Length)];
        Widths.AssertAllAgree(
            width =>
            {
                Quantizer.Quantize(piece.Type, options, source, encoded, width);
                return encoded.ToArray();
            },
            $"{piece} encoded");

        foreach (DataType target in new[] { piece.Type, ElementTypes.ComputeType(piece.Type) }.Distinct())
        {
            Widths.AssertAllAgree(
                width =>
                {
                    var decoded = new byte[piece.Length * DataTypes.SizeOf(target)];
                    Quantizer.Dequantize(target, options, encoded, decoded, width);
                    return decoded;
                },
                $"{piece} decoded as {target}");
        }

        foreach (DataType accumulatorType in new[] { DataTypes.AccumulatorOf(piece.Type), DataType.Float64 }.Distinct())
        {
            byte[] initial = new TestPiece(accumulatorType, Shape.Uniform, piece.Length, piece.Seed + 1, WithSpecials: true).Bytes;
            Widths.AssertAllAgree(
                width =>
                {
                    byte[] accumulator = initial.ToArray();
                    Quantizer.DequantizeAccumulate(accumulatorType, op, options, encoded, accumulator, width);
                    return accumulator;
                },
                $"{piece} {op} into {accumulatorType}");
        }
    }
}
