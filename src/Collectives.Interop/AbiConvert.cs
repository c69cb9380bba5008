using Collectives.Quantization;

namespace Collectives.Interop;

/// <summary>Checked conversions from raw C values to library types; anything out of range is InvalidArgument.</summary>
public static class AbiConvert
{
    /// <summary>The library type of a <c>pcclDataType_t</c> value.</summary>
    /// <exception cref="CollectivesException">InvalidArgument for an unknown value.</exception>
    public static DataType ToDataType(int value) => (AbiDataType)value switch
    {
        AbiDataType.UInt8 => DataType.UInt8,
        AbiDataType.Int8 => DataType.Int8,
        AbiDataType.Int16 => DataType.Int16,
        AbiDataType.UInt16 => DataType.UInt16,
        AbiDataType.UInt32 => DataType.UInt32,
        AbiDataType.Int32 => DataType.Int32,
        AbiDataType.UInt64 => DataType.UInt64,
        AbiDataType.Int64 => DataType.Int64,
        AbiDataType.Float16 => DataType.Float16,
        AbiDataType.BFloat16 => DataType.BFloat16,
        AbiDataType.Float32 => DataType.Float32,
        AbiDataType.Float64 => DataType.Float64,
        _ => throw Invalid($"unknown data type {value} (pcclUint8 = 0 ... pcclDouble = 11)"),
    };

    /// <summary>The <c>pcclDataType_t</c> value of a library type.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The type is not defined.</exception>
    public static AbiDataType FromDataType(DataType type) => type switch
    {
        DataType.UInt8 => AbiDataType.UInt8,
        DataType.Int8 => AbiDataType.Int8,
        DataType.Int16 => AbiDataType.Int16,
        DataType.UInt16 => AbiDataType.UInt16,
        DataType.UInt32 => AbiDataType.UInt32,
        DataType.Int32 => AbiDataType.Int32,
        DataType.UInt64 => AbiDataType.UInt64,
        DataType.Int64 => AbiDataType.Int64,
        DataType.Float16 => AbiDataType.Float16,
        DataType.BFloat16 => AbiDataType.BFloat16,
        DataType.Float32 => AbiDataType.Float32,
        DataType.Float64 => AbiDataType.Float64,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown data type"),
    };

    /// <summary>The operator of a <c>pcclRedOp_t</c> value (same numbering).</summary>
    /// <exception cref="CollectivesException">InvalidArgument for an unknown value.</exception>
    public static ReduceOp ToReduceOp(int value) =>
        value is >= (int)AbiReduceOp.Sum and <= (int)AbiReduceOp.Min
            ? (ReduceOp)value
            : throw Invalid($"unknown reduce op {value} (pcclSum = 0 ... pcclMin = 4)");

    /// <summary>
    /// The quantization options of a <c>pcclQuantizationOptions_t</c>. The quantized type is read only when an
    /// algorithm is chosen (PCCL programs commonly leave it at the input type for <c>pcclQuantNone</c>).
    /// </summary>
    /// <exception cref="CollectivesException">InvalidArgument for an unknown algorithm or quantized type.</exception>
    public static QuantizationOptions ToQuantization(AbiQuantizationOptions options)
    {
        if (options.Algorithm is < (int)AbiQuantizationAlgorithm.None or > (int)AbiQuantizationAlgorithm.ZeroPointScale)
        {
            throw Invalid($"unknown quantization algorithm {options.Algorithm} (pcclQuantNone = 0 ... pcclQuantZeroPointScale = 2)");
        }

        if (options.Algorithm == (int)AbiQuantizationAlgorithm.None)
        {
            return QuantizationOptions.None;
        }

        return new QuantizationOptions((QuantizationAlgorithm)options.Algorithm, ToDataType(options.QuantizedDataType));
    }

    /// <summary>Checks a <c>pcclDistributionHint_t</c> value (the hint itself is not used).</summary>
    /// <exception cref="CollectivesException">InvalidArgument for an unknown value.</exception>
    public static void CheckDistributionHint(int value)
    {
        if (value is < (int)AbiDistributionHint.None or > (int)AbiDistributionHint.Uniform)
        {
            throw Invalid($"unknown distribution hint {value} (pcclDistributionNone = 0 ... pcclDistributionUniform = 2)");
        }
    }

    /// <summary>A milliseconds field where 0 selects <paramref name="fallback"/>.</summary>
    public static TimeSpan Milliseconds(uint value, TimeSpan fallback) => value == 0 ? fallback : TimeSpan.FromMilliseconds(value);

    /// <summary>An InvalidArgument error with <paramref name="message"/>.</summary>
    public static CollectivesException Invalid(string message) => new(ErrorCode.InvalidArgument, message);
}
