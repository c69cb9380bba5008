using System.Diagnostics;
using Collectives.SharedState;

namespace Collectives.Optimizers;

/// <summary>
/// Async DiLoCo (SPEC §10): the all-reduce of outer step t runs in the background during the inner steps of t+1 and
/// is applied one step late, so communication hides behind computation. <see cref="StepAsync"/>, called after the
/// inner steps, does:
/// <list type="number">
/// <item>waits for the background work launched by the previous call (normally finished already): the reduction,
/// whose average becomes the pending pseudo-gradient, the shared-state check and the peers-pending query;</item>
/// <item>forms this phase's pseudo-gradient Δ_t = θ_outer − θ_local (θ_outer is still where this phase started);</item>
/// <item>applies the pending average with the same Nesterov step as <see cref="DiLoCoOptimizer"/>, advances the outer
/// step counter (also when nothing was pending) and resets θ_local ← θ_outer;</item>
/// <item>launches the all-reduce of Δ_t in the background;</item>
/// <item>if the previous call's query found peers waiting to join (or this peer is alone): waits for the reduction
/// just launched, updates the topology, and synchronizes the shared state including the finished average that the
/// joiners missed, so they apply it at their first step like everyone else and stay bit-identical;</item>
/// <item>otherwise launches, next to the reduction, the shared-state check (θ_outer, momentum and counters
/// synchronized as shared state, revision = outer step; 0 bytes in a deterministic run) and the next peers-pending
/// query, so that neither barrier is on the caller's critical path.</item>
/// </list>
/// A peer that waits to join is thus accepted at the second call after it registered instead of the first. When the
/// background check finds this peer's state diverged, the group's state is adopted and this phase's own contribution
/// is zero (its inner steps started from a point the group did not have).
/// A peer dying mid-reduce: the reduction is retried among the survivors. Alone: the contribution is dropped and the
/// peer waits up to <see cref="DiLoCoOptions.PeerWaitTimeout"/> for a joiner, as in <see cref="DiLoCoOptimizer"/>.
/// Collective and not thread-safe, like <see cref="DiLoCoOptimizer"/>; the parameters may be trained while the
/// background work runs (it uses its own buffers).
/// <para>The background work progresses on thread-pool threads: inner steps that block every pool thread (for example
/// several models trained with <c>Task.Run</c> in one process) stall it; raise the pool's minimum or train on a
/// dedicated thread.</para>
/// <para>Tuning: every inner phase starts from an outer point that lacks the previous phase's average, so consecutive
/// pseudo-gradients overlap and strong outer momentum overshoots. On the tests' MNIST MLP the synchronous defaults
/// (lr 0.7, momentum 0.9) barely train when delayed, while lr 1.0 without momentum converges close to the
/// synchronous result, so that is <see cref="DiLoCoOptions.AsyncDefault"/>, used when no options are given.</para>
/// </summary>
public sealed class AsyncDiLoCoOptimizer : IAsyncDisposable
{
    private readonly OuterState _state;
    private readonly OuterCollectives _collectives;
    private readonly DiLoCoOptions _options;
    private readonly CancellationTokenSource _disposed = new();
    private float[] _reducing;
    private float[] _pending;
    private Task<OuterCollectives.Outcome>? _inFlight;
    private Task<SharedStateSyncInfo>? _stateCheck;
    private Task<bool>? _peersQuery;
    private CancellationTokenSource? _checksCancellation;
    private OuterCollectives.Outcome _finished;
    private bool _initialized;
    private bool _isDisposed;

    /// <summary>Creates the optimizer over the model's parameters (used in place, in the order given); null options mean <see cref="DiLoCoOptions.AsyncDefault"/>.</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    /// <exception cref="CollectivesException">InvalidArgument: more than <see cref="Array.MaxLength"/> elements in all.</exception>
    public AsyncDiLoCoOptimizer(Communicator communicator, IReadOnlyList<ParameterTensor> parameters, DiLoCoOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        _options = options ?? DiLoCoOptions.AsyncDefault;
        _options.Validate();
        _state = new OuterState(parameters, _options.StateName);
        _collectives = new OuterCollectives(communicator, _options);
        _reducing = new float[_state.Count];
        _pending = new float[_state.Count];
    }

    /// <summary>The outer step counter (shared: equal on every peer after each call).</summary>
    public ulong OuterStep => _state.Step;

    /// <summary>θ_outer, all parameters flat in the order given.</summary>
    public ReadOnlyMemory<float> OuterParameters => _state.Outer;

