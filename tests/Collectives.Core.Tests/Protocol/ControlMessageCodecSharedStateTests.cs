using System.Buffers;
using System.Collections.Immutable;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using NUnit.Framework;
using static Collectives.Tests.Protocol.PayloadHelpers;

namespace Collectives.Tests.Protocol;

/// <summary>The shared-state sync messages: their strict rules, their limits, and what the writer refuses.</summary>
public class ControlMessageCodecSharedStateTests
{
    private const int Sync = (int)MessageType.SyncSharedState;
    private const int TransferDone = (int)MessageType.SharedStateTransferDone;
    private const int Decision = (int)MessageType.SharedStateDecision;
    private const int SyncFailed = (int)MessageType.SharedStateSyncFailed;
    private const int SyncComplete = (int)MessageType.SharedStateSyncComplete;
    private const int Float32 = (int)DataType.Float32;

    private static IEnumerable<TestCaseData> MalformedClientPayloads()
    {
        TestCaseData Case(string name, Action<MessagePackWriterBox> write) => new TestCaseData(Raw(write)).SetName("SyncPayload_" + name);

        yield return Case("NoFields", w => w.Array(1).Int(Sync));
        yield return Case("MissingEntries", w => w.Array(3).Int(Sync).Int(1).Int(0));
        yield return Case("RevisionNegative", w => w.Array(4).Int(Sync).Int(-1).Int(0).Array(0));
        yield return Case("Strategy3", w => w.Array(4).Int(Sync).Int(1).Int(3).Array(0));
        yield return Case("StrategyNegative", w => w.Array(4).Int(Sync).Int(1).Int(-1).Array(0));
        yield return Case("StrategyOverAByte", w => w.Array(4).Int(Sync).Int(1).Int(256).Array(0));
        yield return Case("StrategyIsBool", w => w.Array(4).Int(Sync).Int(1).Bool(false).Array(0));
        yield return Case("EntriesIsMap", w => w.Array(4).Int(Sync).Int(1).Int(0).Map(0));
        yield return Case("EntryFourFields", w => w.Array(4).Int(Sync).Int(1).Int(0).Array(1).Array(4).Str("w").Int(Float32).Int(1).Int(2));
        yield return Case("EntrySixFields", w => w.Array(4).Int(Sync).Int(1).Int(0).Array(1).Entry("w").Nil());
        yield return Case("EntryNameEmpty", w => w.Array(4).Int(Sync).Int(1).Int(0).Array(1).Entry(""));
        yield return Case("EntryNameIsBinary", w => w.Array(4).Int(Sync).Int(1).Int(0).Array(1).Array(5).Bin([0x77]).Int(Float32).Int(1).Int(2).Bool(false));
        yield return Case("EntryNameIsNil", w => w.Array(4).Int(Sync).Int(1).Int(0).Array(1).Array(5).Nil().Int(Float32).Int(1).Int(2).Bool(false));
        yield return Case("EntryNameOverTheLimit", w => w.Array(4).Int(Sync).Int(1).Int(0).Array(1).Entry(new string('n', ProtocolLimits.Default.MaxEntryNameBytes + 1)));
        yield return Case("EntryNameMultiByteOverTheLimit", w => w.Array(4).Int(Sync).Int(1).Int(0).Array(1).Entry(new string('é', (ProtocolLimits.Default.MaxEntryNameBytes / 2) + 1)));
        yield return Case("EntryNameInvalidUtf8", w => w.Array(4).Int(Sync).Int(1).Int(0).Array(1).Array(5).RawBytes(0xa2, 0xc3, 0x28).Int(Float32).Int(1).Int(2).Bool(false));
        yield return Case("EntryDataType12", w => w.Array(4).Int(Sync).Int(1).Int(0).Array(1).Entry("w", dataType: 12));
        yield return Case("EntryDataTypeNegative", w => w.Array(4).Int(Sync).Int(1).Int(0).Array(1).Entry("w", dataType: -1));
        yield return Case("EntryCountNegative", w => w.Array(4).Int(Sync).Int(1).Int(0).Array(1).Array(5).Str("w").Int(Float32).Int(-1).Int(2).Bool(false));
        yield return Case("EntryBytesOverflow", w => w.Array(4).Int(Sync).Int(1).Int(0).Array(1).Entry("w", dataType: (int)DataType.Float64, count: (1UL << 60) + 1));
        yield return Case("EntryHashIsBinary", w => w.Array(4).Int(Sync).Int(1).Int(0).Array(1).Array(5).Str("w").Int(Float32).Int(1).Bin(new byte[8]).Bool(false));
        yield return Case("EntryFlagIsInt", w => w.Array(4).Int(Sync).Int(1).Int(0).Array(1).Array(5).Str("w").Int(Float32).Int(1).Int(2).Int(0));
        yield return Case("EntryNamesRepeat", w => w.Array(4).Int(Sync).Int(1).Int(0).Array(3).Entry("a").Entry("b").Entry("a", hash: 9));
        yield return Case("TransferDoneSuccessWithFailureCode", w => w.Array(5).Int(TransferDone).Int(1).Bool(true).Int((int)ErrorCode.RankConnectionLost).Str(""));
        yield return Case("TransferDoneFailureWithSuccessCode", w => w.Array(5).Int(TransferDone).Int(1).Bool(false).Int(0).Str(""));
        yield return Case("TransferDoneRoundNegative", w => w.Array(5).Int(TransferDone).Int(-1).Bool(true).Int(0).Str(""));
        yield return Case("TransferDoneReasonNil", w => w.Array(5).Int(TransferDone).Int(1).Bool(true).Int(0).Nil());
        yield return Case("TransferDoneMissingReason", w => w.Array(4).Int(TransferDone).Int(1).Bool(true).Int(0));
    }

