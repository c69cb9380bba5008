namespace Collectives.NetEmulation;

/// <summary>
/// A byte budget with asynchronous waiting: the relay's model of a TCP send window. <see cref="AcquireAsync"/> takes
/// what is free (up to a maximum) and waits while nothing is; <see cref="Release"/> gives bytes back when acknowledged.
/// </summary>
internal sealed class ByteWindow
{
    private readonly Lock _lock = new();
    private readonly long _capacity;
    private long _available;
    private TaskCompletionSource? _waiter;

    public ByteWindow(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _available = capacity;
    }

    /// <summary>Bytes taken and not yet released.</summary>
    public long InFlight
    {
        get
        {
            lock (_lock)
            {
                return _capacity - _available;
            }
        }
    }

    /// <summary>Takes between 1 and <paramref name="max"/> bytes, waiting until at least one is free.</summary>
    public async ValueTask<int> AcquireAsync(int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_available > 0)
                {
                    int taken = (int)Math.Min(max, _available);
                    _available -= taken;
                    return taken;
                }

                _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _waiter.Task;
            }

            await wait.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Gives <paramref name="bytes"/> back and wakes a waiter.</summary>
    /// <exception cref="InvalidOperationException">More would be free than the capacity (a bookkeeping bug).</exception>
    public void Release(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        TaskCompletionSource? wake;
        lock (_lock)
        {
            if (_available + bytes > _capacity)
            {
                throw new InvalidOperationException($"released {bytes} bytes with only {_capacity - _available} in flight");
            }

            _available += bytes;
            wake = _waiter;
            _waiter = null;
        }

        wake?.TrySetResult();
    }
}
