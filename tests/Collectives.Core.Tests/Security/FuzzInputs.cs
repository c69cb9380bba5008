using System.Buffers;
using System.Buffers.Binary;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using Collectives.SharedState;
using Collectives.Tests.Protocol;
using Collectives.Transport;
using FsCheck;
using FsCheck.Fluent;

namespace Collectives.Tests.Security;

/// <summary>
/// Byte streams a hostile client might send to a listener: random bytes, and valid handshakes followed by valid
/// frames (encoded by the real codec) that are then mutated — flipped bits, boundary values over length and count
/// fields, truncation, insertion, duplication — and cut into chunks at random points. Valid prefixes get the stream
/// past the handshake, so the mutations reach the message parsers and the state machines behind them.
/// </summary>
internal static class FuzzInputs
{
    private const int NonceSize = 32;
    private const int ProofSize = 32;

    private static readonly Gen<int> Seed = ArbMap.Default.GeneratorFor<int>();

    // Small values hit live sequence numbers, tags and entry indexes; the rest hit overflow and limit checks.
    private static readonly Gen<ulong> Interesting64 = Gen.Frequency(
        (4, Gen.Choose(0, 20).Select(v => (ulong)v)),
        (1, Gen.Elements(ulong.MaxValue, (ulong)long.MaxValue, 1UL << 32, uint.MaxValue, 1UL << 63, 16UL << 20)),
        (2, ArbMap.Default.GeneratorFor<ulong>()));

    private static readonly Gen<uint> InterestingLength = Gen.Frequency(
        (6, Gen.Choose(0, 1024).Select(v => (uint)v)),
        (1, Gen.Elements(uint.MaxValue, (uint)int.MaxValue, 1u << 20, (1u << 20) + 1, 16u << 20, (16u << 20) + 1, 28u, 27u, 29u)));

    /// <summary>Streams for the master's port.</summary>
    public static Gen<byte[][]> ForMaster => Chunked(Gen.Frequency(
        (1, RandomBytes(4096)),
        (1, Concat(Hello(AnyPurpose), RandomBytes(512))),
        (1, Mutated(Prelude(ConnectionPurpose.Control))),
        (4, Mutated(Concat(Prelude(ConnectionPurpose.Control), Repeat(ControlFrame, 1, 8)))),
        (2, Concat(Prelude(ConnectionPurpose.Control), Repeat(ControlFrame, 1, 8)))));

    /// <summary>Streams for a peer's port (data links and shared-state serving).</summary>
    public static Gen<byte[][]> ForPeer => Chunked(Gen.Frequency(
        (1, RandomBytes(4096)),
        (1, Concat(Hello(AnyPurpose), RandomBytes(512))),
        (1, Mutated(Prelude(ConnectionPurpose.Data))),
        (2, Mutated(Concat(Prelude(ConnectionPurpose.Data), Repeat(DataFrame, 1, 6)))),
        (1, Concat(Prelude(ConnectionPurpose.Data), Repeat(DataFrame, 1, 6))),
        (2, Mutated(Concat(Prelude(ConnectionPurpose.SharedState), Repeat(Gen.OneOf(SharedStateRequestFrame, ControlFrame), 1, 4)))),
        (1, Concat(Prelude(ConnectionPurpose.SharedState), Repeat(SharedStateRequestFrame, 1, 4)))));

    private static Gen<ConnectionPurpose> AnyPurpose => Gen.Elements(Enum.GetValues<ConnectionPurpose>());

    /// <summary>A frame header with the given fields (the length is whatever the caller claims).</summary>
    private static byte[] Frame(FrameKind kind, byte flags, uint claimedLength, ulong tag, ulong sequence, ulong offset, ReadOnlySpan<byte> payload)
    {
        byte[] frame = new byte[FrameHeader.Size + payload.Length];
        new FrameHeader(kind, flags, claimedLength, tag, sequence, offset).Write(frame);
        payload.CopyTo(frame.AsSpan(FrameHeader.Size));
        return frame;
    }

    private static Gen<byte[]> RandomBytes(int max) =>
        from length in Gen.Choose(0, max)
        from seed in Seed
        select Fill(length, seed);

