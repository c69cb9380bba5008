using Collectives.Transport;

namespace Collectives.Algorithms;

/// <summary>
/// One peer's part of one pipelined ring all-reduce run (one sequence number). Reduce-scatter: at step s the peer
/// receives chunk (rank − 1 − s) from its predecessor, folds its own input into it and forwards it; the last step
/// leaves it owning chunk (rank + 1), which it finishes (average, rounding, quantization) exactly once. All-gather:
/// finished chunks travel around the ring unchanged. Every piece is handled on the receive loop of the connection it
/// arrived on and forwarded at once, so sending, receiving and reducing overlap, and nothing is allocated per piece.
/// Each chunk is reduced along one fixed path and then copied, so all peers hold identical bits.
/// This base class owns the life cycle (start, piece bookkeeping, failure, quiescence); subclasses say what travels.
/// </summary>
internal abstract class RingRun : IInboundSink
{
    private readonly byte[] _pieceSeen;
    private readonly TaskCompletionSource _localDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _quiet = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _piecesLeft;
    private int _active;
    private int _closed;
    private long _receivedBytes;
    private long _lastProgress = Environment.TickCount64;

    protected RingRun(AllReduceRun run, int pieceElements, PieceSizes sizes)
    {
        Run = run;
        int previousRank = (run.Rank + run.WorldSize - 1) % run.WorldSize;
        SendLayout = new RingLayout(run.Count, run.WorldSize, run.Rank, pieceElements, sizes);
        ReceiveLayout = new RingLayout(run.Count, run.WorldSize, previousRank, pieceElements, sizes);
        _pieceSeen = new byte[ReceiveLayout.TotalPieces];
        _piecesLeft = ReceiveLayout.TotalPieces;
        ElementSize = DataTypes.SizeOf(run.DataType);
    }

    /// <summary>Tracks this run's outgoing frames.</summary>
    public SendTracker Tracker { get; } = new();

    /// <summary>Completes when every piece arrived and was processed (the receive buffer holds the result).</summary>
    public Task LocalCompletion => _localDone.Task;

    /// <summary>Payload bytes received for this run.</summary>
    public long ReceivedBytes => Interlocked.Read(ref _receivedBytes);

    /// <summary><see cref="Environment.TickCount64"/> of the last piece that arrived (for the progress deadline).</summary>
    public long LastProgress => Interlocked.Read(ref _lastProgress);

    protected AllReduceRun Run { get; }

    protected RingLayout SendLayout { get; }

    protected RingLayout ReceiveLayout { get; }

    protected int ElementSize { get; }

    /// <summary>The last reduce-scatter step: after it this peer owns the chunk it received.</summary>
    protected int LastReduceStep => ReceiveLayout.StepsPerPhase - 1;

    /// <summary>
    /// Starts the run: sends this peer's own chunk (reduce-scatter step 0). Call after the sink is registered and the
    /// link to the next peer is set. With a single peer the result is the input.
    /// </summary>
    public void Start()
    {
        _started.TrySetResult();
        if (Run.WorldSize == 1)
        {
            if (!Run.InPlace)
            {
                Run.Send.Span.CopyTo(Run.Receive.Span);
            }

            _localDone.TrySetResult();
            return;
        }

        if (_piecesLeft == 0)
        {
            _localDone.TrySetResult(); // nothing travels on this link (zero elements)
        }

        int chunk = Run.Rank;
        for (int p = 0; p < SendLayout.PiecesIn(chunk); p++)
        {
            (long start, int count) = SendLayout.Piece(chunk, p);
            SendToNext(0, p, OwnPiece(start, count, SendLayout.OffsetOf(0, p)));
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
                // Data can arrive between registration and start (while the link to the next peer is dialled).
                await _started.Task.ConfigureAwait(false);
                if (Volatile.Read(ref _closed) != 0)
                {
                    return;
                }
            }

            (int step, int chunk, int piece) = ReceiveLayout.Decode(header.Offset, header.PayloadLength);
            if (Interlocked.Exchange(ref _pieceSeen[ReceiveLayout.PieceIndex(step, piece)], 1) != 0)
            {
                throw new ProtocolViolationException($"piece {piece} of step {step} arrived twice");
            }

            (long start, int count) = ReceiveLayout.Piece(chunk, piece);
            if (ReceiveLayout.IsReduceScatter(step))
            {
                await OnReducePieceAsync(payload, step, piece, start, count, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await OnGatherPieceAsync(payload, step, piece, start, count, cancellationToken).ConfigureAwait(false);
            }

            Interlocked.Add(ref _receivedBytes, header.PayloadLength);
            Interlocked.Exchange(ref _lastProgress, Environment.TickCount64);
            if (Interlocked.Decrement(ref _piecesLeft) == 0)
            {
                _localDone.TrySetResult();
            }
        }
        catch (ProtocolViolationException e)
        {
            _localDone.TrySetException(e);
            throw;
        }
        finally
        {
            Exit();
        }
    }

    /// <inheritdoc />
    public void OnSourceFailed(Exception reason) => _localDone.TrySetException(reason);

    /// <summary>Fails the local part (progress deadline, verdict, cancellation).</summary>
    public void Fail(Exception reason) => _localDone.TrySetException(reason);

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
        try
        {
            await Task.WhenAll(_quiet.Task, Tracker.DrainAsync().ContinueWith(static _ => { }, TaskScheduler.Default))
                .WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>The wire form of this peer's own piece for reduce-scatter step 0 (<paramref name="offset"/>: its place in the stream).</summary>
    protected abstract Memory<byte> OwnPiece(long start, int count, ulong offset);

    /// <summary>Folds a reduce-scatter piece in, then forwards it (or, at the last step, finishes it and starts its all-gather).</summary>
    protected abstract ValueTask OnReducePieceAsync(IPayloadReader payload, int step, int piece, long start, int count, CancellationToken cancellationToken);

    /// <summary>Places an all-gather piece in the result and forwards it unless this is the last step.</summary>
    protected abstract ValueTask OnGatherPieceAsync(IPayloadReader payload, int step, int piece, long start, int count, CancellationToken cancellationToken);

    /// <summary>Queues a piece for the next peer at its place in this peer's stream.</summary>
    protected void SendToNext(int step, int piece, ReadOnlyMemory<byte> wire) =>
        Run.Next.Send(Run.Tag, Run.Sequence, SendLayout.OffsetOf(step, piece), wire, Tracker);

    /// <summary>True when an all-gather step's pieces go on to the next peer.</summary>
    protected bool ForwardsGather(int step) => step - ReceiveLayout.StepsPerPhase < ReceiveLayout.StepsPerPhase - 1;

    protected static Memory<byte> Slice(Memory<byte> buffer, long start, int count, int size) =>
        buffer.Slice(checked((int)(start * size)), count * size);

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
