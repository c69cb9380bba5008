using System.Collections.Immutable;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using FsCheck;
using FsCheck.Fluent;

namespace Collectives.Tests.Protocol;

/// <summary>FsCheck generators for every control message, with field values spread over their whole ranges.</summary>
internal static class ControlMessageGen
{
    private static readonly Gen<uint> AnyUInt32Bits = Gen.Choose(int.MinValue, int.MaxValue).Select(v => unchecked((uint)v));

    public static Gen<ulong> UInt64 { get; } = Gen.Frequency(
        (1, Gen.Elements<ulong>(0UL, 1UL, 127UL, 128UL, 255UL, 65535UL, 65536UL, uint.MaxValue, (ulong)uint.MaxValue + 1, long.MaxValue, ulong.MaxValue)),
        (2, Gen.Choose(0, 1000).Select(v => (ulong)v)),
        (3, Gen.Zip(AnyUInt32Bits, AnyUInt32Bits).Select(t => ((ulong)t.Item1 << 32) | t.Item2)));

    public static Gen<uint> UInt32 { get; } = Gen.Frequency(
        (1, Gen.Elements(0U, 1U, 127U, 128U, 65536U, uint.MaxValue)),
        (3, AnyUInt32Bits));

    public static Gen<ushort> UInt16 { get; } = Gen.Choose(0, ushort.MaxValue).Select(v => (ushort)v);

    public static Gen<int> Count { get; } = Gen.Frequency(
        (3, Gen.Choose(0, 5000)),
        (1, Gen.Elements(0, 1, 127, 128, 65535, 65536, int.MaxValue)));

    public static Gen<PeerId> PeerId { get; } = Gen.Zip(UInt64, UInt64).Select(t => new PeerId(t.Item1, t.Item2));

    public static Gen<PeerAddress> Address { get; } = Gen.OneOf(
        Gen.ArrayOf(Gen.Choose(0, 255).Select(v => (byte)v), 4).Select(b => PeerAddress.FromBytes(b)),
        Gen.ArrayOf(Gen.Choose(0, 255).Select(v => (byte)v), 16).Select(b => PeerAddress.FromBytes(b)));

    public static Gen<PeerInfo> PeerInfo { get; } =
        from id in PeerId
        from address in Address
        from port in UInt16
        select new PeerInfo(id, new PeerEndpoint(address, port));

    public static Gen<WorldSizes> WorldSizes { get; } =
        Gen.Zip(Gen.Zip(Count, Count), Gen.Zip(Count, Count))
            .Select(t => new WorldSizes(t.Item1.Item1, t.Item1.Item2, t.Item2.Item1, t.Item2.Item2));

    public static Gen<CollectiveDescriptor> Descriptor { get; } =
        from count in UInt64
        from dataType in Gen.Elements(Enum.GetValues<DataType>())
        from op in Gen.Elements(Enum.GetValues<ReduceOp>())
        from quantization in Gen.Elements(Enum.GetValues<QuantizationAlgorithm>())
        from quantizedType in Gen.Elements(Enum.GetValues<DataType>())
        select new CollectiveDescriptor(CollectiveKind.AllReduce, count, dataType, op, quantization, quantizedType);

    public static Gen<ErrorCode> FailureCode { get; } = Gen.Elements(Enum.GetValues<ErrorCode>().Where(c => c != ErrorCode.Success).ToArray());

    public static Gen<ErrorCode> AnyCode { get; } = Gen.Elements(Enum.GetValues<ErrorCode>());

    /// <summary>Text within the default limit, including multi-byte characters (but no lone surrogates, which UTF-8 cannot carry).</summary>
    public static Gen<string> Reason { get; } = Gen.Frequency(
        (2, Gen.Elements("", "ok", "peer 1a2b3c4d died", "résumé — 日本語 🚀")),
        (3, Gen.ArrayOf(Gen.Frequency(
                (6, Gen.Choose(0x20, 0x7e)),
                (2, Gen.Choose(0x80, 0x7ff)),
                (1, Gen.Choose(0x800, 0xd7ff)),
                (1, Gen.Choose(0x10000, 0x10ffff))))
            .Select(points => string.Concat(points.Select(char.ConvertFromUtf32)))
            .Where(s => System.Text.Encoding.UTF8.GetByteCount(s) <= ProtocolLimits.Default.MaxReasonBytes)));

    public static Gen<ImmutableArray<T>> ListOf<T>(Gen<T> item) =>
        Gen.Frequency(
            (8, Gen.Choose(0, 12)),
            (1, Gen.Choose(0, 300)))
        .SelectMany(n => Gen.ArrayOf(item, n))
        .Select(items => items.ToImmutableArray());

    private static Gen<(bool Success, ErrorCode Code)> Outcome { get; } = Gen.OneOf(
        Gen.Constant((true, ErrorCode.Success)),
        FailureCode.Select(code => (false, code)));

    public static Gen<ClientMessage> Client { get; } = Gen.OneOf(
        (from peerGroup in UInt32
         from port in UInt16
         from address in Gen.OneOf(Gen.Constant<PeerAddress?>(null), Address.Select(a => (PeerAddress?)a))
         select (ClientMessage)new Register(peerGroup, port, address)),
        Gen.Constant<ClientMessage>(new VoteUpdateTopology()),
        Gen.Zip(UInt64, ListOf(PeerId)).Select(t => (ClientMessage)new ConnectionsEstablished(t.Item1, t.Item2)),
        Gen.Constant<ClientMessage>(new QueryPeersPending()),
        Gen.Zip(UInt64, Descriptor).Select(t => (ClientMessage)new InitiateCollective(t.Item1, t.Item2)),
        (from tag in UInt64
         from seq in UInt64
         from outcome in Outcome
         from reason in Reason
         select (ClientMessage)new CollectiveComplete(tag, seq, outcome.Success, outcome.Code, reason)),
        Gen.Constant<ClientMessage>(new PeerHeartbeat()),
        Gen.Constant<ClientMessage>(new Leave()));

    public static Gen<ServerMessage> Server { get; } = Gen.OneOf(
        Gen.Zip(PeerId, Gen.Elements(true, false)).Select(t => (ServerMessage)new Registered(t.Item1, t.Item2)),
        Gen.Zip(UInt64, ListOf(PeerInfo)).Select(t => (ServerMessage)new EstablishConnections(t.Item1, t.Item2)),
        (from epoch in UInt64
         from sizes in WorldSizes
         from ring in ListOf(PeerId)
         select (ServerMessage)new TopologyUpdated(epoch, sizes, ring)),
        Gen.Zip(AnyCode, Reason).Select(t => (ServerMessage)new TopologyUpdateFailed(t.Item1, t.Item2)),
        Gen.Elements(true, false).Select(p => (ServerMessage)new PeersPendingAnswer(p)),
        Gen.Zip(WorldSizes, ListOf(PeerInfo)).Select(t => (ServerMessage)new MembershipChanged(t.Item1, t.Item2)),
        (from tag in UInt64
         from seq in UInt64
         from ring in ListOf(PeerId)
         select (ServerMessage)new CommenceCollective(tag, seq, ring)),
        (from tag in UInt64
         from seq in UInt64
         from outcome in Outcome
         from reason in Reason
         select (ServerMessage)new CollectiveVerdict(tag, seq, outcome.Success, outcome.Code, reason)),
        Gen.Constant<ServerMessage>(new MasterHeartbeat()),
        Gen.Zip(AnyCode, Reason).Select(t => (ServerMessage)new Kicked(t.Item1, t.Item2)));
}
