using System.Buffers;
using System.Collections.Immutable;
using MessagePack;

namespace Collectives.Protocol.Messages;

/// <summary>Readers for the enums and compound values of the control protocol.</summary>
internal ref partial struct ControlReader
{
    /// <summary>Reads an enum's integer value; the caller checks it is defined.</summary>
    public long ReadEnumValue(string field)
    {
        Expect(field, MessagePackType.Integer);
        return _reader.ReadInt64();
    }

    public DataType ReadDataType(string field)
    {
        long value = ReadEnumValue(field);
        return value is >= 0 and <= int.MaxValue && DataTypes.IsDefined((DataType)value)
            ? (DataType)value
            : throw Violation($"unknown data type {value}");
    }

    public ReduceOp ReadReduceOp(string field)
    {
        long value = ReadEnumValue(field);
        return value is >= 0 and <= int.MaxValue && Enum.IsDefined((ReduceOp)value)
            ? (ReduceOp)value
            : throw Violation($"unknown reduce op {value}");
    }

    public QuantizationAlgorithm ReadQuantizationAlgorithm(string field)
    {
        long value = ReadEnumValue(field);
        return value is >= 0 and <= int.MaxValue && Enum.IsDefined((QuantizationAlgorithm)value)
            ? (QuantizationAlgorithm)value
            : throw Violation($"unknown quantization algorithm {value}");
    }

    public CollectiveKind ReadCollectiveKind(string field)
    {
        long value = ReadEnumValue(field);
        return value is >= 0 and <= int.MaxValue && Enum.IsDefined((CollectiveKind)value)
            ? (CollectiveKind)value
            : throw Violation($"unknown collective kind {value}");
    }

    public ErrorCode ReadErrorCode(string field)
    {
        long value = ReadEnumValue(field);
        return value is >= 0 and <= int.MaxValue && Enum.IsDefined((ErrorCode)value)
            ? (ErrorCode)value
            : throw Violation($"unknown error code {value}");
    }

    public PeerId ReadPeerId(string field)
    {
        Span<byte> bytes = stackalloc byte[PeerId.ByteLength];
        ReadExactBinary(field, bytes);
        return PeerId.FromBytes(bytes);
    }

    public PeerAddress ReadAddress(string field)
    {
        Expect(field, MessagePackType.Binary);
        CheckByteLength(PeekLength(), PeerAddress.IPv6Length, "address");
        ReadOnlySequence<byte> bytes = _reader.ReadBytes()!.Value;
        if (bytes.Length is not (PeerAddress.IPv4Length or PeerAddress.IPv6Length))
        {
            throw Violation($"an address is 4 or 16 bytes, got {bytes.Length}");
        }

        Span<byte> copy = stackalloc byte[PeerAddress.IPv6Length];
        bytes.CopyTo(copy);
        return PeerAddress.FromBytes(copy[..(int)bytes.Length]);
    }

    public PeerAddress? ReadOptionalAddress(string field)
    {
        Field = field;
        return _reader.TryReadNil() ? null : ReadAddress(field);
    }

    /// <summary>Reads [id, address, port].</summary>
    public PeerInfo ReadPeerInfo(string field)
    {
        ReadFixedArrayHeader(field, 3);
        PeerId id = ReadPeerId("peer.id");
        PeerAddress address = ReadAddress("peer.address");
        ushort port = ReadUInt16("peer.port");
        return new PeerInfo(id, new PeerEndpoint(address, port));
    }

    public ImmutableArray<PeerId> ReadPeerIdList(string field)
    {
        int count = ReadArrayHeader(field, Limits.MaxPeersPerRing);
        var builder = ImmutableArray.CreateBuilder<PeerId>(count);
        for (int i = 0; i < count; i++)
        {
            builder.Add(ReadPeerId(field));
        }

        return builder.MoveToImmutable();
    }

    public ImmutableArray<PeerInfo> ReadPeerInfoList(string field)
    {
        int count = ReadArrayHeader(field, Limits.MaxPeersPerRing);
        var builder = ImmutableArray.CreateBuilder<PeerInfo>(count);
        for (int i = 0; i < count; i++)
        {
            builder.Add(ReadPeerInfo(field));
        }

        return builder.MoveToImmutable();
    }

    /// <summary>Reads [global, peerGroup, numPeerGroups, largestPeerGroup].</summary>
    public WorldSizes ReadWorldSizes(string field)
    {
        ReadFixedArrayHeader(field, 4);
        return new WorldSizes(
            ReadCount("worldSizes.global"),
            ReadCount("worldSizes.peerGroup"),
            ReadCount("worldSizes.numPeerGroups"),
            ReadCount("worldSizes.largestPeerGroup"));
    }

    /// <summary>Reads [kind, count, dataType, op, quantization, quantizedType].</summary>
    public CollectiveDescriptor ReadDescriptor(string field)
    {
        ReadFixedArrayHeader(field, 6);
        return new CollectiveDescriptor(
            ReadCollectiveKind("descriptor.kind"),
            ReadUInt64("descriptor.count"),
            ReadDataType("descriptor.dataType"),
            ReadReduceOp("descriptor.op"),
            ReadQuantizationAlgorithm("descriptor.quantization"),
            ReadDataType("descriptor.quantizedType"));
    }
}
