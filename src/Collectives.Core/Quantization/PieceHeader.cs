using System.Buffers.Binary;

namespace Collectives.Quantization;

/// <summary>
/// The fixed metadata in front of the codes of every quantized piece. Layout (little-endian, 24 bytes):
/// <code>
///  0  float64  Center   value of the middle code (code MidCode, see <see cref="CodeSpace"/>)
///  8  float64  Step     value difference between adjacent codes; 0 for constant pieces
/// 16  uint8    Flags    bit 0: the three top codes stand for −∞, +∞ and NaN; other bits reserved
/// 17  7 bytes  reserved, written as zero, ignored when read
/// </code>
/// A code q decodes to <c>Center + (q − MidCode) · Step</c>. The header comes from the network: reading accepts
/// any bytes (decoding then produces whatever that arithmetic gives, possibly NaN or ±∞).
/// </summary>
internal readonly record struct PieceHeader(double Center, double Step, bool HasSpecialCodes)
{
    public const int Size = 24;

    private const byte SpecialCodesFlag = 1;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(destination, Center);
        BinaryPrimitives.WriteDoubleLittleEndian(destination[8..], Step);
        destination[16] = HasSpecialCodes ? SpecialCodesFlag : (byte)0;
        destination[17..Size].Clear();
    }

    public static PieceHeader Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadDoubleLittleEndian(source),
        BinaryPrimitives.ReadDoubleLittleEndian(source[8..]),
        (source[16] & SpecialCodesFlag) != 0);
}
