using System.Buffers;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using MessagePack;
using NUnit.Framework;

namespace Collectives.Tests.Protocol;

/// <summary>Encoding helpers and assertions shared by the codec tests.</summary>
internal static class PayloadHelpers
{
    public static byte[] Encode(ClientMessage message, ProtocolLimits? limits = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        ControlMessageCodec.Write(buffer, message, limits);
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Encode(ServerMessage message, ProtocolLimits? limits = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        ControlMessageCodec.Write(buffer, message, limits);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Builds a payload by hand, for shapes the codec would never write.</summary>
    public static byte[] Raw(Action<MessagePackWriterBox> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(new MessagePackWriterBox(buffer));
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The same bytes as a sequence of segments of <paramref name="segmentLength"/> bytes, to test reads across segment borders.</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentLength)
    {
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(bytes.AsMemory(0, Math.Min(segmentLength, bytes.Length)), 0);
        Segment last = first;
        for (int offset = segmentLength; offset < bytes.Length; offset += segmentLength)
        {
            last = last.Append(bytes.AsMemory(offset, Math.Min(segmentLength, bytes.Length - offset)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Outcome of reading hostile input: a message, or a violation; anything else fails the test.</summary>
    public static ProtocolViolationException? ReadExpectingOnlyViolations(byte[] payload, bool asClient, ProtocolLimits? limits = null)
    {
        limits ??= ProtocolLimits.Default;
        try
        {
            if (asClient)
            {
                ControlMessageCodec.ReadClientMessage(new ReadOnlySequence<byte>(payload), limits);
            }
            else
            {
                ControlMessageCodec.ReadServerMessage(new ReadOnlySequence<byte>(payload), limits);
            }

            return null;
        }
        catch (ProtocolViolationException ex)
        {
            return ex;
        }
        catch (Exception ex)
        {
            Assert.Fail($"reading {Convert.ToHexString(payload)} threw {ex.GetType().Name} instead of a protocol violation: {ex}");
            throw;
        }
    }

    public static ProtocolViolationException AssertViolation(byte[] payload, bool asClient, ProtocolLimits? limits = null)
    {
        ProtocolViolationException? violation = ReadExpectingOnlyViolations(payload, asClient, limits);
        Assert.That(violation, Is.Not.Null, $"{Convert.ToHexString(payload)} was accepted");
        Assert.That(violation!.ErrorCode, Is.EqualTo(ErrorCode.ProtocolViolation));
        return violation;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

/// <summary>Writes MessagePack tokens one call at a time (a <see cref="MessagePackWriter"/> is a ref struct, which lambdas cannot hold).</summary>
internal sealed class MessagePackWriterBox
{
    private readonly IBufferWriter<byte> _output;

    public MessagePackWriterBox(IBufferWriter<byte> output) => _output = output;

    private delegate void WriteStep(ref MessagePackWriter writer);

    public MessagePackWriterBox Array(int count) => Do((ref MessagePackWriter w) => w.WriteArrayHeader(count));

    public MessagePackWriterBox Map(int count) => Do((ref MessagePackWriter w) => w.WriteMapHeader(count));

    public MessagePackWriterBox Int(long value) => Do((ref MessagePackWriter w) => w.Write(value));

    public MessagePackWriterBox UInt(ulong value) => Do((ref MessagePackWriter w) => w.Write(value));

    public MessagePackWriterBox Bool(bool value) => Do((ref MessagePackWriter w) => w.Write(value));

    public MessagePackWriterBox Nil() => Do((ref MessagePackWriter w) => w.WriteNil());

    public MessagePackWriterBox Str(string value) => Do((ref MessagePackWriter w) => w.Write(value));

    public MessagePackWriterBox Bin(byte[] value) => Do((ref MessagePackWriter w) => w.Write(value));

    public MessagePackWriterBox Double(double value) => Do((ref MessagePackWriter w) => w.Write(value));

    public MessagePackWriterBox RawBytes(params byte[] bytes) => Do((ref MessagePackWriter w) => w.WriteRaw(bytes));

    public MessagePackWriterBox PeerId(byte fill = 1) => Bin(Enumerable.Repeat(fill, 16).ToArray());

    public MessagePackWriterBox Descriptor(long kind = 0, long dataType = 8, long op = 0, long quantization = 0, long quantizedType = 8) =>
        Array(6).Int(kind).UInt(1000).Int(dataType).Int(op).Int(quantization).Int(quantizedType);

    private MessagePackWriterBox Do(WriteStep step)
    {
        var writer = new MessagePackWriter(_output);
        step(ref writer);
        writer.Flush();
        return this;
    }
}

/// <summary>Shapes of the shared-state messages, for hand-built payloads.</summary>
internal static class SharedStatePayloads
{
    /// <summary>[name, dataType, count, hash, allowContentInequality].</summary>
    public static MessagePackWriterBox Entry(this MessagePackWriterBox w, string name, long dataType = (int)DataType.Float32, ulong count = 1, ulong hash = 2) =>
        w.Array(5).Str(name).Int(dataType).UInt(count).UInt(hash).Bool(false);

    /// <summary>[donor, offset, length].</summary>
    public static MessagePackWriterBox Slice(this MessagePackWriterBox w, ulong offset, ulong length) =>
        w.Array(3).PeerId().UInt(offset).UInt(length);
}
