using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Collectives.Quantization;

/// <summary>
/// Quantization in float32 arithmetic: sources float32, float16 and bfloat16 (widened exactly to float32), targets
/// float32, float16 and bfloat16. Lengths are validated by <see cref="Quantizer"/>.
/// </summary>
[SkipLocalsInit]
internal static class SingleQuantizer
{
    /// <summary>
    /// Elements per window (8 KiB of float32 on the stack) when float16/bfloat16 data is widened or decoded values
    /// are narrowed or accumulated. A multiple of every kernel batch and of <see cref="LaneSums.Count"/>, so
    /// windows never change which lane an element sums into.
    /// </summary>
    public const int WindowLength = 2048;

    public static void Quantize(DataType sourceType, QuantizationOptions options, ReadOnlySpan<byte> source, Span<byte> encoded, KernelWidth width)
    {
        Span<float> buffer = stackalloc float[WindowLength];
        var windows = new Windows(sourceType, source, buffer, width);
        int n = windows.Count;

        float min = float.PositiveInfinity;
        float max = float.NegativeInfinity;
        bool hasNonFinite = false;
        for (int start = 0; start < n; start += windows.Length)
        {
            SingleStatistics.AccumulateRange(windows.Read(start), ref min, ref max, ref hasNonFinite, width);
        }

        int finiteCount = n;
        if (hasNonFinite)
        {
            finiteCount = 0;
            for (int start = 0; start < n; start += windows.Length)
            {
                finiteCount += SpecialCodes.CountFinite<float>(windows.Read(start));
            }
        }

        var space = CodeSpace.For(options.QuantizedType, hasNonFinite);
        SingleMap map;
        if (finiteCount == 0)
        {
            map = new SingleMap(0f, 0f, space);
        }
        else
        {
            var (lo, hi) = options.Algorithm == QuantizationAlgorithm.ZeroPointScale && min < max
                ? ZeroPointScaleRange(ref windows, min, max, finiteCount, options.QuantizedType, width)
                : (min, max);
            map = SingleMap.ForRange(lo, hi, space);
        }

        new PieceHeader(map.Center, map.Step, hasNonFinite).Write(encoded);
        Span<byte> codes = encoded[PieceHeader.Size..];
        for (int start = 0; start < n; start += windows.Length)
        {
            ReadOnlySpan<byte> values = windows.Read(start);
            Span<byte> windowCodes = codes.Slice(start * space.CodeBytes, values.Length / sizeof(float) * space.CodeBytes);
            if (map.Step == 0f)
            {
                windowCodes.Clear();
            }
            else
            {
                SingleCodec.Encode(values, windowCodes, map, space.CodeBytes, width);
            }

            if (hasNonFinite)
            {
                SpecialCodes.Encode<float>(values, windowCodes, space);
            }
        }
    }

    public static void Dequantize(DataType targetType, QuantizationOptions options, ReadOnlySpan<byte> encoded, Span<byte> target, KernelWidth width)
    {
        var map = Open(options, encoded, out var space);
        ReadOnlySpan<byte> codes = encoded[PieceHeader.Size..];
        if (targetType == DataType.Float32)
        {
            Decode(codes, target, map, space, width);
            return;
        }

        Span<float> buffer = stackalloc float[WindowLength];
        int n = codes.Length / space.CodeBytes;
        for (int start = 0; start < n; start += WindowLength)
        {
            Span<float> window = buffer[..Math.Min(WindowLength, n - start)];
            Decode(codes.Slice(start * space.CodeBytes, window.Length * space.CodeBytes), MemoryMarshal.AsBytes(window), map, space, width);
            HalfPrecision.Narrow(targetType, window, target.Slice(start * sizeof(ushort), window.Length * sizeof(ushort)), width);
        }
    }

    public static void DequantizeAccumulate(ReduceOp op, QuantizationOptions options, ReadOnlySpan<byte> encoded, Span<byte> accumulator, KernelWidth width)
    {
        var map = Open(options, encoded, out var space);
        ReadOnlySpan<byte> codes = encoded[PieceHeader.Size..];
        Span<float> buffer = stackalloc float[WindowLength];
        int n = codes.Length / space.CodeBytes;
        for (int start = 0; start < n; start += WindowLength)
        {
            Span<float> window = buffer[..Math.Min(WindowLength, n - start)];
            Decode(codes.Slice(start * space.CodeBytes, window.Length * space.CodeBytes), MemoryMarshal.AsBytes(window), map, space, width);
            Accumulation.Apply<float>(op, accumulator.Slice(start * sizeof(float), window.Length * sizeof(float)), window, width);
        }
    }

    private static SingleMap Open(QuantizationOptions options, ReadOnlySpan<byte> encoded, out CodeSpace space)
    {
        var header = PieceHeader.Read(encoded);
        space = CodeSpace.For(options.QuantizedType, header.HasSpecialCodes);
        return SingleMap.ForDecoding(header, space);
    }

    private static void Decode(ReadOnlySpan<byte> codes, Span<byte> values, SingleMap map, CodeSpace space, KernelWidth width)
    {
        SingleCodec.Decode(codes, values, map, space.CodeBytes, width);
        if (space.HasSpecialCodes)
        {
            SpecialCodes.Decode<float>(codes, values, space);
        }
    }

    private static (double Lo, double Hi) ZeroPointScaleRange(ref Windows windows, float min, float max, int finiteCount, DataType codeType, KernelWidth width)
    {
        var sums = default(LaneSums);
        for (int start = 0; start < windows.Count; start += windows.Length)
        {
            SingleStatistics.AccumulateSum(windows.Read(start), ref sums, width);
        }

        double mean = sums.Total() / finiteCount;
        var squares = default(LaneSums);
        for (int start = 0; start < windows.Count; start += windows.Length)
        {
            SingleStatistics.AccumulateSquaredDeviation(windows.Read(start), mean, ref squares, width);
        }

        double standardDeviation = Math.Sqrt(squares.Total() / finiteCount);
        return AffineRange.ZeroPointScale(min, max, mean, standardDeviation, AffineRange.Sigmas(codeType));
    }

    /// <summary>
    /// The source as float32 bytes, one window at a time: float32 in place as a single window (per-call overhead
    /// is measurable on small pieces), float16/bfloat16 widened into the buffer <see cref="WindowLength"/> at a time.
    /// </summary>
    private ref struct Windows
    {
        private readonly DataType _type;
        private readonly ReadOnlySpan<byte> _source;
        private readonly Span<float> _buffer;
        private readonly KernelWidth _width;

        public Windows(DataType type, ReadOnlySpan<byte> source, Span<float> buffer, KernelWidth width)
        {
            _type = type;
            _source = source;
            _buffer = buffer;
            _width = width;
            Count = source.Length / DataTypes.SizeOf(type);
            Length = type == DataType.Float32 ? Math.Max(Count, 1) : WindowLength;
        }

        public int Count { get; }

        /// <summary>Elements per window; windows start at multiples of it.</summary>
        public int Length { get; }

        public readonly ReadOnlySpan<byte> Read(int start)
        {
            int length = Math.Min(Length, Count - start);
            if (_type == DataType.Float32)
            {
                return _source.Slice(start * sizeof(float), length * sizeof(float));
            }

            Span<float> window = _buffer[..length];
            HalfPrecision.Widen(_type, _source.Slice(start * sizeof(ushort), length * sizeof(ushort)), window, _width);
            return MemoryMarshal.AsBytes(window);
        }
    }
}
