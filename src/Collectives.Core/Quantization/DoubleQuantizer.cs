using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Collectives.Quantization;

/// <summary>Quantization in float64 arithmetic: float64 sources and targets. Lengths are validated by <see cref="Quantizer"/>.</summary>
[SkipLocalsInit]
internal static class DoubleQuantizer
{
    /// <summary>Elements per window of decoded values before accumulation (8 KiB of float64 on the stack).</summary>
    public const int WindowLength = 1024;

    public static void Quantize(QuantizationOptions options, ReadOnlySpan<byte> source, Span<byte> encoded, KernelWidth width)
    {
        int n = source.Length / sizeof(double);
        double min = double.PositiveInfinity;
        double max = double.NegativeInfinity;
        bool hasNonFinite = false;
        DoubleStatistics.AccumulateRange(source, ref min, ref max, ref hasNonFinite, width);
        int finiteCount = hasNonFinite ? SpecialCodes.CountFinite<double>(source) : n;

        var space = CodeSpace.For(options.QuantizedType, hasNonFinite);
        DoubleMap map;
        if (finiteCount == 0)
        {
            map = new DoubleMap(0d, 0d, space);
        }
        else
        {
            var (lo, hi) = options.Algorithm == QuantizationAlgorithm.ZeroPointScale && min < max
                ? ZeroPointScaleRange(source, min, max, finiteCount, options.QuantizedType, width)
                : (min, max);
            map = DoubleMap.ForRange(lo, hi, space);
        }

        new PieceHeader(map.Center, map.Step, hasNonFinite).Write(encoded);
        Span<byte> codes = encoded[PieceHeader.Size..];
        if (map.Step == 0d)
        {
            codes.Clear();
        }
        else
        {
            DoubleCodec.Encode(source, codes, map, space.CodeBytes, width);
        }

        if (hasNonFinite)
        {
            SpecialCodes.Encode<double>(source, codes, space);
        }
    }

    public static void Dequantize(QuantizationOptions options, ReadOnlySpan<byte> encoded, Span<byte> target, KernelWidth width)
    {
        var map = Open(options, encoded, out var space);
        ReadOnlySpan<byte> codes = encoded[PieceHeader.Size..];
        Decode(codes, target, map, space, width);
    }

    public static void DequantizeAccumulate(ReduceOp op, QuantizationOptions options, ReadOnlySpan<byte> encoded, Span<byte> accumulator, KernelWidth width)
    {
        var map = Open(options, encoded, out var space);
        ReadOnlySpan<byte> codes = encoded[PieceHeader.Size..];
        Span<double> buffer = stackalloc double[WindowLength];
        int n = codes.Length / space.CodeBytes;
        for (int start = 0; start < n; start += WindowLength)
        {
            Span<double> window = buffer[..Math.Min(WindowLength, n - start)];
            Decode(codes.Slice(start * space.CodeBytes, window.Length * space.CodeBytes), MemoryMarshal.AsBytes(window), map, space, width);
            Accumulation.Apply<double>(op, accumulator.Slice(start * sizeof(double), window.Length * sizeof(double)), window, width);
        }
    }

    private static DoubleMap Open(QuantizationOptions options, ReadOnlySpan<byte> encoded, out CodeSpace space)
    {
        var header = PieceHeader.Read(encoded);
        space = CodeSpace.For(options.QuantizedType, header.HasSpecialCodes);
        return DoubleMap.ForDecoding(header, space);
    }

    private static void Decode(ReadOnlySpan<byte> codes, Span<byte> values, DoubleMap map, CodeSpace space, KernelWidth width)
    {
        DoubleCodec.Decode(codes, values, map, space.CodeBytes, width);
        if (space.HasSpecialCodes)
        {
            SpecialCodes.Decode<double>(codes, values, space);
        }
    }

    private static (double Lo, double Hi) ZeroPointScaleRange(ReadOnlySpan<byte> source, double min, double max, int finiteCount, DataType codeType, KernelWidth width)
    {
        var sums = default(LaneSums);
        DoubleStatistics.AccumulateSum(source, ref sums, width);
        double mean = sums.Total() / finiteCount;
        var squares = default(LaneSums);
        DoubleStatistics.AccumulateSquaredDeviation(source, mean, ref squares, width);
        double standardDeviation = Math.Sqrt(squares.Total() / finiteCount);
        return AffineRange.ZeroPointScale(min, max, mean, standardDeviation, AffineRange.Sigmas(codeType));
    }
}
