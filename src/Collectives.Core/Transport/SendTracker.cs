namespace Collectives.Transport;

/// <summary>
/// Counts an operation's frames in flight and lets the operation wait until all of them have left (its memory is then
/// free to reuse) or until one failed. One tracker per operation; frames allocate nothing.
/// </summary>
public sealed class SendTracker : ISendCompletion
{
    private readonly object _gate = new();
    private long _outstanding;
    private long _bytesWritten;
    private Exception? _failure;
    private TaskCompletionSource? _drained;
    private volatile bool _abandoned;

    /// <inheritdoc />
    public bool IsAbandoned => _abandoned;

    /// <summary>Payload bytes actually written to sockets.</summary>
    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    /// <summary>The first send failure, if any.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Frames not written (or skipped) yet.</summary>
    public long Outstanding => Interlocked.Read(ref _outstanding);

    /// <summary>Records that <paramref name="frames"/> more frames are about to be queued with this tracker.</summary>
    public void Expect(int frames) => Interlocked.Add(ref _outstanding, frames);

    /// <summary>Skips every frame not yet written (the operation is aborted).</summary>
    public void Abandon() => _abandoned = true;

    /// <inheritdoc />
    public void OnFrameDone(int payloadLength, bool written)
    {
        if (written)
        {
            Interlocked.Add(ref _bytesWritten, payloadLength);
        }

        Release();
    }

    /// <inheritdoc />
    public void OnFrameFailed(Exception reason)
    {
        Interlocked.CompareExchange(ref _failure, reason, null);
        Release();
    }

    /// <summary>Completes when every expected frame is done; faults with the first failure if any frame failed.</summary>
    public Task DrainAsync()
    {
        lock (_gate)
        {
            if (Interlocked.Read(ref _outstanding) == 0)
            {
                return _failure is { } f ? Task.FromException(f) : Task.CompletedTask;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task;
        }
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _outstanding) != 0)
        {
            return;
        }

        TaskCompletionSource? drained;
        lock (_gate)
        {
            drained = _drained;
            _drained = null;
        }

        if (drained is null)
        {
            return;
        }

        if (Volatile.Read(ref _failure) is { } failure)
        {
            drained.TrySetException(failure);
        }
        else
        {
            drained.TrySetResult();
        }
    }
}
