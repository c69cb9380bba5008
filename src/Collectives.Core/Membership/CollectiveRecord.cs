using Collectives.Protocol;

namespace Collectives.Membership;

/// <summary>The master's record of one collective: from the first initiation to the last verdict.</summary>
internal sealed class CollectiveRecord
{
    public CollectiveRecord(uint group, ulong tag, CollectiveDescriptor descriptor)
    {
        Group = group;
        Tag = tag;
        Descriptor = descriptor;
    }

    public uint Group { get; }

    public ulong Tag { get; }

    /// <summary>The first initiator's descriptor; everyone else must match it.</summary>
    public CollectiveDescriptor Descriptor { get; }

    /// <summary>Initiators disagreed: every initiator gets a seq-0 mismatch verdict with <see cref="RejectionReason"/>.</summary>
    public bool Rejected => RejectionReason is not null;

    public string? RejectionReason { get; set; }

    /// <summary>The code of the rejection verdict: a descriptor mismatch, or a refused optimistic start (transient).</summary>
    public ErrorCode RejectionCode { get; set; } = ErrorCode.DescriptorMismatch;

    /// <summary>Initiators that started optimistically: the sequence number and ring fingerprint they started on.</summary>
    public Dictionary<PeerId, (ulong Seq, ulong Ring)> Claims { get; } = [];

    /// <summary>Completion reports of claimants that finished before the op was commenced here, applied at commencement.</summary>
    public Dictionary<PeerId, Protocol.Messages.CollectiveComplete> EarlyReports { get; } = [];

    /// <summary>Peers that initiated, in order.</summary>
    public List<PeerId> Initiators { get; } = [];

    /// <summary>0 until commenced.</summary>
    public ulong Seq { get; set; }

    /// <summary>The ring at commencement; empty before.</summary>
    public List<PeerId> Participants { get; } = [];

    public HashSet<PeerId> Reported { get; } = [];

    public bool IsCommenced => Seq != 0;
}