    /// <summary>The outer momentum buffer, same layout as <see cref="OuterParameters"/>.</summary>
    public ReadOnlyMemory<float> OuterMomentum => _state.Momentum;

    /// <summary>True while a pseudo-gradient reduction runs in the background.</summary>
    public bool IsReducing => _inFlight is { IsCompleted: false };

    /// <summary>
    /// Collective, once, before the first inner step, on the first peers and on joiners alike: adopts the group's
    /// state (a joiner also receives the finished average it missed) and sets the parameters to θ_outer.
    /// </summary>
    /// <exception cref="CollectivesException">From the shared-state sync; InvalidUsage when called twice.</exception>
    public async Task<OuterStepInfo> InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (_initialized)
        {
            throw new CollectivesException(ErrorCode.InvalidUsage, "the optimizer is already initialized");
        }

        _state.SeedFromParameters();
        Array.Clear(_pending);
        SharedStateSyncInfo sync = await _collectives.SyncAsync(_state.ToSharedState(_pending), cancellationToken).ConfigureAwait(false);
        _state.ResetParameters();
        _initialized = true;
        return new OuterStepInfo(_state.Step, false, 0, 0, 0, sync.TxBytes, sync.RxBytes, false, TimeSpan.Zero);
    }

    /// <summary>Collective: one outer step after the inner steps (see the class summary). Blocks only for what the inner steps did not hide.</summary>
    /// <exception cref="CollectivesException">As <see cref="DiLoCoOptimizer.StepAsync"/>.</exception>
    public async Task<OuterStepInfo> StepAsync(CancellationToken cancellationToken = default)
    {
        RequireInitialized();
        long started = Stopwatch.GetTimestamp();
        (SharedStateSyncInfo sync, bool peersWaiting) = await FinishBackgroundAsync().ConfigureAwait(false);
        TimeSpan background = Stopwatch.GetElapsedTime(started);
        OuterCollectives.Outcome finished = TakeFinished();

        long mark = Stopwatch.GetTimestamp();
        if (sync.RxBytes > 0)
        {
            _state.ResetParameters(); // diverged: the group's θ_outer was adopted, this phase contributes nothing
        }

        _state.PseudoGradient(_reducing);
        bool applied = ApplyPending();
        _state.AdvanceStep();
        _state.ResetParameters();
        TimeSpan kernels = Stopwatch.GetElapsedTime(mark);

        mark = Stopwatch.GetTimestamp();
        _inFlight = _collectives.ReduceAsync(_reducing, cancellationToken);
        TimeSpan launch = Stopwatch.GetElapsedTime(mark);

        TimeSpan accepting = TimeSpan.Zero;
        TimeSpan joining = TimeSpan.Zero;
        bool accepted = false;
        if (peersWaiting || _collectives.IsAlone)
        {
            mark = Stopwatch.GetTimestamp();
            accepted = await _collectives.AcceptAsync(peersWaiting, FinishReductionAsync, cancellationToken).ConfigureAwait(false);
            accepting = Stopwatch.GetElapsedTime(mark);
        }

        if (accepted)
        {
            // The joiners' first query and check come with their first step: ours start then too, so that they pair.
            mark = Stopwatch.GetTimestamp();
            SharedStateSyncInfo joined = await _collectives.SyncAsync(_state.ToSharedState(_pending), cancellationToken).ConfigureAwait(false);
            sync = new SharedStateSyncInfo(sync.TxBytes + joined.TxBytes, sync.RxBytes + joined.RxBytes, joined.Revision);
            joining = Stopwatch.GetElapsedTime(mark);
            if (joined.RxBytes > 0)
            {
                _state.ResetParameters();
            }
        }
        else
        {
            mark = Stopwatch.GetTimestamp();
            LaunchChecks(cancellationToken);
            launch += Stopwatch.GetElapsedTime(mark);
        }

        return new OuterStepInfo(_state.Step, applied, finished.Info.WorldSize, finished.Info.TxBytes, finished.Info.RxBytes,
            sync.TxBytes, sync.RxBytes, accepted, background + accepting)
        {
            Timings = new OuterStepTimings(background, kernels, launch, joining, accepting, Stopwatch.GetElapsedTime(started), finished.Elapsed),
        };
    }

    /// <summary>
    /// Collective, at the end of training: waits for the background work, applies the reduction, resets the
    /// parameters to θ_outer and synchronizes, so every peer ends with the same final outer parameters. Training may
    /// go on with <see cref="StepAsync"/> afterwards (peers found waiting now are accepted by a later step).
    /// </summary>
    /// <exception cref="CollectivesException">As <see cref="DiLoCoOptimizer.StepAsync"/>.</exception>
    public async Task<OuterStepInfo> FinishAsync(CancellationToken cancellationToken = default)
    {
        RequireInitialized();
        long started = Stopwatch.GetTimestamp();
        _ = await FinishBackgroundAsync().ConfigureAwait(false);
        TimeSpan waited = Stopwatch.GetElapsedTime(started);
        OuterCollectives.Outcome finished = TakeFinished();
        bool applied = ApplyPending();
        _state.AdvanceStep();
        _state.ResetParameters();
        SharedStateSyncInfo sync = await _collectives.SyncAsync(_state.ToSharedState(null), cancellationToken).ConfigureAwait(false);
        if (sync.RxBytes > 0)
        {
            _state.ResetParameters();
        }

        return new OuterStepInfo(_state.Step, applied, finished.Info.WorldSize, finished.Info.TxBytes, finished.Info.RxBytes,
            sync.TxBytes, sync.RxBytes, false, waited);
    }

    /// <summary>
    /// Waits for the background reduction (its errors are dropped) and cancels the background check and query (which
    /// other peers that stopped stepping would never answer); the peer's communicator stays the caller's.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_isDisposed)
        {
            return;
        }

        _isDisposed = true;
        await _disposed.CancelAsync().ConfigureAwait(false);
        Task?[] running = [_inFlight, _stateCheck, _peersQuery];
        (_inFlight, _stateCheck, _peersQuery) = (null, null, null);
        try
        {
            await AwaitQuietlyAsync(running).ConfigureAwait(false);
        }
        finally
        {
            _checksCancellation?.Dispose();
            _disposed.Dispose();
        }
    }

    private static async Task AwaitQuietlyAsync(Task?[] running)
    {
        foreach (Task? task in running)
        {
            if (task is null)
            {
                continue;
            }

            try
            {
                await task.ConfigureAwait(false);
            }
            catch (Exception e) when (e is CollectivesException or OperationCanceledException)
            {
                // Disposal only makes sure nothing still reads or writes our buffers.
            }
        }
    }

    /// <summary>
    /// Starts the shared-state check and the peers-pending query of this step next to its reduction. Nothing touches
    /// θ_outer, the momentum or the counters until the next call has waited for them, so the check may serve them.
    /// </summary>
    private void LaunchChecks(CancellationToken cancellationToken)
    {
        _checksCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        _stateCheck = _collectives.SyncAsync(_state.ToSharedState(null), _checksCancellation.Token);
        _peersQuery = _collectives.ArePeersPendingAsync(_checksCancellation.Token);
    }

    /// <summary>Waits for everything the previous call left running: the check's transfer report and the query's answer (false when none ran).</summary>
    private async Task<(SharedStateSyncInfo Check, bool PeersWaiting)> FinishBackgroundAsync()
    {
        SharedStateSyncInfo check = default;
        bool waiting = false;
        if (_stateCheck is { } sync && _peersQuery is { } query)
        {
            (_stateCheck, _peersQuery) = (null, null);
            try
            {
                await Task.WhenAll(sync, query).ConfigureAwait(false); // both end before either fails the call
                (check, waiting) = (sync.Result, query.Result);
            }
            finally
            {
                _checksCancellation?.Dispose();
                _checksCancellation = null;
            }
        }

        await FinishReductionAsync().ConfigureAwait(false);
        return (check, waiting);
    }

    /// <summary>
    /// Ends the in-flight reduction, if any: when it produced an average, that buffer becomes the pending one. Its
    /// outcome is kept for the report of the call that waited for it.
    /// </summary>
    private async Task FinishReductionAsync()
    {
        if (_inFlight is not { } running)
        {
            return;
        }

        _inFlight = null;
        OuterCollectives.Outcome outcome = await running.ConfigureAwait(false);
        if (outcome.Reduced)
        {
            (_reducing, _pending) = (_pending, _reducing);
        }

        _state.HasPending = outcome.Reduced;
        _finished = outcome;
    }

    /// <summary>The outcome of the last reduction that finished and was not reported yet.</summary>
    private OuterCollectives.Outcome TakeFinished()
    {
        OuterCollectives.Outcome finished = _finished;
        _finished = default;
        return finished;
    }

    private bool ApplyPending()
    {
        if (!_state.HasPending)
        {
            return false;
        }

        _state.Apply(_pending, _options);
        _state.HasPending = false;
        return true;
    }

    private void RequireInitialized()
    {
        if (!_initialized)
        {
            throw new CollectivesException(ErrorCode.InvalidUsage, "call InitializeAsync before the first outer step");
        }
    }
}
