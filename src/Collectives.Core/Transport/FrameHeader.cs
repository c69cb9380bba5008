using System.Buffers.Binary;

namespace Collectives.Transport;

/// <summary>
/// The fixed 32-byte header in front of every frame (little-endian):
/// kind (1) · flags (1) · reserved (2, zero) · payload length (4) · tag (8) · sequence number (8) · offset (8).
/// </summary>
/// <remarks>
/// The sequence number identifies one run of an operation (the master assigns it when the operation commences),
/// so a late frame of an aborted run can be recognised and dropped even when the retry reuses the tag.
/// The offset says where the payload belongs in the operation's byte stream, which lets a striped payload arrive
/// over several connections in any order.
/// </remarks>
public readonly record struct FrameHeader(FrameKind Kind, byte Flags, uint PayloadLength, ulong Tag, ulong Sequence, ulong Offset)
{
    /// <summary>Size of the encoded header in bytes.</summary>
    public const int Size = 32;

    /// <summary>Writes the header into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException("destination too small for a frame header", nameof(destination));
        }

        destination[0] = (byte)Kind;
        destination[1] = Flags;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], PayloadLength);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Tag);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], Sequence);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], Offset);
    }

    /// <summary>
    /// Decodes and validates a header. The payload length is checked against <paramref name="maxPayloadLength"/>
    /// here, before anyone allocates or waits for that many bytes.
    /// </summary>
    /// <exception cref="ProtocolViolationException">Unknown kind, non-zero reserved bits, or an oversize length.</exception>
    public static FrameHeader Read(ReadOnlySpan<byte> source, uint maxPayloadLength)
    {
        if (source.Length < Size)
        {
            throw new ArgumentException("source shorter than a frame header", nameof(source));
        }

        var kind = (FrameKind)source[0];
        if (kind is not (FrameKind.Handshake or FrameKind.Control or FrameKind.Data))
        {
            throw new ProtocolViolationException($"unknown frame kind {source[0]}");
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(source[2..]) != 0)
        {
            throw new ProtocolViolationException("reserved frame header bits are set");
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(source[4..]);
        if (length > maxPayloadLength)
        {
            throw new ProtocolViolationException($"frame payload of {length} bytes exceeds the limit of {maxPayloadLength}");
        }

        return new FrameHeader(
            kind,
            source[1],
            length,
            BinaryPrimitives.ReadUInt64LittleEndian(source[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[24..]));
    }
}
