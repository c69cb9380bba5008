using System.Buffers.Binary;

namespace Collectives.SharedState;

/// <summary>
/// A fetching peer's request to a donor: bytes [Offset, Offset + Length) of the donor's tensor number
/// <see cref="EntryIndex"/> (in name order) for sync round <see cref="Round"/>. Travels as a control frame's payload.
/// </summary>
internal readonly record struct SharedStateRequest(ulong Round, uint EntryIndex, ulong Offset, ulong Length)
{
    public const int Size = 28;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, Round);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], EntryIndex);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[12..], Offset);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[20..], Length);
    }

    /// <exception cref="ProtocolViolationException">Wrong size.</exception>
    public static SharedStateRequest Read(ReadOnlySpan<byte> source) => source.Length != Size
        ? throw new ProtocolViolationException($"shared-state request of {source.Length} bytes, expected {Size}")
        : new SharedStateRequest(
            BinaryPrimitives.ReadUInt64LittleEndian(source),
            BinaryPrimitives.ReadUInt32LittleEndian(source[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[12..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[20..]));
}
