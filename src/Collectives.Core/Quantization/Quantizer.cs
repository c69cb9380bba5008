namespace Collectives.Quantization;

/// <summary>
/// Quantization kernels for the payload of collective operations (SPEC §5). A quantized piece is
/// <c>[metadata: <see cref="MetadataSize"/> bytes][one code per element]</c>; see Quantization.md in this folder
/// for the format, the NaN/±∞ and constant-piece rules, and the error bounds.
/// </summary>
/// <remarks>
/// <para>
/// Both algorithms map finite values affinely to codes, <c>value ≈ center + (code − midCode) · step</c>, with
/// round-half-to-even; they differ only in the range the codes cover: min-max covers [min, max] of the finite
/// values, zero-point/scale covers mean ± k·σ (k = 4 for UInt8, 8 for UInt16) clamped to [min, max], and clamps
/// the values outside. Float32, float16 and bfloat16 are processed in float32 arithmetic, float64 in float64.
/// </para>
/// <para>
/// Determinism: the output bytes are a function of the input bytes alone, the same at every SIMD width (AVX-512,
/// AVX2, SSE/NEON, scalar). Min/max are order-independent, sums use a fixed 16-lane order
/// (<see cref="LaneSums"/>), and the per-element maps perform the same IEEE operations in vector and scalar code,
/// with no fused multiply-add. The overloads taking a <see cref="KernelWidth"/> exist so tests can prove it.
/// </para>
/// <para>
/// Decoding is a pure function of the encoded bytes, which may come from the network: any metadata is accepted
/// (NaN or ±∞ center/step decode to NaN/±∞ values), work is linear in the length, and the only exception is
/// <see cref="ArgumentException"/> for wrong lengths, types or options. Spans may be unaligned but must not overlap.
/// Nothing allocates.
/// </para>
/// </remarks>
internal static class Quantizer
{
    /// <summary>Bytes of metadata in front of the codes of every piece.</summary>
    public static int MetadataSize => PieceHeader.Size;

    /// <summary>True when <paramref name="sourceType"/> data can be quantized with <paramref name="options"/>.</summary>
    public static bool IsSupported(DataType sourceType, QuantizationOptions options) =>
        DataTypes.IsFloatingPoint(sourceType)
        && options.Algorithm is QuantizationAlgorithm.MinMax or QuantizationAlgorithm.ZeroPointScale
        && CodeSpace.IsCodeType(options.QuantizedType);

    /// <summary>Bytes of one encoded piece of <paramref name="elementCount"/> elements: metadata plus codes.</summary>
    /// <exception cref="ArgumentException">The options are not supported, or the size does not fit an <see cref="int"/>.</exception>
    public static int EncodedSize(QuantizationOptions options, int elementCount)
    {
        RequireSupported(DataType.Float32, options);
        ArgumentOutOfRangeException.ThrowIfNegative(elementCount);
        long size = PieceHeader.Size + (long)elementCount * CodeBytes(options);
        return size <= int.MaxValue
            ? (int)size
            : throw new ArgumentOutOfRangeException(nameof(elementCount), elementCount, "the encoded piece would exceed 2 GiB");
    }

    /// <summary>Writes <c>[metadata][codes]</c> for the elements of <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentException">
    /// Unsupported type or options; <paramref name="source"/> is not whole elements; <paramref name="encoded"/> is
    /// not exactly <see cref="EncodedSize"/> bytes; or the spans overlap.
    /// </exception>
    public static void Quantize(DataType sourceType, QuantizationOptions options, ReadOnlySpan<byte> source, Span<byte> encoded) =>
        Quantize(sourceType, options, source, encoded, KernelWidths.Widest);

    /// <summary>Writes the decoded values of <paramref name="encoded"/> to <paramref name="target"/> as <paramref name="targetType"/>.</summary>
    /// <exception cref="ArgumentException">
    /// Unsupported type or options; <paramref name="encoded"/> is not metadata plus whole codes;
    /// <paramref name="target"/> does not hold exactly one element per code; or the spans overlap.
    /// </exception>
    public static void Dequantize(DataType targetType, QuantizationOptions options, ReadOnlySpan<byte> encoded, Span<byte> target) =>
        Dequantize(targetType, options, encoded, target, KernelWidths.Widest);

    /// <summary>
    /// accumulator[i] = op(accumulator[i], decoded[i]) for a Float32 or Float64 accumulator; Avg accumulates like
    /// Sum. The result equals dequantizing into <paramref name="accumulatorType"/> and then applying op, bit for bit.
    /// Max and Min follow IEEE 754-2019 (NaN propagates, −0 is below +0).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The accumulator type is not Float32/Float64, the op or options are not supported, the lengths do not match
    /// (as for <see cref="Dequantize(DataType, QuantizationOptions, ReadOnlySpan{byte}, Span{byte})"/>), or the spans overlap.
    /// </exception>
    public static void DequantizeAccumulate(DataType accumulatorType, ReduceOp op, QuantizationOptions options, ReadOnlySpan<byte> encoded, Span<byte> accumulator) =>
        DequantizeAccumulate(accumulatorType, op, options, encoded, accumulator, KernelWidths.Widest);