    [TestCaseSource(nameof(MalformedClientPayloads))]
    public void MalformedSyncPayloadsAreViolations(byte[] payload) => AssertViolation(payload, asClient: true);

    private static IEnumerable<TestCaseData> MalformedServerPayloads()
    {
        TestCaseData Case(string name, Action<MessagePackWriterBox> write) => new TestCaseData(Raw(write)).SetName("DecisionPayload_" + name);

        MessagePackWriterBox OneTransfer(MessagePackWriterBox w, ulong byteLength) =>
            w.Array(5).Int(Decision).Int(1).Int(7).Bool(false).Array(1).Array(4).Str("w").Int(99).UInt(byteLength);

        yield return Case("IsDonorIsInt", w => w.Array(5).Int(Decision).Int(1).Int(7).Int(0).Array(0));
        yield return Case("TransfersIsNil", w => w.Array(5).Int(Decision).Int(1).Int(7).Bool(false).Nil());
        yield return Case("TransferThreeFields", w => w.Array(5).Int(Decision).Int(1).Int(7).Bool(false).Array(1).Array(3).Str("w").Int(99).Int(0));
        yield return Case("TransferNameEmpty", w => w.Array(5).Int(Decision).Int(1).Int(7).Bool(false).Array(1).Array(4).Str("").Int(99).Int(0).Array(0));
        yield return Case("TransfersOutOfOrder", w => w.Array(5).Int(Decision).Int(1).Int(7).Bool(false).Array(2)
            .Array(4).Str("b").Int(1).Int(0).Array(0)
            .Array(4).Str("a").Int(1).Int(0).Array(0));
        yield return Case("TransfersRepeat", w => w.Array(5).Int(Decision).Int(1).Int(7).Bool(false).Array(2)
            .Array(4).Str("a").Int(1).Int(0).Array(0)
            .Array(4).Str("a").Int(1).Int(0).Array(0));
        yield return Case("ByteLengthOverLong", w => OneTransfer(w, 1UL << 63).Array(1).Slice(0, 1UL << 63));
        yield return Case("SliceForEmptyEntry", w => OneTransfer(w, 0).Array(1).Slice(0, 1));
        yield return Case("NoSlicesForNonEmptyEntry", w => OneTransfer(w, 8).Array(0));
        yield return Case("SliceEmpty", w => OneTransfer(w, 8).Array(2).Slice(0, 0).Slice(0, 8));
        yield return Case("SlicesLeaveAGap", w => OneTransfer(w, 8).Array(2).Slice(0, 4).Slice(5, 3));
        yield return Case("SlicesOverlap", w => OneTransfer(w, 8).Array(2).Slice(0, 4).Slice(3, 5));
        yield return Case("SlicesOutOfOrder", w => OneTransfer(w, 8).Array(2).Slice(4, 4).Slice(0, 4));
        yield return Case("SlicesFallShort", w => OneTransfer(w, 8).Array(1).Slice(0, 7));
        yield return Case("SliceBeyondTheEntry", w => OneTransfer(w, 8).Array(1).Slice(0, 9));
        yield return Case("SliceLengthWraps", w => OneTransfer(w, 8).Array(2).Slice(0, 4).Slice(4, ulong.MaxValue));
        yield return Case("SliceFourFields", w => OneTransfer(w, 8).Array(1).Array(4).PeerId().Int(0).Int(8).Nil());
        yield return Case("SliceDonorFifteenBytes", w => OneTransfer(w, 8).Array(1).Array(3).Bin(new byte[15]).Int(0).Int(8));
        yield return Case("SyncFailedWithSuccessCode", w => w.Array(4).Int(SyncFailed).Int(1).Int(0).Str(""));
        yield return Case("SyncFailedUnknownCode", w => w.Array(4).Int(SyncFailed).Int(1).Int(999).Str(""));
        yield return Case("SyncCompleteSuccessWithFailureCode", w => w.Array(5).Int(SyncComplete).Int(1).Bool(true).Int((int)ErrorCode.RankConnectionLost).Str(""));
        yield return Case("SyncCompleteFailureWithSuccessCode", w => w.Array(5).Int(SyncComplete).Int(1).Bool(false).Int(0).Str(""));
    }

