using Collectives.Quantization;

namespace Collectives;

/// <summary>Per-call options of an all-reduce.</summary>
public sealed record AllReduceOptions
{
    /// <summary>
    /// The element type when it cannot be inferred from the buffer's element type (bfloat16 held in ushort buffers).
    /// Null infers it.
    /// </summary>
    public DataType? DataType { get; init; }

    /// <summary>Quantization of the payload on the wire (SPEC §5); none by default.</summary>
    public QuantizationOptions Quantization { get; init; } = QuantizationOptions.None;
}
