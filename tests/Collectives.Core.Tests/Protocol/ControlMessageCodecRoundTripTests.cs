using System.Buffers;
using System.Collections.Immutable;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;
using static Collectives.Tests.Protocol.PayloadHelpers;

namespace Collectives.Tests.Protocol;

public class ControlMessageCodecRoundTripTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(300);

    [Test]
    public void EveryClientMessageRoundTrips() =>
        Prop.ForAll(ControlMessageGen.Client.ToArbitrary(), message =>
        {
            byte[] bytes = Encode(message);
            ClientMessage contiguous = ControlMessageCodec.ReadClientMessage(new ReadOnlySequence<byte>(bytes), ProtocolLimits.Default);
            ClientMessage split = ControlMessageCodec.ReadClientMessage(Segmented(bytes, 1), ProtocolLimits.Default);
            return contiguous.Equals(message) && split.Equals(message);
        }).Check(Quick);

    [Test]
    public void EveryServerMessageRoundTrips() =>
        Prop.ForAll(ControlMessageGen.Server.ToArbitrary(), message =>
        {
            byte[] bytes = Encode(message);
            ServerMessage contiguous = ControlMessageCodec.ReadServerMessage(new ReadOnlySequence<byte>(bytes), ProtocolLimits.Default);
            ServerMessage split = ControlMessageCodec.ReadServerMessage(Segmented(bytes, 3), ProtocolLimits.Default);
            return contiguous.Equals(message) && split.Equals(message);
        }).Check(Quick);

    [Test]
    public void EveryMessageTypeIsCoveredByTheGenerators()
    {
        var seen = ControlMessageGen.Client.Sample(200).Select(m => m.Type)
            .Concat(ControlMessageGen.Server.Sample(200).Select(m => m.Type))
            .ToHashSet();
        var defined = Enum.GetValues<MessageType>();
        Assert.That(seen, Is.EquivalentTo(defined));
    }

    [Test]
    public void ListsAtTheLimitRoundTrip()
    {
        var ring = Enumerable.Range(1, ProtocolLimits.Default.MaxPeersPerRing)
            .Select(i => new PeerInfo(new PeerId(ulong.MaxValue, (ulong)i), new PeerEndpoint(PeerAddress.FromBytes(new byte[16]), 65535)))
            .ToImmutableArray();
        var message = new EstablishConnections(ulong.MaxValue, ring);
        byte[] bytes = Encode(message);

        Assert.That(bytes.Length, Is.LessThan(ProtocolLimits.Default.MaxControlMessageBytes), "the largest ring must fit the message limit");
        Assert.That(ControlMessageCodec.ReadServerMessage(new ReadOnlySequence<byte>(bytes), ProtocolLimits.Default), Is.EqualTo(message));
    }

    [Test]
    public void ReasonAtTheLimitRoundTrips()
    {
        string reason = new('x', ProtocolLimits.Default.MaxReasonBytes);
        var message = new CollectiveComplete(1, 2, false, ErrorCode.RankConnectionLost, reason);
        Assert.That(ControlMessageCodec.ReadClientMessage(new ReadOnlySequence<byte>(Encode(message)), ProtocolLimits.Default), Is.EqualTo(message));
    }

    [Test]
    public void OverlongReasonsAreTruncatedWhenWrittenSoTheyStillRead()
    {
        // 700 two-byte characters: 1400 bytes, over the 1024-byte limit; the cut must land on a character boundary.
        string reason = new('é', 700);
        var message = new Kicked(ErrorCode.ProtocolViolation, reason);
        var read = (Kicked)ControlMessageCodec.ReadServerMessage(new ReadOnlySequence<byte>(Encode(message)), ProtocolLimits.Default);

        Assert.That(read.Reason, Is.EqualTo(new string('é', 512)));
    }

    [Test]
    public void TruncationKeepsTheLongestPrefixThatFits() =>
        Prop.ForAll(ControlMessageGen.Reason.ToArbitrary(), Gen.Choose(0, 64).ToArbitrary(), (text, maxBytes) =>
        {
            string cut = ControlWriterExtensions.TruncateUtf8(text, maxBytes);
            int cutBytes = System.Text.Encoding.UTF8.GetByteCount(cut);
            bool fits = cutBytes <= maxBytes;
            bool isPrefix = text.StartsWith(cut, StringComparison.Ordinal);
            bool maximal = cut.Length == text.Length
                || cutBytes + System.Text.Rune.GetRuneAt(text, cut.Length).Utf8SequenceLength > maxBytes;
            return fits && isPrefix && maximal;
        }).Check(Quick);

    [Test]
    public void WritingAListOverTheLimitIsTheCallersBug()
    {
        var limits = ProtocolLimits.Default with { MaxPeersPerRing = 2 };
        var message = new CommenceCollective(1, 1, ImmutableArray.Create(new PeerId(0, 1), new PeerId(0, 2), new PeerId(0, 3)));
        Assert.Throws<ArgumentException>(() => Encode(message, limits));
    }

    [Test]
    public void RegisterWithoutAddressWritesNil()
    {
        byte[] bytes = Encode(new Register(7, 48149, null));
        byte[] expected = Raw(w => w.Array(4).Int((int)MessageType.Register).Int(7).Int(48149).Nil());
        Assert.That(bytes, Is.EqualTo(expected));
    }
}
