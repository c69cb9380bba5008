namespace Collectives.SharedState;

/// <summary>
/// How a peer takes part in a shared-state synchronization. Values match PCCL 1.0's
/// <c>pcclSharedStateSyncStrategy_t</c>.
/// </summary>
public enum SharedStateStrategy
{
    /// <summary>
    /// The default: this peer's content is a candidate in the popularity election; if it loses (or the peer is behind)
    /// the peer receives the elected content, and it sends the elected content to peers that need it.
    /// Unlike PCCL, peers with other strategies may take part in the same synchronization.
    /// </summary>
    EnforcePopular = 0,

    /// <summary>
    /// This peer never sends and its content is never elected: it adopts whatever the other peers elect, for example
    /// a peer joining with uninitialized weights. Fails with <see cref="ErrorCode.NoSharedStateAvailable"/> when no
    /// other peer offers content.
    /// </summary>
    ReceiveOnly = 1,

    /// <summary>
    /// This peer never receives: it must already hold the elected content at the elected revision, otherwise the
    /// synchronization is a protocol violation for this peer (it is removed). It sends to peers that need the content.
    /// </summary>
    SendOnly = 2,
}
