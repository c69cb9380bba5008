namespace Collectives.Optimizers;

/// <summary>What one call of an outer optimizer did.</summary>
/// <param name="OuterStep">The outer step counter afterwards (shared state and revision; counts every outer step, applied or not).</param>
/// <param name="Applied">True when an averaged pseudo-gradient was applied to the outer parameters in this call.</param>
/// <param name="WorldSize">
/// Peers whose pseudo-gradients were averaged in the reduction that finished in this call (in the async optimizer:
/// the one launched at the previous call); 1 when this peer was alone and dropped its contribution, 0 when no
/// reduction finished.
/// </param>
/// <param name="ReduceTxBytes">All-reduce payload bytes sent, all attempts.</param>
/// <param name="ReduceRxBytes">All-reduce payload bytes received, all attempts.</param>
/// <param name="SyncTxBytes">Shared-state bytes sent to peers that fetched (joiners).</param>
/// <param name="SyncRxBytes">Shared-state bytes fetched; 0 for every peer that was already in the run (anything else means divergence).</param>
/// <param name="AcceptedPeers">True when peers waiting to join were accepted in this call.</param>
/// <param name="CommunicationWait">
/// Time this call spent blocked on the pseudo-gradient all-reduce: all of it for the synchronous optimizer; for the
/// asynchronous one only what the inner steps did not hide of its background work (the reduction, the shared-state
/// check and the peers-pending query), plus the wait for the reduction when it accepted peers.
/// </param>
public readonly record struct OuterStepInfo(ulong OuterStep, bool Applied, int WorldSize, long ReduceTxBytes, long ReduceRxBytes,
    long SyncTxBytes, long SyncRxBytes, bool AcceptedPeers, TimeSpan CommunicationWait)
{
    /// <summary>Where the call spent its time (zero where an optimizer does not measure a part).</summary>
    public OuterStepTimings Timings { get; init; }
}
