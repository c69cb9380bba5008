using Collectives.Algorithms.Kernels;
using Collectives.Transport;

namespace Collectives.Algorithms;

/// <summary>
/// One peer's part of one pipelined ring all-reduce run. Reduce-scatter: at step s the peer receives chunk
/// (rank − 1 − s) from its predecessor, combines it with its own input and forwards it; the last step leaves it owning
/// chunk (rank + 1), which it finalises (average, rounding to the input type) exactly once. All-gather: the finished
/// chunks travel around the ring and land straight in the receive buffer. Every piece is handled on the receive loop
/// of the connection it arrived on and forwarded at once, so sending, receiving and reducing overlap, and nothing is
/// allocated per piece. Each chunk is reduced along one fixed path and then copied, so all peers hold identical bits.
/// </summary>
internal sealed class RingAllReduce : IInboundSink
{
    private readonly AllReduceRun _run;
    private readonly RingLayout _sendLayout;
    private readonly RingLayout _receiveLayout;
    private readonly DataType _accumulatorType;
    private readonly int _elementSize;
    private readonly int _accumulatorSize;
    private readonly Memory<byte> _accumulator;
    private readonly byte[] _pieceSeen;
    private readonly TaskCompletionSource _localDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _quiet = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _piecesLeft;
    private int _active;
    private int _closed;
    private long _receivedBytes;
    private long _lastProgress = Environment.TickCount64;

    /// <param name="run">The run.</param>
    /// <param name="accumulator">
    /// Where partial results of the accumulator type live: the receive buffer itself when the accumulator type is the
    /// input type, otherwise scratch of <c>Count × 4</c> bytes (float16/bfloat16 accumulate in float32).
    /// </param>
    public RingAllReduce(AllReduceRun run, Memory<byte> accumulator)
    {
        _run = run;
        _accumulatorType = DataTypes.AccumulatorOf(run.DataType);
        _elementSize = DataTypes.SizeOf(run.DataType);
        _accumulatorSize = DataTypes.SizeOf(_accumulatorType);
        _accumulator = accumulator;
        int pieceElements = Math.Max(1, run.PieceBytes / Math.Max(_elementSize, _accumulatorSize));
        var sizes = new PieceSizes(n => n * _accumulatorSize, n => n * _elementSize);
        int previousRank = (run.Rank + run.WorldSize - 1) % run.WorldSize;
        _sendLayout = new RingLayout(run.Count, run.WorldSize, run.Rank, pieceElements, sizes);
        _receiveLayout = new RingLayout(run.Count, run.WorldSize, previousRank, pieceElements, sizes);
        _pieceSeen = new byte[_receiveLayout.TotalPieces];
        _piecesLeft = _receiveLayout.TotalPieces;
        Tracker = new SendTracker();
    }

    /// <summary>Tracks this run's outgoing frames.</summary>
    public SendTracker Tracker { get; }

    /// <summary>Completes when every piece arrived and was processed (the receive buffer holds the result).</summary>
    public Task LocalCompletion => _localDone.Task;

    /// <summary>Payload bytes received for this run.</summary>
    public long ReceivedBytes => Interlocked.Read(ref _receivedBytes);

    /// <summary><see cref="Environment.TickCount64"/> of the last piece that arrived (for the progress deadline).</summary>
    public long LastProgress => Interlocked.Read(ref _lastProgress);

    /// <summary>
    /// Starts the run: sends this peer's own chunk (reduce-scatter step 0). Must be called after the sink is
    /// registered. With a single peer the result is the input.
    /// </summary>
    public void Start()
    {
        _started.TrySetResult();
        if (_run.WorldSize == 1)
        {
            if (!_run.InPlace)
            {
                _run.Send.Span.CopyTo(_run.Receive.Span);
            }

            _localDone.TrySetResult();
            return;
        }

        if (_piecesLeft == 0)
        {
            _localDone.TrySetResult(); // zero elements (or every chunk this link carries is empty)
        }

        int chunk = _run.Rank;
        for (int p = 0; p < _sendLayout.PiecesIn(chunk); p++)
        {
            (long start, int count) = _sendLayout.Piece(chunk, p);
            Memory<byte> payload;
            if (_accumulatorType == _run.DataType)
            {
                payload = _run.Send.Slice(checked((int)(start * _elementSize)), count * _elementSize);
            }
            else
            {
                payload = _accumulator.Slice(checked((int)(start * _accumulatorSize)), count * _accumulatorSize);
                ReduceKernels.Widen(_run.DataType, Slice(_run.Send.Span, start, count, _elementSize), payload.Span);
            }

            _run.Next.Send(_run.Tag, _run.Sequence, _sendLayout.OffsetOf(0, p), payload, Tracker);
        }
    }

