using Collectives.Transport;
using Collectives.Transport.Internal;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Transport;

[TestFixture]
public class FramingPropertyTests
{
    private const uint Max = 1 << 16;

    private static Gen<FrameHeader> HeaderGen(uint maxLength) =>
        from kind in Gen.Elements(FrameKind.Handshake, FrameKind.Control, FrameKind.Data)
        from flags in ArbMap.Default.GeneratorFor<byte>()
        from length in Gen.Choose(0, (int)maxLength)
        from tag in ArbMap.Default.GeneratorFor<ulong>()
        from seq in ArbMap.Default.GeneratorFor<ulong>()
        from offset in ArbMap.Default.GeneratorFor<ulong>()
        select new FrameHeader(kind, flags, (uint)length, tag, seq, offset);

    [Test]
    public void HeaderRoundTrips() =>
        Prop.ForAll(HeaderGen(Max).ToArbitrary(), header =>
        {
            byte[] bytes = new byte[FrameHeader.Size];
            header.Write(bytes);
            return FrameHeader.Read(bytes, Max) == header;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void RandomHeaderBytesEitherParseOrGiveAProtocolError() =>
        Prop.ForAll(Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), FrameHeader.Size).ToArbitrary(), bytes =>
        {
            try
            {
                FrameHeader header = FrameHeader.Read(bytes, Max);
                return header.PayloadLength <= Max;
            }
            catch (ProtocolViolationException)
            {
                return true;
            }
        }).QuickCheckThrowOnFailure();

    [TestCase((byte)0)]
    [TestCase((byte)4)]
    [TestCase((byte)255)]
    public void UnknownKindIsAProtocolError(byte kind)
    {
        byte[] bytes = new byte[FrameHeader.Size];
        new FrameHeader(FrameKind.Data, 0, 1, 0, 0, 0).Write(bytes);
        bytes[0] = kind;
        Assert.Throws<ProtocolViolationException>(() => FrameHeader.Read(bytes, Max));
    }

    [Test]
    public void OversizeLengthIsAProtocolError()
    {
        byte[] bytes = new byte[FrameHeader.Size];
        new FrameHeader(FrameKind.Data, 0, Max + 1, 0, 0, 0).Write(bytes);
        var error = Assert.Throws<ProtocolViolationException>(() => FrameHeader.Read(bytes, Max));
        Assert.That(error!.Message, Does.Contain("exceeds"));
    }

    /// <summary>Any frame sequence parses identically however the byte stream is split into receives.</summary>
    [Test]
    public void FrameSequencesRoundTripAtEverySplitPoint()
    {
        Gen<(FrameHeader, byte[])> frame =
            from h in HeaderGen(300)
            from payload in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), (int)h.PayloadLength)
            select (h, payload);
        Prop.ForAll(Gen.ListOf(frame).Select(l => l.Take(6).ToArray()).ToArbitrary(), frames =>
        {
            byte[] stream = Encode(frames);
            for (int split = 0; split <= stream.Length; split++)
            {
                var parsed = Parse(new ScriptedSource(stream, [split]), frames.Length);
                if (!Same(parsed, frames))
                {
                    return false;
                }
            }

            return Same(Parse(new ScriptedSource(stream, Enumerable.Range(1, stream.Length).ToArray()), frames.Length), frames);
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void TruncatedStreamEndsWithEndOfStreamNotGarbage()
    {
        (FrameHeader, byte[])[] frames = [(new FrameHeader(FrameKind.Data, 0, 10, 1, 2, 3), new byte[10])];
        byte[] stream = Encode(frames);
        for (int cut = 0; cut < stream.Length; cut++)
        {
            Assert.Throws<EndOfStreamException>(() => Parse(new ScriptedSource(stream[..cut], []), 1));
        }
    }

    private static byte[] Encode((FrameHeader Header, byte[] Payload)[] frames)
    {
        var stream = new List<byte>();
        foreach (var (header, payload) in frames)
        {
            byte[] h = new byte[FrameHeader.Size];
            header.Write(h);
            stream.AddRange(h);
            stream.AddRange(payload);
        }

        return stream.ToArray();
    }

    private static List<(FrameHeader, byte[])> Parse(ScriptedSource source, int count)
    {
        using var receiver = new BufferedReceiver(source, 4096);
        var result = new List<(FrameHeader, byte[])>();
        byte[] headerBytes = new byte[FrameHeader.Size];
        for (int i = 0; i < count; i++)
        {
            receiver.ReadExactlyAsync(headerBytes, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            FrameHeader header = FrameHeader.Read(headerBytes, Max);
            byte[] payload = new byte[header.PayloadLength];
            receiver.ReadExactlyAsync(payload, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            result.Add((header, payload));
        }

        return result;
    }

    private static bool Same(List<(FrameHeader H, byte[] P)> parsed, (FrameHeader H, byte[] P)[] expected) =>
        parsed.Count == expected.Length && parsed.Zip(expected).All(p => p.First.H == p.Second.H && p.First.P.AsSpan().SequenceEqual(p.Second.P));

    /// <summary>Delivers a byte stream cut at the given positions, one receive per piece.</summary>
    private sealed class ScriptedSource(byte[] stream, int[] cuts) : IByteSource
    {
        private int _position;

        public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            int end = stream.Length;
            foreach (int cut in cuts)
            {
                if (cut > _position)
                {
                    end = Math.Min(end, cut);
                    break;
                }
            }

            int n = Math.Min(buffer.Length, end - _position);
            stream.AsSpan(_position, n).CopyTo(buffer.Span);
            _position += n;
            return ValueTask.FromResult(n);
        }
    }
}
