using System.Diagnostics;
using Collectives.SharedState;

namespace Collectives.Optimizers;

/// <summary>
/// Async DiLoCo (SPEC §10): the all-reduce of outer step t runs in the background during the inner steps of t+1 and
/// is applied one step late, so communication hides behind computation. <see cref="StepAsync"/>, called after the
/// inner steps, does:
/// <list type="number">
/// <item>waits for the reduction launched by the previous call (normally finished already) — its average becomes the
/// pending pseudo-gradient;</item>
/// <item>forms this phase's pseudo-gradient Δ_t = θ_outer − θ_local (θ_outer is still where this phase started);</item>
/// <item>applies the pending average with the same Nesterov step as <see cref="DiLoCoOptimizer"/>, advances the outer
/// step counter (also when nothing was pending) and resets θ_local ← θ_outer;</item>
/// <item>launches the all-reduce of Δ_t in the background and synchronizes θ_outer, momentum and counters as shared
/// state (revision = outer step; 0 bytes in a deterministic run);</item>
/// <item>if peers wait to join: waits for the in-flight reduction, updates the topology, and synchronizes the shared
/// state again including the finished average that the joiners missed, so they apply it at the next step like
/// everyone else and stay bit-identical.</item>
/// </list>
/// A peer dying mid-reduce: the reduction is retried among the survivors. Alone: the contribution is dropped and the
/// peer waits up to <see cref="DiLoCoOptions.PeerWaitTimeout"/> for a joiner, as in <see cref="DiLoCoOptimizer"/>.
/// Collective and not thread-safe, like <see cref="DiLoCoOptimizer"/>; the parameters may be trained while the
/// reduction runs (it works on its own buffer).
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
    private float[] _reducing;
    private float[] _pending;
    private Task<OuterCollectives.Outcome>? _inFlight;
    private OuterCollectives.Outcome _finished;
    private bool _initialized;

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
        await FinishReductionAsync().ConfigureAwait(false);
        TimeSpan waited = Stopwatch.GetElapsedTime(started);
        OuterCollectives.Outcome finished = TakeFinished();

        _state.PseudoGradient(_reducing);
        bool applied = ApplyPending();
        _state.AdvanceStep();
        _state.ResetParameters();

        _inFlight = _collectives.ReduceAsync(_reducing, cancellationToken);
        SharedStateSyncInfo sync = await _collectives.SyncAsync(_state.ToSharedState(null), cancellationToken).ConfigureAwait(false);
        long waitBeforeJoin = Stopwatch.GetTimestamp();
        bool accepted = await _collectives.AcceptPendingPeersAsync(FinishReductionAsync, cancellationToken)
            .ConfigureAwait(false);
        if (accepted)
        {
            waited += Stopwatch.GetElapsedTime(waitBeforeJoin);
            SharedStateSyncInfo joined = await _collectives.SyncAsync(_state.ToSharedState(_pending), cancellationToken).ConfigureAwait(false);
            sync = new SharedStateSyncInfo(sync.TxBytes + joined.TxBytes, sync.RxBytes + joined.RxBytes, joined.Revision);
        }

        if (sync.RxBytes > 0)
        {
            _state.ResetParameters(); // this peer had diverged and adopted the group's state
        }

        return new OuterStepInfo(_state.Step, applied, finished.Info.WorldSize, finished.Info.TxBytes, finished.Info.RxBytes,
            sync.TxBytes, sync.RxBytes, accepted, waited);
    }

    /// <summary>
    /// Collective, at the end of training: waits for the in-flight reduction, applies it, resets the parameters to
    /// θ_outer and synchronizes, so every peer ends with the same final outer parameters. Training may go on with
    /// <see cref="StepAsync"/> afterwards.
    /// </summary>
    /// <exception cref="CollectivesException">As <see cref="DiLoCoOptimizer.StepAsync"/>.</exception>
    public async Task<OuterStepInfo> FinishAsync(CancellationToken cancellationToken = default)
    {
        RequireInitialized();
        long started = Stopwatch.GetTimestamp();
        await FinishReductionAsync().ConfigureAwait(false);
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

    /// <summary>Waits for a reduction still in flight (its errors are dropped); the peer's communicator stays the caller's.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_inFlight is { } running)
        {
            _inFlight = null;
            try
            {
                await running.ConfigureAwait(false);
            }
            catch (CollectivesException)
            {
                // Disposal only makes sure nothing still writes into our buffers.
            }
            catch (OperationCanceledException)
            {
            }
        }
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
