using System.Buffers;
using System.Threading.Channels;

namespace Collectives.Transport;

public sealed partial class FramedConnection
{
    // Frames with payloads up to this size are copied into the staging buffer and written together with their
    // neighbours in one system call; larger payloads are written straight from the sender's memory.
    private const int SmallPayloadLimit = 16 << 10;
    private const int StagingSize = 64 << 10;
    private const int MaxBatch = 64;

    private readonly byte[] _staging = new byte[StagingSize];
    private readonly OutgoingFrame[] _batch = new OutgoingFrame[MaxBatch];
    private int _batchCount;
    private long _bytesSent;
    private long _inlineWrites;

    // Frames in the queue (counted before they enter it): the channel has a single reader and cannot count itself.
    private int _queued;

    // One writer at a time: the send loop for a whole drain of the queue, or a sender writing its small frame itself
    // (see TryWriteInline). The holder also owns _staging and _batch. Never disposed: it has no wait handle, and an
    // inline write may still release it after the connection was disposed.
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    // The frame taken off the queue and not yet in the batch or finished: failed by the loop's finally if an await
    // in between throws, so no frame is ever lost (a lost frame would keep its operation's tracker from draining).
    private OutgoingFrame _inHand;
    private bool _holding;

    /// <summary>Frames the sending thread wrote itself, without the send loop (tests, diagnostics).</summary>
    internal long InlineWrites => Interlocked.Read(ref _inlineWrites);

    /// <summary>Number of frames waiting in the send queue (diagnostics).</summary>
    public int QueuedFrames => Volatile.Read(ref _queued);

    /// <summary>
    /// Queues a frame. The payload is written from <paramref name="payload"/> itself, which must stay valid until
    /// <paramref name="completion"/> hears about the frame. Returns false (after telling <paramref name="completion"/>)
    /// when the connection is already broken.
    /// </summary>
    public bool TrySend(FrameHeader header, ReadOnlyMemory<byte> payload, ISendCompletion? completion)
    {
        if (header.PayloadLength != (uint)payload.Length)
        {
            throw new ArgumentException("header payload length differs from the payload", nameof(header));
        }

        var frame = new OutgoingFrame(header, payload, completion, null);
        if (TryWriteInline(frame) || TryQueue(frame))
        {
            return true;
        }

        completion?.OnFrameFailed(BreakReason ?? new ConnectionLostException(ErrorCode.RankConnectionLost, "connection closed"));
        return false;
    }

    /// <summary>Queues a small frame whose payload is copied first (control messages); returns false when broken.</summary>
    public bool TrySendCopy(FrameKind kind, ulong tag, ReadOnlySpan<byte> payload)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(Math.Max(payload.Length, 1));
        payload.CopyTo(rented);
        var header = new FrameHeader(kind, 0, (uint)payload.Length, tag, 0, 0);
        var frame = new OutgoingFrame(header, rented.AsMemory(0, payload.Length), null, rented);
        if (TryWriteInline(frame) || TryQueue(frame))
        {
            return true;
        }

