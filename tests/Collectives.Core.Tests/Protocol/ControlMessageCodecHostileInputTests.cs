using System.Buffers;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;
using static Collectives.Tests.Protocol.PayloadHelpers;

namespace Collectives.Tests.Protocol;

/// <summary>Anything malformed is a <see cref="ProtocolViolationException"/>: never another exception, never a big allocation.</summary>
public class ControlMessageCodecHostileInputTests
{
    private const int Register = (int)MessageType.Register;
    private const int ConnectionsEstablished = (int)MessageType.ConnectionsEstablished;
    private const int InitiateCollective = (int)MessageType.InitiateCollective;
    private const int CollectiveComplete = (int)MessageType.CollectiveComplete;
    private const int TopologyUpdated = (int)MessageType.TopologyUpdated;
    private const int EstablishConnections = (int)MessageType.EstablishConnections;
    private const int Kicked = (int)MessageType.Kicked;

    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(100);

    [Test]
    public void EveryTruncationOfAClientMessageIsAViolation() =>
        Prop.ForAll(ControlMessageGen.Client.ToArbitrary(), message =>
        {
            byte[] bytes = Encode(message);
            foreach (int length in CutPoints(bytes.Length))
            {
                AssertViolation(bytes[..length], asClient: true);
            }
        }).Check(Quick);

    [Test]
    public void EveryTruncationOfAServerMessageIsAViolation() =>
        Prop.ForAll(ControlMessageGen.Server.ToArbitrary(), message =>
        {
            byte[] bytes = Encode(message);
            foreach (int length in CutPoints(bytes.Length))
            {
                AssertViolation(bytes[..length], asClient: false);
            }
        }).Check(Quick);

    [Test]
    public void TrailingBytesAreAViolation() =>
        Prop.ForAll(ControlMessageGen.Client.ToArbitrary(), message =>
        {
            byte[] bytes = [.. Encode(message), 0xc0];
            AssertViolation(bytes, asClient: true);
        }).Check(Quick);

