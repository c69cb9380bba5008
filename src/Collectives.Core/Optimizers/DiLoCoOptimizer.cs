using System.Diagnostics;

namespace Collectives.Optimizers;

/// <summary>
/// DiLoCo's outer optimizer (SPEC §10). The caller runs H inner steps with its own optimizer on the parameters, then
/// calls <see cref="StepAsync"/>, which:
/// <list type="number">
/// <item>forms the pseudo-gradient Δ = θ_outer − θ_local;</item>
/// <item>averages Δ over the peer group (all-reduce-many with retry: a peer dying mid-reduce makes the unfinished
/// buckets run again among the survivors, whose average then excludes it);</item>
/// <item>applies SGD with Nesterov momentum to θ_outer (<c>m ← μ·m + Δ; θ_outer ← θ_outer − lr·(Δ + μ·m)</c>), and
/// advances the outer step counter (also when nothing was applied);</item>
/// <item>resets θ_local ← θ_outer;</item>
/// <item>accepts peers waiting to join, then synchronizes θ_outer, the momentum and the step counter as shared state
/// (revision = outer step; a joiner's fresh seed offers revision 0 and so never outvotes a run that has stepped), so a
/// joiner continues bit-identically and, in a deterministic run, peers already in the run transfer 0 bytes.</item>
/// </list>
/// Alone (the library's TooFewPeers): the step's contribution is dropped (θ_outer and momentum unchanged, θ_local reset
/// to θ_outer) and the peer waits up to <see cref="DiLoCoOptions.PeerWaitTimeout"/> for a peer to join.
/// Every accepted peer of the run must call the same methods in the same order (they are collective). Not
/// thread-safe: one call at a time. After an exception other than cancellation, discard the optimizer.
/// </summary>
public sealed class DiLoCoOptimizer
{
    private readonly OuterState _state;
    private readonly OuterCollectives _collectives;
    private readonly DiLoCoOptions _options;
    private readonly float[] _delta;
    private bool _initialized;

    /// <summary>Creates the optimizer over the model's parameters (used in place, in the order given).</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    /// <exception cref="CollectivesException">InvalidArgument: more than <see cref="Array.MaxLength"/> elements in all.</exception>
    public DiLoCoOptimizer(Communicator communicator, IReadOnlyList<ParameterTensor> parameters, DiLoCoOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        _options = options ?? DiLoCoOptions.Default;
        _options.Validate();
        _state = new OuterState(parameters, _options.StateName);
        _collectives = new OuterCollectives(communicator, _options);
        _delta = new float[_state.Count];
    }

    /// <summary>The outer step counter (shared: equal on every peer after each call).</summary>
    public ulong OuterStep => _state.Step;

    /// <summary>θ_outer, all parameters flat in the order given.</summary>
    public ReadOnlyMemory<float> OuterParameters => _state.Outer;

    /// <summary>The outer momentum buffer, same layout as <see cref="OuterParameters"/>.</summary>
    public ReadOnlyMemory<float> OuterMomentum => _state.Momentum;

    /// <summary>
    /// Collective, once, before the first inner step: offers the caller's parameters as the starting point and adopts
    /// the group's elected state (a joiner receives θ_outer, momentum and step from the peers already training), then
    /// sets the parameters to θ_outer.
    /// </summary>
    /// <exception cref="CollectivesException">From the shared-state sync (see <see cref="Communicator.SynchronizeSharedStateAsync"/>); InvalidUsage when called twice.</exception>
    public async Task<OuterStepInfo> InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (_initialized)
        {
            throw new CollectivesException(ErrorCode.InvalidUsage, "the optimizer is already initialized");
        }

        _state.SeedFromParameters();
        SharedState.SharedStateSyncInfo sync = await _collectives.SyncAsync(_state.ToSharedState(null), cancellationToken).ConfigureAwait(false);
        _state.ResetParameters();
        _initialized = true;
        return new OuterStepInfo(_state.Step, false, 0, 0, 0, sync.TxBytes, sync.RxBytes, false, TimeSpan.Zero);
    }

    /// <summary>Collective: one outer step after the inner steps (see the class summary). Blocks for the all-reduce.</summary>
    /// <exception cref="CollectivesException">
    /// Non-transient errors of the all-reduce, sync or topology update (master lost, kicked, descriptor mismatch);
    /// transient ones once <see cref="DiLoCoOptions.MaxAttempts"/> is spent; InvalidUsage before <see cref="InitializeAsync"/>.
    /// </exception>
    public async Task<OuterStepInfo> StepAsync(CancellationToken cancellationToken = default)
    {
        if (!_initialized)
        {
            throw new CollectivesException(ErrorCode.InvalidUsage, "call InitializeAsync before the first outer step");
        }

        long started = Stopwatch.GetTimestamp();
        _state.PseudoGradient(_delta);
        TimeSpan kernels = Stopwatch.GetElapsedTime(started);
        OuterCollectives.Outcome reduce = await _collectives.ReduceAsync(_delta, cancellationToken).ConfigureAwait(false);
        long mark = Stopwatch.GetTimestamp();
        if (reduce.Reduced)
        {
            _state.Apply(_delta, _options);
        }

        _state.AdvanceStep();
        _state.ResetParameters();
        kernels += Stopwatch.GetElapsedTime(mark);
        mark = Stopwatch.GetTimestamp();
        bool accepted = await _collectives.AcceptPendingPeersAsync(() => Task.CompletedTask, cancellationToken).ConfigureAwait(false);
        TimeSpan accepting = Stopwatch.GetElapsedTime(mark);
        mark = Stopwatch.GetTimestamp();
        SharedState.SharedStateSyncInfo sync = await _collectives.SyncAsync(_state.ToSharedState(null), cancellationToken).ConfigureAwait(false);
        TimeSpan syncing = Stopwatch.GetElapsedTime(mark);
        if (sync.RxBytes > 0)
        {
            _state.ResetParameters(); // this peer had diverged and adopted the group's state
        }

        return new OuterStepInfo(_state.Step, reduce.Reduced, reduce.Info.WorldSize, reduce.Info.TxBytes, reduce.Info.RxBytes,
            sync.TxBytes, sync.RxBytes, accepted, reduce.Elapsed)
        {
            Timings = new OuterStepTimings(reduce.Elapsed, kernels, TimeSpan.Zero, syncing, accepting, Stopwatch.GetElapsedTime(started), reduce.Elapsed),
        };
    }
}