    [TestCaseSource(nameof(MalformedServerPayloads))]
    public void MalformedDecisionPayloadsAreViolations(byte[] payload) => AssertViolation(payload, asClient: false);

    [Test]
    public void TheSameShapesAreReadWhenWellFormed()
    {
        // Guards the malformed cases above: they fail for the one thing each breaks, not for the helpers' shape.
        var sync = ControlMessageCodec.ReadClientMessage(new ReadOnlySequence<byte>(
            Raw(w => w.Array(4).Int(Sync).Int(1).Int(2).Array(2).Entry("a").Entry("b", hash: 9))), ProtocolLimits.Default);
        Assert.That(sync, Is.EqualTo(new SyncSharedState(1, 2, ImmutableArray.Create(
            new SharedStateEntryInfo("a", DataType.Float32, 1, 2, false), new SharedStateEntryInfo("b", DataType.Float32, 1, 9, false)))));

        var decision = (SharedStateDecision)ControlMessageCodec.ReadServerMessage(new ReadOnlySequence<byte>(
            Raw(w => w.Array(5).Int(Decision).Int(1).Int(7).Bool(false).Array(1).Array(4).Str("w").Int(99).UInt(8).Array(2).Slice(0, 4).Slice(4, 4))),
            ProtocolLimits.Default);
        Assert.That(decision.Transfers.Single().Slices.Select(s => (s.Offset, s.Length)), Is.EqualTo(new[] { (0UL, 4UL), (4UL, 4UL) }));
    }

    [Test]
    public void ViolationsNameTheEntryField()
    {
        var violation = AssertViolation(Raw(w => w.Array(4).Int(Sync).Int(1).Int(0).Array(1).Entry("w", dataType: 12)), asClient: true);
        Assert.That(violation.Message, Does.Contain("SyncSharedState").And.Contain("entry.dataType"));

        violation = AssertViolation(Raw(w => w.Array(4).Int(Sync).Int(1).Int(0).Array(2).Entry("dup").Entry("dup")), asClient: true);
        Assert.That(violation.Message, Does.Contain("'dup'").And.Contain("more than once"));
    }

    [Test]
    public void EntryListsOverTheLimitAreViolationsEvenWhenThePayloadHoldsThem()
    {
        var limits = ProtocolLimits.Default with { MaxSharedStateEntries = 2 };
        byte[] payload = Raw(w => w.Array(4).Int(Sync).Int(1).Int(0).Array(3).Entry("a").Entry("b").Entry("c"));
        Assert.That(AssertViolation(payload, asClient: true, limits).Message, Does.Contain("at most 2"));
        Assert.That(ReadExpectingOnlyViolations(payload, asClient: true), Is.Null, "the same list is fine under the default limit");

        byte[] transfers = Raw(w => w.Array(5).Int(Decision).Int(1).Int(7).Bool(false).Array(3)
            .Array(4).Str("a").Int(1).Int(0).Array(0).Array(4).Str("b").Int(1).Int(0).Array(0).Array(4).Str("c").Int(1).Int(0).Array(0));
        Assert.That(AssertViolation(transfers, asClient: false, limits).Message, Does.Contain("at most 2"));
        Assert.That(ReadExpectingOnlyViolations(transfers, asClient: false), Is.Null);
    }

    [Test]
    public void SliceListsOverTheLimitAreViolations()
    {
        var limits = ProtocolLimits.Default with { MaxSlicesPerTransfer = 2 };
        byte[] payload = Raw(w => w.Array(5).Int(Decision).Int(1).Int(7).Bool(false).Array(1).Array(4).Str("w").Int(99).UInt(3)
            .Array(3).Slice(0, 1).Slice(1, 1).Slice(2, 1));
        Assert.That(AssertViolation(payload, asClient: false, limits).Message, Does.Contain("at most 2"));
        Assert.That(ReadExpectingOnlyViolations(payload, asClient: false), Is.Null);
    }

