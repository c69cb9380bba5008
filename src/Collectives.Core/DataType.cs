namespace Collectives;

/// <summary>
/// Element types of collective buffers and shared-state tensors. The integer values 0–7 equal PCCL 1.0's
/// <c>pcclDataType_t</c>; its float values differ, and the C ABI (Collectives.Interop) maps between the two.
/// </summary>
public enum DataType
{
    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 0,
    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 1,
    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 2,
    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 3,
    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 4,
    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 5,
    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 6,
    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 7,
    /// <summary>IEEE 754 binary32.</summary>
    Float32 = 8,
    /// <summary>IEEE 754 binary64.</summary>
    Float64 = 9,
    /// <summary>IEEE 754 binary16 (<see cref="System.Half"/>); reductions accumulate in float32.</summary>
    Float16 = 10,
    /// <summary>bfloat16 (the upper 16 bits of a float32); reductions accumulate in float32.</summary>
    BFloat16 = 11,
}

/// <summary>Reduction operators. Values match PCCL 1.0's <c>pcclRedOp_t</c>.</summary>
public enum ReduceOp
{
    /// <summary>Element-wise sum (integers wrap).</summary>
    Sum = 0,
    /// <summary>Element-wise sum divided by the number of peers that took part (integers: truncating division).</summary>
    Avg = 1,
    /// <summary>Element-wise product (integers wrap).</summary>
    Prod = 2,
    /// <summary>Element-wise maximum (floats: NaN propagates).</summary>
    Max = 3,
    /// <summary>Element-wise minimum (floats: NaN propagates).</summary>
    Min = 4,
}

/// <summary>Quantization algorithms for the payload on the wire. Values match PCCL 1.0's <c>pcclQuantizationAlgorithm_t</c>.</summary>
public enum QuantizationAlgorithm
{
    /// <summary>No quantization: the payload travels in the input type.</summary>
    None = 0,
    /// <summary>Linear between the piece's minimum and maximum.</summary>
    MinMax = 1,
    /// <summary>Zero point and scale derived from the piece's mean and standard deviation.</summary>
    ZeroPointScale = 2,
}

/// <summary>Facts about <see cref="DataType"/> values.</summary>
public static class DataTypes
{
    /// <summary>Size of one element in bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="DataType"/>.</exception>
    public static int SizeOf(DataType type) => type switch
    {
        DataType.UInt8 or DataType.Int8 => 1,
        DataType.Int16 or DataType.UInt16 or DataType.Float16 or DataType.BFloat16 => 2,
        DataType.UInt32 or DataType.Int32 or DataType.Float32 => 4,
        DataType.UInt64 or DataType.Int64 or DataType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown data type"),
    };

    /// <summary>True for the defined values, used to validate enums read from the network or the C ABI.</summary>
    public static bool IsDefined(DataType type) => type is >= DataType.UInt8 and <= DataType.BFloat16;

    /// <summary>True for the floating-point types (the ones that can be quantized).</summary>
    public static bool IsFloatingPoint(DataType type) =>
        type is DataType.Float32 or DataType.Float64 or DataType.Float16 or DataType.BFloat16;

    /// <summary>
    /// The type partial results travel and accumulate in: float16 and bfloat16 accumulate in float32 and are
    /// rounded once by the owner of each chunk; every other type accumulates in itself.
    /// </summary>
    public static DataType AccumulatorOf(DataType type) =>
        type is DataType.Float16 or DataType.BFloat16 ? DataType.Float32 : type;
}
