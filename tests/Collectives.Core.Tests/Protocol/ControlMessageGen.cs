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

    /// <summary>Non-empty names within the default limit, ASCII and multi-byte, sometimes long.</summary>
    public static Gen<string> EntryName { get; } = Gen.Frequency(
        (4, Gen.Elements("w", "layer.0.weight", "optimizer.m.layer.0.weight", "步数", "é", "🚀 state")),
        (4, Gen.Choose(0, 100_000).Select(i => "t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (2, Reason.Where(r => r.Length is > 0 and < 40)),
        (1, Gen.Elements(new string('n', ProtocolLimits.Default.MaxEntryNameBytes), new string('é', ProtocolLimits.Default.MaxEntryNameBytes / 2))));

    /// <summary>Shorter lists than <see cref="ListOf{T}"/>: each shared-state item is large, and the truncation tests read every prefix.</summary>
    private static Gen<ImmutableArray<T>> ShortListOf<T>(Gen<T> item) =>
        Gen.Frequency((8, Gen.Choose(0, 6)), (1, Gen.Choose(0, 40)))
            .SelectMany(n => Gen.ArrayOf(item, n))
            .Select(items => items.ToImmutableArray());

    public static Gen<SharedStateEntryInfo> Entry { get; } =
        from name in EntryName
        from dataType in Gen.Elements(Enum.GetValues<DataType>())
        from count in UInt64
        from hash in UInt64
        from allowInequality in Gen.Elements(true, false)
        select new SharedStateEntryInfo(name, dataType, count % ((ulong)long.MaxValue / (ulong)DataTypes.SizeOf(dataType) + 1), hash, allowInequality);

    /// <summary>Entries with distinct names, in generated (not sorted) order.</summary>
    public static Gen<ImmutableArray<SharedStateEntryInfo>> Entries { get; } =
        ShortListOf(Entry).Select(entries => entries.DistinctBy(e => e.Name, StringComparer.Ordinal).ToImmutableArray());

    /// <summary>A transfer of <c>byteLength</c> bytes cut into slices that tile it, from random donors.</summary>
    public static Gen<SharedStateTransferInfo> Transfer(string name) =>
        from byteLength in Gen.Frequency((1, Gen.Constant(0UL)), (6, UInt64.Select(v => v % ((ulong)long.MaxValue + 1))))
        from cuts in Gen.Choose(0, 5).SelectMany(n => Gen.ArrayOf(UInt64, n))
        from donors in Gen.ArrayOf(PeerId, 6)
        select new SharedStateTransferInfo(name, byteLength is 0 ? 0 : byteLength ^ 0x5a5a, byteLength, Tile(byteLength, cuts, donors));

    /// <summary>Transfers with distinct names in ascending ordinal order, as the reader requires.</summary>
    public static Gen<ImmutableArray<SharedStateTransferInfo>> Transfers { get; } =
        ShortListOf(EntryName)
            .Select(names => names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray())
            .SelectMany(names => names.Length == 0
                ? Gen.Constant(ImmutableArray<SharedStateTransferInfo>.Empty)
                : Gen.CollectToArray(names.Select(Transfer)).Select(t => t.ToImmutableArray()));

    private static ImmutableArray<SharedStateSliceInfo> Tile(ulong byteLength, ulong[] cuts, PeerId[] donors)
    {
        if (byteLength == 0)
        {
            return [];
        }

        ulong[] bounds = cuts.Select(c => c % byteLength).Where(c => c > 0).Append(0UL).Append(byteLength).Distinct().Order().ToArray();
        return Enumerable.Range(0, bounds.Length - 1)
            .Select(i => new SharedStateSliceInfo(donors[i % donors.Length], bounds[i], bounds[i + 1] - bounds[i]))
            .ToImmutableArray();
    }

    public static Gen<ImmutableArray<T>> ListOf<T>(Gen<T> item) =>
        Gen.Frequency(
            (8, Gen.Choose(0, 12)),
            (1, Gen.Choose(0, 300)))
        .SelectMany(n => Gen.ArrayOf(item, n))
        .Select(items => items.ToImmutableArray());

    private static Gen<(bool Success, ErrorCode Code)> Outcome { get; } = Gen.OneOf(
        Gen.Constant((true, ErrorCode.Success)),
        FailureCode.Select(code => (false, code)));

    /// <summary>Bandwidths as a probe reports them: NaN for a failed probe, else finite and non-negative.</summary>
    public static Gen<double> Rate { get; } = Gen.Frequency(
        (1, Gen.Constant(double.NaN)),
        (1, Gen.Constant(0.0)),
        (4, Gen.Choose(1, int.MaxValue).Select(x => x * 1e3)));

    public static Gen<ClientMessage> Client { get; } = Gen.OneOf(
        (from peerGroup in UInt32
         from port in UInt16
         from address in Gen.OneOf(Gen.Constant<PeerAddress?>(null), Address.Select(a => (PeerAddress?)a))
         select (ClientMessage)new Register(peerGroup, port, address)),
        Gen.Constant<ClientMessage>(new VoteUpdateTopology()),
        Gen.Zip(UInt64, ListOf(PeerId)).Select(t => (ClientMessage)new ConnectionsEstablished(t.Item1, t.Item2)),
        Gen.Constant<ClientMessage>(new QueryPeersPending()),
        (from tag in UInt64
         from descriptor in Descriptor
         from claim in UInt64
         from ring in UInt64
         select (ClientMessage)new InitiateCollective(tag, descriptor, claim, ring)),
        (from tag in UInt64
         from seq in UInt64
         from outcome in Outcome
         from reason in Reason
         select (ClientMessage)new CollectiveComplete(tag, seq, outcome.Success, outcome.Code, reason)),
        Gen.Constant<ClientMessage>(new PeerHeartbeat()),
        Gen.Constant<ClientMessage>(new Leave()),
        (from revision in UInt64
         from strategy in Gen.Elements<byte>(0, 1, 2)
         from entries in Entries
         select (ClientMessage)new SyncSharedState(revision, strategy, entries)),
        (from round in UInt64
         from outcome in Outcome
         from reason in Reason
         select (ClientMessage)new SharedStateTransferDone(round, outcome.Success, outcome.Code, reason)),
        Gen.Constant<ClientMessage>(new OptimizeTopology()),
        Gen.Zip(UInt64, ListOf(Gen.Zip(PeerId, Rate).Select(t => new BandwidthSample(t.Item1, t.Item2))))
            .Select(t => (ClientMessage)new BandwidthMeasured(t.Item1, t.Item2)));


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
         from ticketTag in UInt64
         from ticketSeq in UInt64
         from ticketRing in UInt64
         select (ServerMessage)new CollectiveVerdict(tag, seq, outcome.Success, outcome.Code, reason, new CollectiveTicket(ticketTag, ticketSeq, ticketRing))),
        Gen.Constant<ServerMessage>(new MasterHeartbeat()),
        Gen.Zip(AnyCode, Reason).Select(t => (ServerMessage)new Kicked(t.Item1, t.Item2)),
        (from round in UInt64
         from revision in UInt64
         from isDonor in Gen.Elements(true, false)
         from transfers in Transfers
         select (ServerMessage)new SharedStateDecision(round, revision, isDonor, transfers)),
        (from round in UInt64
         from code in FailureCode
         from reason in Reason
         select (ServerMessage)new SharedStateSyncFailed(round, code, reason)),
        (from round in UInt64
         from outcome in Outcome
         from reason in Reason
         select (ServerMessage)new SharedStateSyncComplete(round, outcome.Success, outcome.Code, reason)),
        (from round in UInt64
         from duration in Gen.Choose(1, (int)MeasureBandwidth.MaxDurationMilliseconds)
         from connections in Gen.Choose(1, MeasureBandwidth.MaxConnections)
         from targets in ListOf(PeerInfo)
         select (ServerMessage)new MeasureBandwidth(round, (uint)duration, (ushort)connections, targets)),
        (from epoch in UInt64
         from sizes in WorldSizes
         from ring in ListOf(PeerId)
         from measured in UInt32
         from bottleneck in Gen.OneOf(Rate.Where(r => !double.IsNaN(r)), Gen.Constant(double.PositiveInfinity))
         select (ServerMessage)new TopologyOptimized(epoch, sizes, ring, measured, bottleneck)),
        Gen.Zip(FailureCode, Reason).Select(t => (ServerMessage)new TopologyOptimizationFailed(t.Item1, t.Item2)));
}
