namespace Collectives.Protocol;

/// <summary>
/// Bounds on what a control message may contain. Every list, string and byte array read from the network is
/// checked against these before anything is allocated for it; a message over a limit is a protocol violation.
/// </summary>
public sealed record ProtocolLimits
{
    /// <summary>The defaults: 4096 peers per ring, 1024-byte reasons, 1 MiB control messages.</summary>
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
    /// buffering them.
    /// </summary>
    public int MaxControlMessageBytes { get; init; } = 1 << 20;
}
