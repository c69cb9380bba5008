namespace Collectives.Quantization;

/// <summary>
/// How the payload of one operation is quantized on the wire. Every peer of an operation must pass the same
/// options. <see cref="None"/> (the default value) sends the payload in its own type.
/// </summary>
/// <param name="Algorithm">
/// How each piece's code range is chosen: <see cref="QuantizationAlgorithm.MinMax"/> covers the piece's finite
/// minimum to maximum; <see cref="QuantizationAlgorithm.ZeroPointScale"/> covers mean ± k·standard deviation
/// (k = 4 for 8-bit codes, 8 for 16-bit codes), clamped to the minimum and maximum.
/// </param>
/// <param name="QuantizedType">
/// The code type on the wire: <see cref="DataType.UInt8"/> or <see cref="DataType.UInt16"/>. Ignored when
/// <paramref name="Algorithm"/> is <see cref="QuantizationAlgorithm.None"/>.
/// </param>
/// <remarks>
/// Quantization applies to floating-point buffers (float32, float64, float16, bfloat16). A quantized piece
/// reconstructs each finite value to within half a code step plus floating-point rounding, keeps NaN, +∞ and −∞
/// (NaN payloads become the default NaN), and reconstructs constant pieces exactly.
/// </remarks>
public readonly record struct QuantizationOptions(QuantizationAlgorithm Algorithm, DataType QuantizedType)
{
    /// <summary>No quantization: the payload travels in the buffer's own type.</summary>
    public static QuantizationOptions None => default;

    /// <summary>True when the payload is quantized (the algorithm is not <see cref="QuantizationAlgorithm.None"/>).</summary>
    public bool IsEnabled => Algorithm != QuantizationAlgorithm.None;
}
