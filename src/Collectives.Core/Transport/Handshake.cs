using System.Buffers.Binary;

namespace Collectives.Transport;

/// <summary>
/// The first frame a dialling side sends: protocol version, who is calling, what for, and which pool and slot
/// this connection fills. Fixed binary layout so it can be checked before anything else is trusted.
/// </summary>
public readonly record struct HandshakeHello(int ProtocolVersion, ConnectionPurpose Purpose, Guid SenderId, ulong PoolId, ushort Slot, ushort PoolSize)
{
    /// <summary>Encoded size in bytes.</summary>
    public const int Size = 36;

    internal const uint Magic = 0x434C_5456; // "CLTV"

    /// <summary>Encodes the hello.</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], checked((ushort)ProtocolVersion));
        destination[6] = (byte)Purpose;
        destination[7] = 0;
        SenderId.TryWriteBytes(destination[8..24]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], PoolId);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[32..], Slot);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[34..], PoolSize);
    }

    /// <summary>Decodes and validates a hello.</summary>
    /// <exception cref="ProtocolViolationException">Wrong size, magic, purpose, or slot outside the pool.</exception>
    public static HandshakeHello Read(ReadOnlySpan<byte> source)
    {
        if (source.Length != Size)
        {
            throw new ProtocolViolationException($"handshake hello of {source.Length} bytes, expected {Size}");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic)
        {
            throw new ProtocolViolationException("handshake hello has the wrong magic number (not a Collectives peer)");
        }

        var purpose = (ConnectionPurpose)source[6];
        if (purpose is < ConnectionPurpose.Control or > ConnectionPurpose.BandwidthProbe || source[7] != 0)
        {
            throw new ProtocolViolationException($"handshake hello has an unknown purpose {source[6]}");
        }

        var hello = new HandshakeHello(
            BinaryPrimitives.ReadUInt16LittleEndian(source[4..]),
            purpose,
            new Guid(source[8..24]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[24..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[32..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[34..]));
        if (hello.PoolSize == 0 || hello.Slot >= hello.PoolSize)
        {
            throw new ProtocolViolationException($"handshake hello has slot {hello.Slot} outside a pool of {hello.PoolSize}");
        }

        return hello;
    }
}

/// <summary>Outcome the accepting side reports in its handshake reply.</summary>
public enum HandshakeStatus : byte
{
    /// <summary>Accepted.</summary>
    Accepted = 0,
    /// <summary>The protocol versions differ.</summary>
    VersionMismatch = 1,
    /// <summary>The listener does not serve this purpose or this caller.</summary>
    Refused = 2,
    /// <summary>The caller could not prove knowledge of the run secret.</summary>
    AuthenticationFailed = 3,
}

/// <summary>The accepting side's reply to a <see cref="HandshakeHello"/>.</summary>
public readonly record struct HandshakeReply(int ProtocolVersion, HandshakeStatus Status, Guid ResponderId)
{
    /// <summary>Encoded size in bytes.</summary>
    public const int Size = 24;

    /// <summary>Encodes the reply.</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, HandshakeHello.Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], checked((ushort)ProtocolVersion));
        destination[6] = (byte)Status;
        destination[7] = 0;
        ResponderId.TryWriteBytes(destination[8..24]);
    }

    /// <summary>Decodes and validates a reply.</summary>
    /// <exception cref="ProtocolViolationException">Wrong size, magic or status.</exception>
    public static HandshakeReply Read(ReadOnlySpan<byte> source)
    {
        if (source.Length != Size || BinaryPrimitives.ReadUInt32LittleEndian(source) != HandshakeHello.Magic)
        {
            throw new ProtocolViolationException("malformed handshake reply (not a Collectives peer)");
        }

        var status = (HandshakeStatus)source[6];
        if (status > HandshakeStatus.AuthenticationFailed)
        {
            throw new ProtocolViolationException($"handshake reply has an unknown status {source[6]}");
        }

        return new HandshakeReply(BinaryPrimitives.ReadUInt16LittleEndian(source[4..]), status, new Guid(source[8..24]));
    }
}
