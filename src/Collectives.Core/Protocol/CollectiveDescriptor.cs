namespace Collectives.Protocol;

/// <summary>The kinds of collective operation the master coordinates.</summary>
public enum CollectiveKind
{
    /// <summary>Ring all-reduce.</summary>
    AllReduce = 0,
}

/// <summary>
/// What every peer of a collective must agree on: peers launching the same tag with different descriptors get
/// <see cref="ErrorCode.DescriptorMismatch"/> instead of garbage.
/// </summary>
/// <param name="Kind">The operation.</param>
/// <param name="Count">Number of elements.</param>
/// <param name="DataType">Element type of the buffers.</param>
/// <param name="Op">Reduction operator.</param>
/// <param name="Quantization">Quantization of the payload on the wire.</param>
/// <param name="QuantizedType">Element type on the wire when quantized.</param>
public readonly record struct CollectiveDescriptor(
    CollectiveKind Kind,
    ulong Count,
    DataType DataType,
    ReduceOp Op,
    QuantizationAlgorithm Quantization,
    DataType QuantizedType);