    [Test]
    public void RandomBytesNeverThrowAnythingButViolations() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)).ToArbitrary(), bytes =>
        {
            ReadExpectingOnlyViolations(bytes, asClient: true);
            ReadExpectingOnlyViolations(bytes, asClient: false);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));

    [Test]
    public void RandomCorruptionOfValidMessagesNeverThrowsAnythingButViolations()
    {
        var corrupted =
            from message in Gen.OneOf(ControlMessageGen.Client.Select(m => (Encode(m), true)), ControlMessageGen.Server.Select(m => (Encode(m), false)))
            from position in Gen.Choose(0, 1 << 20)
            from value in Gen.Choose(0, 255)
            select (Bytes: Corrupt(message.Item1, position, (byte)value), AsClient: message.Item2);

        Prop.ForAll(corrupted.ToArbitrary(), input =>
        {
            ReadExpectingOnlyViolations(input.Bytes, input.AsClient);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    [Test]
    public void HugeListHeaderFailsFastWithoutAllocating()
    {
        // An array32 header claiming 2^31 + 1 elements followed by three bytes.
        byte[] payload = Raw(w => w.Array(3).Int(ConnectionsEstablished).Int(1).RawBytes(0xdd, 0x80, 0x00, 0x00, 0x01, 0xc4, 0x10, 0x00));
        AssertViolation(payload, asClient: true);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var violation = AssertViolation(payload, asClient: true);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.LessThan(64 * 1024), "the claimed count must be refused before any list is allocated");
        Assert.That(violation.Message, Does.Contain("unreachablePeers"));
    }

    [TestCase(0xdcu, new byte[] { 0xff, 0xff })]
    [TestCase(0xddu, new byte[] { 0xff, 0xff, 0xff, 0xff })]
    [TestCase(0xddu, new byte[] { 0x00, 0x00, 0x10, 0x00 })]
    public void ListHeadersClaimingMoreThanThePayloadAreViolations(uint code, byte[] count)
    {
        byte[] payload = Raw(w => w.Array(3).Int(ConnectionsEstablished).Int(1).RawBytes([(byte)code, .. count]));
        AssertViolation(payload, asClient: true);
    }

    [Test]
    public void ListsOverTheLimitAreViolationsEvenWhenThePayloadHoldsThem()
    {
        var limits = ProtocolLimits.Default with { MaxPeersPerRing = 3 };
        byte[] payload = Raw(w =>
        {
            w.Array(3).Int(ConnectionsEstablished).Int(1).Array(4);
            for (byte i = 0; i < 4; i++)
            {
                w.PeerId(i);
            }
        });

        Assert.That(AssertViolation(payload, asClient: true, limits).Message, Does.Contain("at most 3"));
        Assert.That(ReadExpectingOnlyViolations(payload, asClient: true), Is.Null, "the same list is fine under the default limit");
    }

    [Test]
    public void ReasonsOverTheLimitAreViolations()
    {
        byte[] payload = Raw(w => w.Array(3).Int(Kicked).Int((int)ErrorCode.Timeout).Str(new string('x', ProtocolLimits.Default.MaxReasonBytes + 1)));
        Assert.That(AssertViolation(payload, asClient: false).Message, Does.Contain("reason"));
    }

    [Test]
    public void StringAndBinaryHeadersClaimingGigabytesAreViolations()
    {
        AssertViolation(Raw(w => w.Array(3).Int(Kicked).Int(0).RawBytes(0xdb, 0xff, 0xff, 0xff, 0xff, 0x41)), asClient: false);
        AssertViolation(Raw(w => w.Array(3).Int((int)MessageType.Registered).RawBytes(0xc6, 0xff, 0xff, 0xff, 0xff, 0x41).Bool(true)), asClient: false);
    }

    [Test]
    public void PayloadsOverTheMessageLimitAreViolations()
    {
        var limits = ProtocolLimits.Default with { MaxControlMessageBytes = 8 };
        byte[] payload = Encode(new InitiateCollective(ulong.MaxValue, new CollectiveDescriptor(CollectiveKind.AllReduce, 5, DataType.Float32, ReduceOp.Sum, QuantizationAlgorithm.None, DataType.Float32)));
        Assert.That(AssertViolation(payload, asClient: true, limits).Message, Does.Contain("exceeds"));
    }

    private static IEnumerable<TestCaseData> MalformedClientPayloads()
    {
        TestCaseData Case(string name, Action<MessagePackWriterBox> write) => new TestCaseData(Raw(write)).SetName("ClientPayload_" + name);

        yield return Case("NotAnArray", w => w.Int(Register));
        yield return Case("Map", w => w.Map(1).Int(Register).Int(0));
        yield return Case("EmptyArray", w => w.Array(0));
        yield return Case("TooManyFieldsForAnyMessage", w => w.Array(17).Int(Register));
        yield return Case("TypeIsAString", w => w.Array(1).Str("Vote"));
        yield return Case("TypeZero", w => w.Array(1).Int(0));
        yield return Case("TypeNegative", w => w.Array(1).Int(-1));
        yield return Case("TypeReservedForSharedState", w => w.Array(1).Int(18));
        yield return Case("TypeReservedForTopology", w => w.Array(1).Int(34));
        yield return Case("TypeOverAByte", w => w.Array(1).Int(256 + (int)MessageType.Leave));
        yield return Case("TypeHuge", w => w.Array(1).UInt(ulong.MaxValue));
        yield return Case("ServerTypeSentToMaster", w => w.Array(2).Int((int)MessageType.PeersPendingAnswer).Bool(true));
        yield return Case("VoteWithAField", w => w.Array(2).Int((int)MessageType.VoteUpdateTopology).Nil());
        yield return Case("RegisterMissingAddress", w => w.Array(3).Int(Register).Int(0).Int(1));
        yield return Case("RegisterGroupIsBool", w => w.Array(4).Int(Register).Bool(true).Int(1).Nil());
        yield return Case("RegisterGroupNegative", w => w.Array(4).Int(Register).Int(-1).Int(1).Nil());
        yield return Case("RegisterGroupOver32Bits", w => w.Array(4).Int(Register).UInt(1UL << 32).Int(1).Nil());
        yield return Case("RegisterPortOver16Bits", w => w.Array(4).Int(Register).Int(0).Int(65536).Nil());
        yield return Case("RegisterPortIsFloat", w => w.Array(4).Int(Register).Int(0).Double(1.0).Nil());
        yield return Case("RegisterAddressFiveBytes", w => w.Array(4).Int(Register).Int(0).Int(1).Bin(new byte[5]));
        yield return Case("RegisterAddressEmpty", w => w.Array(4).Int(Register).Int(0).Int(1).Bin([]));
        yield return Case("RegisterAddressIsAString", w => w.Array(4).Int(Register).Int(0).Int(1).Str("1.2.3.4"));
        yield return Case("EstablishedEpochIsNil", w => w.Array(3).Int(ConnectionsEstablished).Nil().Array(0));
        yield return Case("EstablishedListIsMap", w => w.Array(3).Int(ConnectionsEstablished).Int(1).Map(0));
        yield return Case("EstablishedPeerIdFifteenBytes", w => w.Array(3).Int(ConnectionsEstablished).Int(1).Array(1).Bin(new byte[15]));
        yield return Case("EstablishedPeerIdIsString", w => w.Array(3).Int(ConnectionsEstablished).Int(1).Array(1).Str("0123456789abcdef"));
        yield return Case("DescriptorFiveFields", w => w.Array(3).Int(InitiateCollective).Int(1).Array(5).Int(0).Int(1).Int(8).Int(0).Int(0));
        yield return Case("DescriptorIsNotAnArray", w => w.Array(3).Int(InitiateCollective).Int(1).Int(0));
        yield return Case("DescriptorUnknownKind", w => w.Array(3).Int(InitiateCollective).Int(1).Descriptor(kind: 1));
        yield return Case("DescriptorDataType12", w => w.Array(3).Int(InitiateCollective).Int(1).Descriptor(dataType: 12));
        yield return Case("DescriptorDataTypeNegative", w => w.Array(3).Int(InitiateCollective).Int(1).Descriptor(dataType: -1));
        yield return Case("DescriptorDataTypeHuge", w => w.Array(3).Int(InitiateCollective).Int(1).Descriptor(dataType: 1L << 40));
        yield return Case("DescriptorOp5", w => w.Array(3).Int(InitiateCollective).Int(1).Descriptor(op: 5));
        yield return Case("DescriptorQuantization3", w => w.Array(3).Int(InitiateCollective).Int(1).Descriptor(quantization: 3));
        yield return Case("DescriptorQuantizedType99", w => w.Array(3).Int(InitiateCollective).Int(1).Descriptor(quantizedType: 99));
        yield return Case("CompleteErrorCodeUnknown", w => w.Array(6).Int(CollectiveComplete).Int(1).Int(1).Bool(false).Int(999).Str(""));
        yield return Case("CompleteSuccessWithErrorCode", w => w.Array(6).Int(CollectiveComplete).Int(1).Int(1).Bool(true).Int((int)ErrorCode.RankConnectionLost).Str(""));
        yield return Case("CompleteFailureWithSuccessCode", w => w.Array(6).Int(CollectiveComplete).Int(1).Int(1).Bool(false).Int(0).Str(""));
        yield return Case("CompleteSuccessIsInt", w => w.Array(6).Int(CollectiveComplete).Int(1).Int(1).Int(1).Int(0).Str(""));
        yield return Case("CompleteReasonIsNil", w => w.Array(6).Int(CollectiveComplete).Int(1).Int(1).Bool(true).Int(0).Nil());
        yield return Case("CompleteReasonIsBinary", w => w.Array(6).Int(CollectiveComplete).Int(1).Int(1).Bool(true).Int(0).Bin([0x41]));
        yield return Case("CompleteReasonInvalidUtf8", w => w.Array(5).Int(CollectiveComplete).Int(1).Int(1).Bool(false).Int(8).RawBytes(0xa2, 0xc3, 0x28));
        yield return Case("CompleteSeqNegative", w => w.Array(6).Int(CollectiveComplete).Int(1).Int(-5).Bool(true).Int(0).Str(""));
    }

    [TestCaseSource(nameof(MalformedClientPayloads))]
    public void MalformedClientPayloadsAreViolations(byte[] payload) => AssertViolation(payload, asClient: true);

    private static IEnumerable<TestCaseData> MalformedServerPayloads()
    {
        TestCaseData Case(string name, Action<MessagePackWriterBox> write) => new TestCaseData(Raw(write)).SetName("ServerPayload_" + name);

        yield return Case("ClientTypeSentToPeer", w => w.Array(1).Int((int)MessageType.Leave));
        yield return Case("TypeReserved", w => w.Array(1).Int(83));
        yield return Case("TypeAfterKicked", w => w.Array(1).Int(Kicked + 1));
        yield return Case("WorldSizesThreeFields", w => w.Array(4).Int(TopologyUpdated).Int(1).Array(3).Int(1).Int(1).Int(1).Array(0));
        yield return Case("WorldSizesNegative", w => w.Array(4).Int(TopologyUpdated).Int(1).Array(4).Int(-1).Int(1).Int(1).Int(1).Array(0));
        yield return Case("WorldSizesOverInt32", w => w.Array(4).Int(TopologyUpdated).Int(1).Array(4).UInt(1UL << 31).Int(1).Int(1).Int(1).Array(0));
        yield return Case("PeerInfoTwoFields", w => w.Array(3).Int(EstablishConnections).Int(1).Array(1).Array(2).PeerId().Bin(new byte[4]));
        yield return Case("PeerInfoAddressNil", w => w.Array(3).Int(EstablishConnections).Int(1).Array(1).Array(3).PeerId().Nil().Int(1));
        yield return Case("PeerInfoPortNegative", w => w.Array(3).Int(EstablishConnections).Int(1).Array(1).Array(3).PeerId().Bin(new byte[4]).Int(-1));
        yield return Case("KickedErrorCodeIsString", w => w.Array(3).Int(Kicked).Str("Timeout").Str(""));
        yield return Case("VerdictSuccessWithFailureCode", w => w.Array(9).Int((int)MessageType.CollectiveVerdict).Int(1).Int(0).Bool(true).Int((int)ErrorCode.DescriptorMismatch).Str("").Int(0).Int(0).Int(0));
        yield return Case("RegisteredMissingFlag", w => w.Array(2).Int((int)MessageType.Registered).PeerId());
    }

    [TestCaseSource(nameof(MalformedServerPayloads))]
    public void MalformedServerPayloadsAreViolations(byte[] payload) => AssertViolation(payload, asClient: false);

    [Test]
    public void ViolationsNameTheMessageAndField()
    {
        byte[] payload = Raw(w => w.Array(5).Int(InitiateCollective).Int(1).Descriptor(op: 9).Int(0).Int(0));
        var violation = AssertViolation(payload, asClient: true);
        Assert.That(violation.Message, Does.Contain("InitiateCollective").And.Contain("descriptor.op").And.Contain("9"));
    }

    [Test]
    public void TryReadReportsInsteadOfThrowing()
    {
        byte[] good = Encode(new QueryPeersPending());
        Assert.That(ControlMessageCodec.TryReadClientMessage(new ReadOnlySequence<byte>(good), ProtocolLimits.Default, out var message, out var violation), Is.True);
        Assert.That(message, Is.EqualTo(new QueryPeersPending()));
        Assert.That(violation, Is.Null);

        Assert.That(ControlMessageCodec.TryReadServerMessage(new ReadOnlySequence<byte>(good), ProtocolLimits.Default, out var wrong, out violation), Is.False);
        Assert.That(wrong, Is.Null);
        Assert.That(violation!.Message, Does.Contain("not a master-to-peer message"));
    }

    /// <summary>
    /// Every proper prefix of short messages; for long lists, every cut of the first 512 bytes (all headers and the
    /// first elements) and then every 61st, or some 200 spread over the rest of very long ones, since cuts inside later elements
    /// repeat the same cases.
    /// </summary>
    private static IEnumerable<int> CutPoints(int length)
    {
        int stride = Math.Max(61, length / 200);
        for (int cut = 0; cut < length; cut += cut < 512 ? 1 : stride)
        {
            yield return cut;
        }

        yield return length - 1;
    }

    private static byte[] Corrupt(byte[] bytes, int position, byte value)
    {
        byte[] copy = (byte[])bytes.Clone();
        copy[position % copy.Length] = value;
        return copy;
    }
}