    /// <summary><see cref="Quantize(DataType, QuantizationOptions, ReadOnlySpan{byte}, Span{byte})"/> limited to kernels of at most <paramref name="width"/>.</summary>
    public static void Quantize(DataType sourceType, QuantizationOptions options, ReadOnlySpan<byte> source, Span<byte> encoded, KernelWidth width)
    {
        RequireSupported(sourceType, options);
        int elementSize = DataTypes.SizeOf(sourceType);
        if (source.Length % elementSize != 0)
        {
            throw new ArgumentException($"the source is {source.Length} bytes, not whole {sourceType} elements", nameof(source));
        }

        int expected = EncodedSize(options, source.Length / elementSize);
        if (encoded.Length != expected)
        {
            throw new ArgumentException($"the encoded piece must be {expected} bytes, not {encoded.Length}", nameof(encoded));
        }

        RequireDisjoint(source, encoded);
        if (sourceType == DataType.Float64)
        {
            DoubleQuantizer.Quantize(options, source, encoded, width);
        }
        else
        {
            SingleQuantizer.Quantize(sourceType, options, source, encoded, width);
        }
    }

    /// <summary><see cref="Dequantize(DataType, QuantizationOptions, ReadOnlySpan{byte}, Span{byte})"/> limited to kernels of at most <paramref name="width"/>.</summary>
    public static void Dequantize(DataType targetType, QuantizationOptions options, ReadOnlySpan<byte> encoded, Span<byte> target, KernelWidth width)
    {
        RequireSupported(targetType, options);
        RequireDecodable(targetType, options, encoded, target);
        if (targetType == DataType.Float64)
        {
            DoubleQuantizer.Dequantize(options, encoded, target, width);
        }
        else
        {
            SingleQuantizer.Dequantize(targetType, options, encoded, target, width);
        }
    }

    /// <summary><see cref="DequantizeAccumulate(DataType, ReduceOp, QuantizationOptions, ReadOnlySpan{byte}, Span{byte})"/> limited to kernels of at most <paramref name="width"/>.</summary>
    public static void DequantizeAccumulate(DataType accumulatorType, ReduceOp op, QuantizationOptions options, ReadOnlySpan<byte> encoded, Span<byte> accumulator, KernelWidth width)
    {
        if (accumulatorType is not (DataType.Float32 or DataType.Float64))
        {
            throw new ArgumentException($"quantized pieces accumulate into Float32 or Float64, not {accumulatorType}", nameof(accumulatorType));
        }

        if (op is < ReduceOp.Sum or > ReduceOp.Min)
        {
            throw new ArgumentException($"unknown reduction {op}", nameof(op));
        }

        RequireSupported(accumulatorType, options);
        RequireDecodable(accumulatorType, options, encoded, accumulator);
        if (accumulatorType == DataType.Float64)
        {
            DoubleQuantizer.DequantizeAccumulate(op, options, encoded, accumulator, width);
        }
        else
        {
            SingleQuantizer.DequantizeAccumulate(op, options, encoded, accumulator, width);
        }
    }

    private static int CodeBytes(QuantizationOptions options) => CodeSpace.For(options.QuantizedType, hasSpecialCodes: false).CodeBytes;

    private static void RequireSupported(DataType valueType, QuantizationOptions options)
    {
        if (!IsSupported(valueType, options))
        {
            throw new ArgumentException(
                $"quantization {options.Algorithm} to {options.QuantizedType} of {valueType} data is not supported", nameof(options));
        }
    }

    private static void RequireDecodable(DataType valueType, QuantizationOptions options, ReadOnlySpan<byte> encoded, ReadOnlySpan<byte> values)
    {
        int codeBytes = CodeBytes(options);
        if (encoded.Length < PieceHeader.Size || (encoded.Length - PieceHeader.Size) % codeBytes != 0)
        {
            throw new ArgumentException($"{encoded.Length} bytes are not {PieceHeader.Size} bytes of metadata and whole {options.QuantizedType} codes", nameof(encoded));
        }

        long expected = (long)(encoded.Length - PieceHeader.Size) / codeBytes * DataTypes.SizeOf(valueType);
        if (values.Length != expected)
        {
            throw new ArgumentException($"the piece has {(encoded.Length - PieceHeader.Size) / codeBytes} elements; {values.Length} bytes of {valueType} do not match", nameof(values));
        }

        RequireDisjoint(encoded, values);
    }

    private static void RequireDisjoint(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        if (first.Overlaps(second))
        {
            throw new ArgumentException("the input and output buffers overlap");
        }
    }
}
