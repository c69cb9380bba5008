namespace Collectives.Protocol;

/// <summary>
/// Bounds on what a control message may contain. Every list, string and byte array read from the network is
/// checked against these before anything is allocated for it; a message over a limit is a protocol violation.
/// </summary>
public sealed record ProtocolLimits
{
    /// <summary>
    /// The defaults: 4096 peers per ring, 1024-byte reasons, 65,536 shared-state entries with names of at most
    /// 1024 bytes, 4096 slices per transfer, 1 MiB control messages.
    /// </summary>
    public static ProtocolLimits Default { get; } = new();

    /// <summary>
    /// Most peers in one group's ring, and so in any list of peers in a message. 4096 is far beyond the group sizes
    /// ring all-reduce over the internet is useful for, yet keeps the largest ring message near 200 KB.
    /// </summary>
    public int MaxPeersPerRing { get; init; } = 4096;

    /// <summary>Most UTF-8 bytes of a free-text reason (errors, kicks). Longer reasons are truncated when written.</summary>
    public int MaxReasonBytes { get; init; } = 1024;

    /// <summary>
    /// Most bytes of one encoded control message. A ring of <see cref="MaxPeersPerRing"/> entries of at most
    /// 40 bytes each (about 160 KB) fits with room to spare; the frame reader can refuse larger frames before
    /// buffering them. For shared state this, not <see cref="MaxSharedStateEntries"/>, is usually the binding bound:
    /// an entry costs about 25 bytes plus its name, so 1 MiB holds some 20,000 entries with 30-byte names.
    /// </summary>
    public int MaxControlMessageBytes { get; init; } = 1 << 20;

    /// <summary>
    /// Most entries (named tensors) in one shared state, and so in a sync request or the transfers of one decision.
    /// Large models have a few thousand tensors (parameters plus optimizer state); 65,536 leaves an order of
    /// magnitude to spare while bounding what a hostile count header can make a reader plan for.
    /// </summary>
    public int MaxSharedStateEntries { get; init; } = 65_536;

    /// <summary>
    /// Most UTF-8 bytes of a shared-state entry name; names are identifiers, so a longer one is refused, never cut.
    /// Names must also be non-empty.
    /// </summary>
    public int MaxEntryNameBytes { get; init; } = 1024;

    /// <summary>
    /// Most slices of one entry's transfer. The master cuts an entry into at most one range per donor, and donors are
    /// members of one group, so this matches <see cref="MaxPeersPerRing"/>; keep it at least that large.
    /// </summary>
    public int MaxSlicesPerTransfer { get; init; } = 4096;
}
