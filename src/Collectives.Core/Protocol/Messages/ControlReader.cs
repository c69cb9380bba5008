using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using MessagePack;

namespace Collectives.Protocol.Messages;

/// <summary>
/// A <see cref="MessagePackReader"/> that checks every token's type and every length against
/// <see cref="ProtocolLimits"/> before reading it, and names the field it was reading when something is wrong.
/// It throws <see cref="ProtocolViolationException"/> for its own checks; exceptions of the underlying reader
/// (truncation, bad codes, overflow) are translated by <see cref="ControlMessageCodec"/> using <see cref="Field"/>.
/// </summary>
internal ref partial struct ControlReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private MessagePackReader _reader;

    public ControlReader(in ReadOnlySequence<byte> payload, ProtocolLimits limits)
    {
        _reader = new MessagePackReader(payload);
        Limits = limits;
        Field = "header";
    }

    public ProtocolLimits Limits { get; }

    /// <summary>The type of the message being read once known, for error text.</summary>
    public MessageType? Message { get; set; }

    public readonly string MessageName => Message?.ToString() ?? "message";

    /// <summary>The field being read, for error text.</summary>
    public string Field { get; private set; }

    public readonly bool End => _reader.End;

    private readonly long Remaining => _reader.Sequence.Length - _reader.Consumed;

    public readonly ProtocolViolationException Violation(string problem) =>
        new($"malformed control message ({MessageName}, field '{Field}'): {problem}");

    public void ExpectEnd()
    {
        Field = "end";
        if (!_reader.End)
        {
            throw Violation($"{Remaining} trailing byte(s) after the last field");
        }
    }

    /// <summary>Reads an array header whose count must be at most <paramref name="maxCount"/>.</summary>
    public int ReadArrayHeader(string field, int maxCount)
    {
        Expect(field, MessagePackType.Array);
        // Checked on the raw header, before the reader turns a 32-bit count into an int.
        long count = PeekLength();
        if (count > maxCount)
        {
            throw Violation($"{count} elements, at most {maxCount} allowed");
        }

        // Every element takes at least one byte, so a count beyond the bytes left is a lie told to make us allocate.
        if (count > Remaining)
        {
            throw Violation($"{count} elements claimed but only {Remaining} bytes left");
        }

        return _reader.ReadArrayHeader();
    }

    /// <summary>Reads an array header that must have exactly <paramref name="expected"/> elements.</summary>
    public void ReadFixedArrayHeader(string field, int expected)
    {
        int count = ReadArrayHeader(field, int.MaxValue);
        if (count != expected)
        {
            throw Violation($"{count} elements, expected {expected}");
        }
    }

    public ulong ReadUInt64(string field)
    {
        Expect(field, MessagePackType.Integer);
        return _reader.ReadUInt64();
    }

    public uint ReadUInt32(string field)
    {
        Expect(field, MessagePackType.Integer);
        return _reader.ReadUInt32();
    }

    public ushort ReadUInt16(string field)
    {
        Expect(field, MessagePackType.Integer);
        return _reader.ReadUInt16();
    }

    public int ReadCount(string field)
    {
        Expect(field, MessagePackType.Integer);
        long value = _reader.ReadInt64();
        return value is >= 0 and <= int.MaxValue ? (int)value : throw Violation($"count {value} out of range");
    }

    public bool ReadBoolean(string field)
    {
        Expect(field, MessagePackType.Boolean);
        return _reader.ReadBoolean();
    }

    /// <summary>Reads a UTF-8 string of at most <see cref="ProtocolLimits.MaxReasonBytes"/> bytes.</summary>
    public string ReadReason(string field) => ReadUtf8(field, Limits.MaxReasonBytes);

    /// <summary>Reads a valid UTF-8 string of at most <paramref name="maxBytes"/> bytes.</summary>
    private string ReadUtf8(string field, int maxBytes)
    {
        Expect(field, MessagePackType.String);
        CheckByteLength(PeekLength(), maxBytes, "text");
        ReadOnlySequence<byte> bytes = _reader.ReadStringSequence()!.Value;

        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new ProtocolViolationException(
                $"malformed control message ({MessageName}, field '{Field}'): the text is not valid UTF-8", ex);
        }
    }

    private void ReadExactBinary(string field, scoped Span<byte> destination)
    {
        Expect(field, MessagePackType.Binary);
        CheckByteLength(PeekLength(), destination.Length, "binary");
        ReadOnlySequence<byte> bytes = _reader.ReadBytes()!.Value;
        if (bytes.Length != destination.Length)
        {
            throw Violation($"{bytes.Length} bytes, expected {destination.Length}");
        }

        bytes.CopyTo(destination);
    }

    private readonly void CheckByteLength(long length, int max, string what)
    {
        if (length > max)
        {
            throw Violation($"{length} bytes of {what}, at most {max} allowed");
        }

        if (length > Remaining)
        {
            throw Violation($"{length} bytes of {what} claimed but only {Remaining} bytes left");
        }
    }

    /// <summary>
    /// The element or byte count of the array, string or binary header at the reader's position, read from the raw
    /// bytes as an unsigned value: the reader's own methods turn 32-bit lengths into ints, and 2^32 - 1 becomes -1.
    /// </summary>
    private readonly long PeekLength()
    {
        Span<byte> header = stackalloc byte[5];
        ReadOnlySequence<byte> rest = _reader.Sequence.Slice(_reader.Position);
        int available = (int)Math.Min(rest.Length, header.Length);
        rest.Slice(0, available).CopyTo(header);
        header = header[..available];
        byte code = header[0];
        int lengthBytes = code switch
        {
            MessagePackCode.Str8 or MessagePackCode.Bin8 => 1,
            MessagePackCode.Str16 or MessagePackCode.Bin16 or MessagePackCode.Array16 => 2,
            MessagePackCode.Str32 or MessagePackCode.Bin32 or MessagePackCode.Array32 => 4,
            _ => 0,
        };
        if (lengthBytes == 0)
        {
            // Fix forms carry the length in the code byte itself.
            return code >= MessagePackCode.MinFixArray && code <= MessagePackCode.MaxFixArray
                ? code - MessagePackCode.MinFixArray
                : code - MessagePackCode.MinFixStr;
        }

        if (header.Length < 1 + lengthBytes)
        {
            throw Violation("truncated length header");
        }

        return lengthBytes switch
        {
            1 => header[1],
            2 => BinaryPrimitives.ReadUInt16BigEndian(header[1..]),
            _ => BinaryPrimitives.ReadUInt32BigEndian(header[1..]),
        };
    }

    private void Expect(string field, MessagePackType type)
    {
        Field = field;
        MessagePackType actual = _reader.NextMessagePackType;
        if (actual != type)
        {
            throw Violation($"expected {type}, got {actual}");
        }
    }
}