    private static byte[] Fill(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static Gen<byte[]> Hello(Gen<ConnectionPurpose> purposes) =>
        from version in Gen.Frequency((9, Gen.Constant(ProtocolVersion.Current)), (1, Gen.Choose(0, ushort.MaxValue)))
        from purpose in purposes
        from pool in Interesting64
        from poolSize in Gen.Frequency((9, Gen.Choose(1, 4)), (1, Gen.Choose(0, ushort.MaxValue)))
        from slot in Gen.Choose(0, 4)
        from seed in Seed
        select HelloFrame(new HandshakeHello(version, purpose, new Guid(Fill(16, seed)), pool, (ushort)slot, (ushort)poolSize), seed);

    private static byte[] HelloFrame(HandshakeHello hello, int seed)
    {
        byte[] payload = new byte[HandshakeHello.Size + NonceSize];
        hello.Write(payload);
        Fill(NonceSize, seed).CopyTo(payload, HandshakeHello.Size);
        return Frame(FrameKind.Handshake, 0, (uint)payload.Length, 0, 0, 0, payload);
    }

    /// <summary>A complete client handshake for a listener without a run secret (whose proofs are all zeros).</summary>
    private static Gen<byte[]> Prelude(ConnectionPurpose purpose) =>
        from seed in Seed
        from pool in Gen.Choose(1, 1000)
        select (byte[])[
            .. HelloFrame(new HandshakeHello(ProtocolVersion.Current, purpose, new Guid(Fill(16, seed)), (ulong)pool, 0, 1), seed),
            .. Frame(FrameKind.Handshake, 0, ProofSize, 0, 0, 0, new byte[ProofSize])];

    private static Gen<byte[]> ControlFrame => ControlMessageGen.Client.Select(EncodeControl);

    private static byte[] EncodeControl(ClientMessage message)
    {
        var writer = new ArrayBufferWriter<byte>();
        try
        {
            ControlMessageCodec.Write(writer, message);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or CollectivesException)
        {
            // The generator also makes values the writer refuses; send the part written (itself a hostile input).
        }

        return Frame(FrameKind.Control, 0, (uint)writer.WrittenCount, 0, 0, 0, writer.WrittenSpan);
    }

    private static Gen<byte[]> DataFrame =>
        from flags in Gen.Frequency((4, Gen.Constant(0)), (1, Gen.Choose(0, 255)))
        from tag in Interesting64
        from sequence in Interesting64
        from offset in Interesting64
        from payload in RandomBytes(2048)
        from claimed in Gen.Frequency((4, Gen.Constant((uint)payload.Length)), (1, InterestingLength))
        select Frame(FrameKind.Data, (byte)flags, claimed, tag, sequence, offset, payload);

    private static Gen<byte[]> SharedStateRequestFrame =>
        from tag in Interesting64
        from round in Interesting64
        from entry in Gen.Frequency((4, Gen.Choose(0, 3).Select(v => (uint)v)), (1, Gen.Elements(uint.MaxValue, 1u << 31)))
        from offset in Interesting64
        from length in Interesting64
        from size in Gen.Frequency((6, Gen.Constant(SharedStateRequest.Size)), (1, Gen.Choose(0, 64)))
        select RequestFrame(tag, new SharedStateRequest(round, entry, offset, length), size);

    private static byte[] RequestFrame(ulong tag, SharedStateRequest request, int size)
    {
        byte[] payload = new byte[Math.Max(size, SharedStateRequest.Size)];
        request.Write(payload);
        return Frame(FrameKind.Control, 0, (uint)size, tag, 0, 0, payload.AsSpan(0, size));
    }

    private static Gen<byte[]> Concat(Gen<byte[]> first, Gen<byte[]> second) =>
        from a in first
        from b in second
        select (byte[])[.. a, .. b];

    private static Gen<byte[]> Repeat(Gen<byte[]> item, int min, int max) =>
        from n in Gen.Choose(min, max)
        from items in Gen.ArrayOf(item, n)
        select items.SelectMany(i => i).ToArray();

    private static Gen<byte[]> Mutated(Gen<byte[]> valid) =>
        from bytes in valid
        from count in Gen.Choose(1, 4)
        from seed in Seed
        select Mutate(bytes, count, new Random(seed));

    /// <summary>Applies <paramref name="count"/> random mutations (each a classic fuzzer move).</summary>
    internal static byte[] Mutate(byte[] input, int count, Random random)
    {
        List<byte> bytes = [.. input];
        byte[] word = new byte[4];
        for (int i = 0; i < count; i++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = new byte[] { 0, 1, 0x7F, 0x80, 0xFF }[random.Next(5)];
                    break;
                case 2 when bytes.Count >= 4:
                    at = Math.Min(at, bytes.Count - 4);
                    uint value = new[] { 0u, uint.MaxValue, (uint)int.MaxValue, 1u << 20, 16u << 20, 0x10000u, 1u }[random.Next(7)];
                    BinaryPrimitives.WriteUInt32LittleEndian(word, value);
                    for (int k = 0; k < 4; k++)
                    {
                        bytes[at + k] = word[k];
                    }

                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at); // truncate
                    break;
                case 4:
                    bytes.InsertRange(at, Fill(random.Next(1, 64), random.Next()));
                    break;
                case 5 when bytes.Count > 0:
                    int length = random.Next(1, Math.Min(256, bytes.Count - at) + 1);
                    bytes.InsertRange(at, bytes.GetRange(at, length)); // duplicate a slice
                    break;
                case 6 when bytes.Count > 0:
                    bytes.RemoveRange(at, random.Next(1, Math.Min(64, bytes.Count - at) + 1));
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>Cuts a stream into 1–4 chunks, sent separately, so parsers see every kind of split.</summary>
    private static Gen<byte[][]> Chunked(Gen<byte[]> streams) =>
        from stream in streams
        from cuts in Gen.ArrayOf(Gen.Choose(0, Math.Max(0, stream.Length)), 3)
        from pieces in Gen.Choose(1, 4)
        select Split(stream, cuts.Take(pieces - 1).Order().ToArray());

    private static byte[][] Split(byte[] stream, int[] cuts)
    {
        var chunks = new List<byte[]>();
        int from = 0;
        foreach (int cut in cuts.Append(stream.Length))
        {
            chunks.Add(stream[from..Math.Max(from, cut)]);
            from = Math.Max(from, cut);
        }

        return [.. chunks];
    }
}
