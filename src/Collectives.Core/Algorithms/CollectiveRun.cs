using Collectives.Internal;
using Collectives.Transport;

namespace Collectives.Algorithms;

/// <summary>
/// One peer's part of one collective run (one sequence number): the life cycle every algorithm shares. It counts the
/// units (pieces, or bytes) it expects, completes when all of them were processed, fails at the first error, and can be closed and
/// quiesced so that nothing touches the caller's buffers once the call returns. Subclasses say what they send on
/// <see cref="Start"/> and what they do with each piece.
/// </summary>
internal abstract class CollectiveRun : IInboundSink
{
    private readonly TaskCompletionSource _localDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _quiet = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _attention = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _unitsLeft;
    private int _active;
    private int _closed;
    private long _receivedBytes;
    private long _lastProgress = Environment.TickCount64;

    protected CollectiveRun(long expectedUnits)
    {
        _unitsLeft = expectedUnits;
        _localDone.Task.ObserveFaults(); // a verdict can fail the run after its caller stopped waiting for it
    }

    /// <summary>Tracks this run's outgoing frames.</summary>
    public SendTracker Tracker { get; } = new();

    /// <summary>Completes when every piece arrived and was processed (the receive buffer holds the result).</summary>
    public Task LocalCompletion => _localDone.Task;

    /// <summary>Payload bytes received for this run.</summary>
    public long ReceivedBytes => Interlocked.Read(ref _receivedBytes);

    /// <summary><see cref="Environment.TickCount64"/> of the last piece that arrived (for the progress deadline).</summary>
    public long LastProgress => Interlocked.Read(ref _lastProgress);

    /// <summary>
    /// Runs on the thread that processed the last piece, right after <see cref="LocalCompletion"/> succeeded (not when
    /// the run completes in <see cref="Start"/>): lets the owner report at once instead of after a thread hop. Returns
    /// whether it did; if not, <see cref="Attention"/> completes so the owner's waiting caller takes over.
    /// </summary>
    internal Func<bool>? LocalSuccess { get; set; }

    /// <summary>
    /// Completes when the caller has something to do: the local part failed, or succeeded without
    /// <see cref="LocalSuccess"/> having reported it. A success that was reported wakes nobody: the caller sleeps on
    /// until the verdict (one thread wake-up less per op).
    /// </summary>
    public Task Attention => _attention.Task;

    /// <summary>Test seam: runs right after early pieces were released, to widen the window in which they race the start.</summary>
    internal Action? AfterPiecesReleased { get; set; }

    /// <summary>
    /// Starts the run: sends what this peer contributes first. Call after the sink is registered and the links are
    /// set. A run that expects no piece completes here.
    /// </summary>
    public void Start()
    {
        // Pieces that arrived early wait for _started; releasing them only after StartCore has set this peer's own
        // contribution up (the direct run copies its input into its slot there) keeps them from folding without it.
        bool complete = StartCore();
        _started.TrySetResult();
        AfterPiecesReleased?.Invoke();
        if (complete)
        {
            _localDone.TrySetResult();
            return;
        }

        if (Interlocked.Read(ref _unitsLeft) == 0)
        {
            _localDone.TrySetResult(); // nothing travels towards this peer
        }
    }

    /// <inheritdoc />
    public async ValueTask OnFrameAsync(IPayloadReader payload, FrameHeader header, CancellationToken cancellationToken)
    {
        if (!Enter())
        {
            return; // closed: the connection skips the payload
        }

        try
        {
            if (!_started.Task.IsCompleted)
            {
                // Data can arrive between registration and start (while the links are dialled).
                await _started.Task.ConfigureAwait(false);
                if (Volatile.Read(ref _closed) != 0)
                {
                    return;
                }
            }

            int units = await OnPieceAsync(payload, header, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _receivedBytes, header.PayloadLength);
            Interlocked.Exchange(ref _lastProgress, Environment.TickCount64);
            if (Interlocked.Add(ref _unitsLeft, -units) == 0)
            {
                OnAllPiecesArrived();
                _localDone.TrySetResult();
                if (LocalSuccess?.Invoke() != true)
                {
                    _attention.TrySetResult();
                }
            }
        }
        catch (ProtocolViolationException e)
        {
            FailLocal(e);
            throw;
        }
        finally
        {
            Exit();
        }
    }

    /// <inheritdoc />
    public void OnSourceFailed(Exception reason) => FailLocal(reason);

    /// <summary>Fails the local part (progress deadline, verdict, cancellation).</summary>
    public void Fail(Exception reason) => FailLocal(reason);

    private void FailLocal(Exception reason)
    {
        _localDone.TrySetException(reason);
        _attention.TrySetResult();
    }

    /// <summary>
    /// Stops the run: frames not yet sent are skipped and frames still arriving are ignored. Call
    /// <see cref="QuiesceAsync"/> before the caller's buffers may be touched again.
    /// </summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            Tracker.Abandon();
            _started.TrySetResult();
            if (Volatile.Read(ref _active) == 0)
            {
                _quiet.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Waits until no frame handler touches the buffers and no queued frame still references them. False when the
    /// deadline passed first (the caller then breaks the links involved, which ends both, and waits again).
    /// </summary>
    public async Task<bool> QuiesceAsync(TimeSpan timeout)
    {
        Close();
        Task drained = Tracker.DrainAsync();
        if (_quiet.Task.IsCompleted && drained.IsCompleted)
        {
            return true; // the usual case, settled at once: no continuation, no timer, no thread hop
        }

        try
        {
            await Task.WhenAll(_quiet.Task, drained.ContinueWith(static _ => { }, TaskScheduler.Default))
                .WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Sends this peer's first contribution; true when the run is already complete (a world of one).</summary>
    protected abstract bool StartCore();

    /// <summary>
    /// Consumes one piece (validating where it belongs) and returns how many of the expected units it covered; throws
    /// <see cref="ProtocolViolationException"/> for a piece that does not fit.
    /// </summary>
    protected abstract ValueTask<int> OnPieceAsync(IPayloadReader payload, FrameHeader header, CancellationToken cancellationToken);

    /// <summary>Runs once, on the thread that processed the last piece, before the run reports completion.</summary>
    protected virtual void OnAllPiecesArrived()
    {
    }

    private bool Enter()
    {
        Interlocked.Increment(ref _active);
        if (Volatile.Read(ref _closed) == 0)
        {
            return true;
        }

        Exit();
        return false;
    }

    private void Exit()
    {
        if (Interlocked.Decrement(ref _active) == 0 && Volatile.Read(ref _closed) != 0)
        {
            _quiet.TrySetResult();
        }
    }
}
