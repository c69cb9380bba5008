using Collectives.Internal;

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

    /// <summary>
    /// Completes when every expected frame is done; faults with the first failure if any frame failed. The fault is
    /// marked observed: callers often wait only for the frames to leave the caller's memory (quiescing a run, racing a
    /// reply) and read <see cref="Failure"/> or the operation's own verdict for the error, so a drain nobody awaits
    /// must not surface as an unobserved task exception. Every caller that awaits the task still gets the failure.
    /// </summary>
    public Task DrainAsync()
    {
        lock (_gate)
        {
            if (Interlocked.Read(ref _outstanding) == 0)
            {
                if (_failure is { } f)
                {
                    Task failed = Task.FromException(f);
                    failed.ObserveFaults();
                    return failed;
                }

                return Task.CompletedTask;
            }

            if (_drained is null)
            {
                _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _drained.Task.ObserveFaults();
            }

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
