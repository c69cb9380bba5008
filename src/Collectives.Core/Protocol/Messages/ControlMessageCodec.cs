using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using MessagePack;

namespace Collectives.Protocol.Messages;

/// <summary>
/// Encodes and decodes control messages as MessagePack arrays <c>[messageType, field1, field2, ...]</c>, by hand:
/// no type-directed deserialization, so it is AOT-safe and reads only what the protocol allows.
/// Decoding is strict: unknown or wrong-direction types, wrong field counts, wrong token types, undefined enum
/// values, lists and text over <see cref="ProtocolLimits"/>, and trailing bytes are all
/// <see cref="ProtocolViolationException"/>s; no other exception type escapes a read.
/// </summary>
internal static partial class ControlMessageCodec
{
    // No message has more than 6 fields after its type; a larger header is refused before reading anything else.
    private const int MaxFieldsPerMessage = 16;

    /// <summary>Reads one peer→master message from a complete frame payload.</summary>
    /// <exception cref="ProtocolViolationException">The payload is not exactly one valid peer→master message.</exception>
    public static ClientMessage ReadClientMessage(in ReadOnlySequence<byte> payload, ProtocolLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        CheckPayloadSize(payload, limits);
        var reader = new ControlReader(payload, limits);
        try
        {
            int fields = ReadTypeAndFieldCount(ref reader, out MessageType type);
            if (!MessageTypes.IsClientMessage(type))
            {
                throw reader.Violation($"message type {(int)type} is not a peer-to-master message");
            }

            reader.Message = type;
            ClientMessage message = ReadClientBody(ref reader, type, fields);
            reader.ExpectEnd();
            return message;
        }
        catch (Exception ex) when (IsReaderFailure(ex))
        {
            throw Translate(ex, reader.MessageName, reader.Field);
        }
    }

    /// <summary>Reads one master→peer message from a complete frame payload.</summary>
    /// <exception cref="ProtocolViolationException">The payload is not exactly one valid master→peer message.</exception>
    public static ServerMessage ReadServerMessage(in ReadOnlySequence<byte> payload, ProtocolLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        CheckPayloadSize(payload, limits);
        var reader = new ControlReader(payload, limits);
        try
        {
            int fields = ReadTypeAndFieldCount(ref reader, out MessageType type);
            if (!MessageTypes.IsServerMessage(type))
            {
                throw reader.Violation($"message type {(int)type} is not a master-to-peer message");
            }

            reader.Message = type;
            ServerMessage message = ReadServerBody(ref reader, type, fields);
            reader.ExpectEnd();
            return message;
        }
        catch (Exception ex) when (IsReaderFailure(ex))
        {
            throw Translate(ex, reader.MessageName, reader.Field);
        }
    }

    /// <summary>Like <see cref="ReadClientMessage"/>, but reports a violation instead of throwing it.</summary>
    public static bool TryReadClientMessage(
        in ReadOnlySequence<byte> payload,
        ProtocolLimits limits,
        [NotNullWhen(true)] out ClientMessage? message,
        [NotNullWhen(false)] out ProtocolViolationException? violation)
    {
        try
        {
            message = ReadClientMessage(payload, limits);
            violation = null;
            return true;
        }
        catch (ProtocolViolationException ex)
        {
            message = null;
            violation = ex;
            return false;
        }
    }

    /// <summary>Like <see cref="ReadServerMessage"/>, but reports a violation instead of throwing it.</summary>
    public static bool TryReadServerMessage(
        in ReadOnlySequence<byte> payload,
        ProtocolLimits limits,
        [NotNullWhen(true)] out ServerMessage? message,
        [NotNullWhen(false)] out ProtocolViolationException? violation)
    {
        try
        {
            message = ReadServerMessage(payload, limits);
            violation = null;
            return true;
        }
        catch (ProtocolViolationException ex)
        {
            message = null;
            violation = ex;
            return false;
        }
    }

    private static void CheckPayloadSize(in ReadOnlySequence<byte> payload, ProtocolLimits limits)
    {
        if (payload.Length > limits.MaxControlMessageBytes)
        {
            throw new ProtocolViolationException(
                $"control message of {payload.Length} bytes exceeds the limit of {limits.MaxControlMessageBytes}");
        }
    }

    private static int ReadTypeAndFieldCount(ref ControlReader reader, out MessageType type)
    {
        int count = reader.ReadArrayHeader("message", MaxFieldsPerMessage);
        if (count == 0)
        {
            throw reader.Violation("empty array, no message type");
        }

        long value = reader.ReadEnumValue("type");
        type = (MessageType)(byte)value;
        if (value is < 0 or > byte.MaxValue || !(MessageTypes.IsClientMessage(type) || MessageTypes.IsServerMessage(type)))
        {
            throw reader.Violation($"unknown or reserved message type {value}");
        }

        return count - 1;
    }

    private static void ExpectFields(ref ControlReader reader, int actual, int expected)
    {
        if (actual != expected)
        {
            throw reader.Violation($"{actual} field(s) after the type, expected {expected}");
        }
    }

    private static bool IsReaderFailure(Exception ex) =>
        ex is EndOfStreamException or MessagePackSerializationException or OverflowException;

    private static ProtocolViolationException Translate(Exception ex, string message, string field) => ex switch
    {
        EndOfStreamException => new($"malformed control message ({message}, field '{field}'): truncated", ex),
        OverflowException => new($"malformed control message ({message}, field '{field}'): integer out of range", ex),
        _ => new($"malformed control message ({message}, field '{field}'): {ex.Message}", ex),
    };
}
