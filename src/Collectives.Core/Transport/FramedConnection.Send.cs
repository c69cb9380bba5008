using System.Buffers;

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

    // The frame taken off the queue and not yet in the batch or finished: failed by the loop's finally if an await
    // in between throws, so no frame is ever lost (a lost frame would keep its operation's tracker from draining).
    private OutgoingFrame _inHand;
    private bool _holding;

    /// <summary>Number of frames queued and not yet written; the pool uses it to pick the least busy connection.</summary>
    public int QueuedFrames => _sendQueue.Reader.CanCount ? _sendQueue.Reader.Count : 0;

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

        if (_sendQueue.Writer.TryWrite(new OutgoingFrame(header, payload, completion, null)))
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
        if (_sendQueue.Writer.TryWrite(new OutgoingFrame(header, rented.AsMemory(0, payload.Length), null, rented)))
        {
            return true;
        }

        ArrayPool<byte>.Shared.Return(rented);
        return false;
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
                int staged = 0;
                while (reader.TryRead(out OutgoingFrame frame))
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
            while (reader.TryRead(out OutgoingFrame frame))
            {
                FailFrame(frame, reason);
            }
        }
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
