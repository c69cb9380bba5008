namespace Collectives.Optimizers;

/// <summary>
/// Where one call of an outer optimizer spent its time, so a caller can see what communication was not hidden. Each
/// part is time the call itself was blocked in (the caller's critical path), not the duration of work that ran in the
/// background.
/// </summary>
/// <param name="CommunicationWait">Blocked on the pseudo-gradient all-reduce (the async optimizer: on whatever of the previous call's background work, reduction, shared-state check and peers-pending query, the inner steps did not hide).</param>
/// <param name="Kernels">Forming the pseudo-gradient, applying the outer step, resetting the parameters.</param>
/// <param name="Launch">Starting the background work (the async optimizer's next reduction and its companions).</param>
/// <param name="SharedStateSync">Blocked in shared-state syncs on the critical path (the async optimizer: only the sync that hands joiners the state).</param>
/// <param name="PeersPending">Blocked in the peers-pending query, and when accepting peers (or alone) in waiting for the reduction, for joiners, and in the topology update.</param>
/// <param name="Total">The whole call.</param>
/// <param name="Reduction">
/// How long the pseudo-gradient reduction that finished in this call took from its start to its end (the async
/// optimizer: started by the previous call, so mostly in the background; longer than the inner steps means it was
/// not hidden).
/// </param>
public readonly record struct OuterStepTimings(TimeSpan CommunicationWait, TimeSpan Kernels, TimeSpan Launch, TimeSpan SharedStateSync,
    TimeSpan PeersPending, TimeSpan Total, TimeSpan Reduction);