    /// <inheritdoc />
    public async ValueTask OnFrameAsync(IPayloadReader payload, FrameHeader header, CancellationToken cancellationToken)
    {
        if (!Enter())
        {
            return; // aborted: the connection skips the payload
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

            (int step, int chunk, int piece) = _receiveLayout.Decode(header.Offset, header.PayloadLength);
            if (Interlocked.Exchange(ref _pieceSeen[_receiveLayout.PieceIndex(step, piece)], 1) != 0)
            {
                throw new ProtocolViolationException($"piece {piece} of step {step} arrived twice");
            }

            (long start, int count) = _receiveLayout.Piece(chunk, piece);
            if (_receiveLayout.IsReduceScatter(step))
            {
                await ReduceIncomingAsync(payload, start, cancellationToken).ConfigureAwait(false);
                Memory<byte> partial = _accumulator.Slice(checked((int)(start * _accumulatorSize)), count * _accumulatorSize);
                if (step < _receiveLayout.StepsPerPhase - 1)
                {
                    _run.Next.Send(_run.Tag, _run.Sequence, _sendLayout.OffsetOf(step + 1, piece), partial, Tracker);
                }
                else
                {
                    // This peer owns the chunk now: finish it once, then start it around the ring.
                    Memory<byte> result = _run.Receive.Slice(checked((int)(start * _elementSize)), count * _elementSize);
                    ReduceKernels.Finalize(_run.DataType, _run.Op, _run.WorldSize, partial.Span, result.Span);
                    _run.Next.Send(_run.Tag, _run.Sequence, _sendLayout.OffsetOf(_sendLayout.StepsPerPhase, piece), result, Tracker);
                }
            }
            else
            {
                Memory<byte> result = _run.Receive.Slice(checked((int)(start * _elementSize)), count * _elementSize);
                await payload.ReadPayloadAsync(result, cancellationToken).ConfigureAwait(false);
                int gatherStep = step - _receiveLayout.StepsPerPhase;
                if (gatherStep < _receiveLayout.StepsPerPhase - 1)
                {
                    _run.Next.Send(_run.Tag, _run.Sequence, _sendLayout.OffsetOf(step + 1, piece), result, Tracker);
                }
            }

            Interlocked.Add(ref _receivedBytes, header.PayloadLength);
            Interlocked.Exchange(ref _lastProgress, Environment.TickCount64);
            if (Interlocked.Decrement(ref _piecesLeft) == 0)
            {
                _localDone.TrySetResult();
            }
        }
        catch (Exception e) when (e is ProtocolViolationException)
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

    private async ValueTask ReduceIncomingAsync(IPayloadReader payload, long start, CancellationToken cancellationToken)
    {
        // The scratch size is a multiple of 8, so every part holds whole elements.
        long position = start;
        while (payload.PayloadRemaining > 0)
        {
            ReadOnlyMemory<byte> incoming = await payload.ReadPayloadChunkAsync(cancellationToken).ConfigureAwait(false);
            int count = incoming.Length / _accumulatorSize;
            ReduceKernels.CombineInput(
                _run.DataType,
                _run.Op,
                Slice(_run.Send.Span, position, count, _elementSize),
                incoming.Span,
                _accumulator.Span.Slice(checked((int)(position * _accumulatorSize)), count * _accumulatorSize));
            position += count;
        }
    }

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> buffer, long start, int count, int size) =>
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