    [Test]
    public void NamesAtTheByteLimitAreReadAndOneByteMoreIsNot()
    {
        var limits = ProtocolLimits.Default with { MaxEntryNameBytes = 5 };
        byte[] Named(string name) => Raw(w => w.Array(4).Int(Sync).Int(1).Int(0).Array(1).Entry(name));

        Assert.That(ReadExpectingOnlyViolations(Named("abcde"), asClient: true, limits), Is.Null);
        Assert.That(ReadExpectingOnlyViolations(Named("abcé"), asClient: true, limits), Is.Null, "5 bytes in 4 characters");
        Assert.That(AssertViolation(Named("abcdé"), asClient: true, limits).Message, Does.Contain("6 bytes"), "5 characters in 6 bytes");
    }

    [Test]
    public void HugeEntryListHeaderFailsFastWithoutAllocating()
    {
        byte[] payload = Raw(w => w.Array(4).Int(Sync).Int(1).Int(0).RawBytes(0xdd, 0x7f, 0xff, 0xff, 0xff, 0x95));
        AssertViolation(payload, asClient: true);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var violation = AssertViolation(payload, asClient: true);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.LessThan(64 * 1024), "the claimed count must be refused before any list or set is allocated");
        Assert.That(violation.Message, Does.Contain("entries"));
    }

    [Test]
    public void AStateAtTheEntryLimitRoundTripsWhenTheMessageLimitAllowsIt()
    {
        var entries = Enumerable.Range(0, ProtocolLimits.Default.MaxSharedStateEntries)
            .Select(i => new SharedStateEntryInfo($"layer.{i}.weight", DataType.BFloat16, 4096, (ulong)i * 0x9e3779b97f4a7c15UL, false))
            .ToImmutableArray();
        var message = new SyncSharedState(12, 0, entries);
        byte[] bytes = Encode(message);
        var roomy = ProtocolLimits.Default with { MaxControlMessageBytes = 4 << 20 };

        Assert.That(ControlMessageCodec.ReadClientMessage(new ReadOnlySequence<byte>(bytes), roomy), Is.EqualTo(message));
        TestContext.Out.WriteLine($"{entries.Length} entries with ~17-byte names encode to {bytes.Length} bytes");
        Assert.That(bytes.Length, Is.GreaterThan(ProtocolLimits.Default.MaxControlMessageBytes),
            "documented: at the entry limit the message limit binds first");
    }

    [Test]
    public void TheWriterRefusesNamesThatWouldNotReadBack()
    {
        foreach (string name in new[] { "", new string('n', ProtocolLimits.Default.MaxEntryNameBytes + 1), "bad\ud800name" })
        {
            var sync = new SyncSharedState(1, 0, ImmutableArray.Create(new SharedStateEntryInfo(name, DataType.Float32, 1, 2, false)));
            Assert.Throws<ArgumentException>(() => Encode(sync), $"name of length {name.Length}");
            var decision = new SharedStateDecision(1, 1, false, ImmutableArray.Create(new SharedStateTransferInfo(name, 1, 0, [])));
            Assert.Throws<ArgumentException>(() => Encode(decision), $"transfer name of length {name.Length}");
        }
    }

    [Test]
    public void TheWriterRefusesListsOverTheLimitsAndUndefinedStrategies()
    {
        var limits = ProtocolLimits.Default with { MaxSharedStateEntries = 1, MaxSlicesPerTransfer = 1 };
        var two = ImmutableArray.Create(new SharedStateEntryInfo("a", DataType.UInt8, 1, 2, false), new SharedStateEntryInfo("b", DataType.UInt8, 1, 2, false));
        Assert.Throws<ArgumentException>(() => Encode(new SyncSharedState(1, 0, two), limits));
        Assert.Throws<ArgumentException>(() => Encode(new SyncSharedState(1, 3, []), limits));

        var slices = ImmutableArray.Create(new SharedStateSliceInfo(new PeerId(0, 1), 0, 1), new SharedStateSliceInfo(new PeerId(0, 2), 1, 1));
        var decision = new SharedStateDecision(1, 1, false, ImmutableArray.Create(new SharedStateTransferInfo("w", 1, 2, slices)));
        Assert.Throws<ArgumentException>(() => Encode(decision, limits));
    }

    [Test]
    public void SyncWritesTheDocumentedLayout()
    {
        byte[] bytes = Encode(new SyncSharedState(5, 1, ImmutableArray.Create(new SharedStateEntryInfo("w", DataType.Float32, 3, 4, true))));
        byte[] expected = Raw(w => w.Array(4).Int(Sync).Int(5).Int(1).Array(1).Array(5).Str("w").Int(Float32).Int(3).Int(4).Bool(true));
        Assert.That(bytes, Is.EqualTo(expected));
    }
}