        ArrayPool<byte>.Shared.Return(rented);
        return false;
    }

    private bool TryQueue(in OutgoingFrame frame)
    {
        Interlocked.Increment(ref _queued);
        if (_sendQueue.Writer.TryWrite(frame))
        {
            return true;
        }

        Interlocked.Decrement(ref _queued);
        return false;
    }

    /// <summary>Takes the next queued frame (send loop only).</summary>
    private bool TryDequeue(ChannelReader<OutgoingFrame> reader, out OutgoingFrame frame)
    {
        if (!reader.TryRead(out frame))
        {
            return false;
        }

        Interlocked.Decrement(ref _queued);
        return true;
    }

    private async Task SendLoopAsync()
    {
        var reader = _sendQueue.Reader;
        CancellationToken token = _shutdown.Token;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                await WaitWhileStalledAsync().ConfigureAwait(false);
                await _writeGate.WaitAsync(token).ConfigureAwait(false);
                try
                {
                    await DrainQueueAsync(reader, token).ConfigureAwait(false);
                }
                finally
                {
                    _writeGate.Release();
                }
            }

            // A graceful close: an inline write still in flight goes out before the socket is closed.
            await _writeGate.WaitAsync(token).ConfigureAwait(false);
            _writeGate.Release();
        }
        catch (Exception e)
        {
            Break(DescribeFailure(e));
        }
        finally
        {
            Exception reason = BreakReason ?? new ConnectionLostException(ErrorCode.RankConnectionLost, "connection closed");
            if (_holding)
            {
                _holding = false;
                FailFrame(_inHand, reason);
                _inHand = default;
            }

            for (int i = 0; i < _batchCount; i++)
            {
                FailFrame(_batch[i], reason);
            }

            _batchCount = 0;
            while (TryDequeue(reader, out OutgoingFrame frame))
            {
                FailFrame(frame, reason);
            }
        }
    }

    /// <summary>Writes every queued frame (small ones batched into one system call); called holding the write gate.</summary>
    private async ValueTask DrainQueueAsync(ChannelReader<OutgoingFrame> reader, CancellationToken token)
    {
        int staged = 0;
        while (TryDequeue(reader, out OutgoingFrame frame))
        {
            _inHand = frame;
            _holding = true;
            if (frame.Completion is { IsAbandoned: true })
            {
                Release();
                FinishFrame(frame, written: false);
                continue;
            }

            int length = frame.Payload.Length;
            if (length <= SmallPayloadLimit && staged + FrameHeader.Size + length <= StagingSize && _batchCount < MaxBatch)
            {
                frame.Header.Write(_staging.AsSpan(staged));
                frame.Payload.Span.CopyTo(_staging.AsSpan(staged + FrameHeader.Size));
                staged += FrameHeader.Size + length;
                _batch[_batchCount++] = frame;
                Release();
                continue;
            }

            if (staged + FrameHeader.Size > StagingSize || length <= SmallPayloadLimit)
            {
                // The staging buffer or batch is full: write it out and start over with this frame.
                await FlushStagingAsync(staged, token).ConfigureAwait(false);
                staged = 0;
                if (length <= SmallPayloadLimit)
                {
                    frame.Header.Write(_staging);
                    frame.Payload.Span.CopyTo(_staging.AsSpan(FrameHeader.Size));
                    staged = FrameHeader.Size + length;
                    _batch[_batchCount++] = frame;
                    Release();
                    continue;
                }
            }

            // Large payload: its header rides with the staged frames, the payload goes out from the sender's memory.
            frame.Header.Write(_staging.AsSpan(staged));
            await FlushStagingAsync(staged + FrameHeader.Size, token).ConfigureAwait(false);
            staged = 0;
            await SendAllAsync(frame.Payload, token).ConfigureAwait(false);
            Release();
            FinishFrame(frame, written: true);
        }

        if (staged > 0)
        {
            await FlushStagingAsync(staged, token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes a small frame on the sending thread when nothing is queued and no one is writing: a small all-reduce's
    /// data and every control message reach the socket without waking the send loop's thread, which on a machine with
    /// fewer cores than busy threads is a scheduling delay per message. Order is kept: a frame is written here only
    /// when the queue is empty and the gate is free, and the loop holds the gate from taking frames off the queue until
    /// they are written, so no earlier frame can be pending. A write that does not finish at once (full socket buffer)
    /// finishes in the background, still holding the gate; the sender never blocks. False: queue the frame instead.
    /// </summary>
    private bool TryWriteInline(in OutgoingFrame frame)
    {
        int length = FrameHeader.Size + frame.Payload.Length;
        if (frame.Payload.Length > SmallPayloadLimit || QueuedFrames != 0 || Volatile.Read(ref _stall) is not null || IsBroken
            || !_writeGate.Wait(0))
        {
            return false;
        }

        if (QueuedFrames != 0 || IsBroken)
        {
            _writeGate.Release();
            return false; // queued behind an earlier frame, or failed by the closed queue
        }

        ValueTask write;
        try
        {
            frame.Header.Write(_staging);
            frame.Payload.Span.CopyTo(_staging.AsSpan(FrameHeader.Size));
            write = _stream.SendAsync(_staging.AsMemory(0, length), _shutdown.Token);
        }
        catch (Exception e)
        {
            EndInlineWrite(frame, e);
            return true;
        }

        Interlocked.Increment(ref _inlineWrites);
        if (write.IsCompletedSuccessfully)
        {
            EndInlineWrite(frame, null);
        }
        else
        {
            _ = FinishInlineWriteAsync(write, frame);
        }

        return true;
    }

    private async Task FinishInlineWriteAsync(ValueTask write, OutgoingFrame frame)
    {
        Exception? failure = null;
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e;
        }

        EndInlineWrite(frame, failure);
    }

    private void EndInlineWrite(in OutgoingFrame frame, Exception? failure)
    {
        _writeGate.Release();
        if (failure is null)
        {
            FinishFrame(frame, written: true);
            return;
        }

        Exception reason = DescribeFailure(failure);
        Break(reason);
        FailFrame(frame, BreakReason ?? reason);
    }

    /// <summary>The frame in hand has moved on (into the batch or finished).</summary>
    private void Release()
    {
        _holding = false;
        _inHand = default;
    }

    private async ValueTask FlushStagingAsync(int staged, CancellationToken token)
    {
        if (staged > 0)
        {
            await SendAllAsync(_staging.AsMemory(0, staged), token).ConfigureAwait(false);
        }

        for (int i = 0; i < _batchCount; i++)
        {
            FinishFrame(_batch[i], written: true);
            _batch[i] = default;
        }

        _batchCount = 0;
    }

    private ValueTask SendAllAsync(ReadOnlyMemory<byte> data, CancellationToken token) => _stream.SendAsync(data, token);

    private void FinishFrame(in OutgoingFrame frame, bool written)
    {
        if (written)
        {
            Interlocked.Add(ref _bytesSent, frame.Payload.Length);
        }

        if (frame.RentedBuffer is { } rented)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        frame.Completion?.OnFrameDone(frame.Payload.Length, written);
    }

    private static void FailFrame(in OutgoingFrame frame, Exception reason)
    {
        if (frame.RentedBuffer is { } rented)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        frame.Completion?.OnFrameFailed(reason);
    }
}
