namespace Collectives.Interop;

/// <summary>
/// What a <c>pcclComm_t</c> handle stands for: the settings, the current <see cref="Communicator"/>, and the launched
/// but not yet awaited asynchronous all-reduces keyed by tag. PCCL lets a failed connect be repeated on the same
/// handle, while a <see cref="Communicator"/> connects once, so a failed attempt swaps in a fresh one.
/// </summary>
internal sealed class NativeCommunicator
{
    private readonly object _gate = new();
    private readonly CommunicatorOptions _options;
    private readonly Dictionary<ulong, Task<AllReduceInfo>> _launched = [];
    private Communicator _communicator;
    private Phase _phase;

    public NativeCommunicator(CommunicatorOptions options)
    {
        _options = options;
        _communicator = new Communicator(options);
    }

    private enum Phase
    {
        Created,
        Connecting,
        Connected,
        Destroyed,
    }

    /// <summary>Asynchronous all-reduces launched and not yet awaited.</summary>
    public int LaunchedCount
    {
        get
        {
            lock (_gate)
            {
                return _launched.Count;
            }
        }
    }

    /// <summary>Connects and waits to be accepted (blocks; see <see cref="Communicator.ConnectAsync"/>).</summary>
    /// <exception cref="CollectivesException">InvalidUsage when connected or connecting; the connect errors otherwise.</exception>
    public void Connect()
    {
        Communicator communicator;
        lock (_gate)
        {
            if (_phase != Phase.Created)
            {
                throw new CollectivesException(ErrorCode.InvalidUsage, _phase switch
                {
                    Phase.Connecting => "pcclConnect is already running for this communicator on another thread",
                    Phase.Connected => "the communicator is already connected",
                    _ => "the communicator was destroyed",
                });
            }

            _phase = Phase.Connecting;
            communicator = _communicator;
        }

        try
        {
            communicator.ConnectAsync().GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            InteropLog.ConnectFailed(NativeLogging.Interop, Boundary.Map(e, out string reason), reason);
            Communicator? failed = null;
            lock (_gate)
            {
                if (_phase == Phase.Connecting)
                {
                    failed = _communicator;
                    _communicator = new Communicator(_options);
                    _phase = Phase.Created;
                }
            }

            failed?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        lock (_gate)
        {
            if (_phase == Phase.Connecting)
            {
                _phase = Phase.Connected;
            }
        }
    }

    /// <summary>The connected communicator.</summary>
    /// <exception cref="CollectivesException">InvalidUsage when not connected.</exception>
    public Communicator RequireConnected()
    {
        lock (_gate)
        {
            return _phase == Phase.Connected
                ? _communicator
                : throw new CollectivesException(ErrorCode.InvalidUsage, "the communicator is not connected; call pcclConnect first");
        }
    }

    /// <summary>Refuses a call that must not overlap asynchronous all-reduces.</summary>
    /// <exception cref="CollectivesException">PendingAsyncOps while any launched operation is not awaited.</exception>
    public void RequireNoLaunched(string operation)
    {
        int launched = LaunchedCount;
        if (launched > 0)
        {
            throw new CollectivesException(ErrorCode.PendingAsyncOps,
                $"{operation} is refused while {launched} asynchronous all-reduce(s) are not awaited; call pcclAwaitAsyncReduce first");
        }
    }

    /// <summary>Refuses a tag that has a launched, not yet awaited operation.</summary>
    /// <exception cref="CollectivesException">InvalidUsage for such a tag.</exception>
    public void RequireTagFree(ulong tag)
    {
        lock (_gate)
        {
            ThrowIfLaunchedLocked(tag);
        }
    }

    /// <summary>Starts <paramref name="call"/> and keeps its task until <see cref="TakeLaunched"/>.</summary>
    /// <exception cref="CollectivesException">InvalidUsage for a tag already launched; any error the start reports at once.</exception>
    public void Launch(in ReduceCall call, Communicator communicator)
    {
        lock (_gate)
        {
            ThrowIfLaunchedLocked(call.Tag);

            // The library checks arguments and state before its first wait, so those errors surface here, at launch,
            // as PCCL reports them, instead of at the await.
            Task<AllReduceInfo> task = call.StartOn(communicator);
            if (task.IsFaulted)
            {
                task.GetAwaiter().GetResult();
            }

            _launched.Add(call.Tag, task);
        }
    }

    /// <summary>Removes and returns the launched operation with <paramref name="tag"/>.</summary>
    /// <exception cref="CollectivesException">InvalidArgument when there is none.</exception>
    public Task<AllReduceInfo> TakeLaunched(ulong tag)
    {
        lock (_gate)
        {
            return _launched.Remove(tag, out Task<AllReduceInfo>? task)
                ? task
                : throw AbiConvert.Invalid($"no asynchronous all-reduce with tag {tag} is waiting to be awaited on this communicator (never launched, failed at launch, or already awaited)");
        }
    }

    /// <summary>Leaves the run and releases everything (blocks, bounded by the library's disposal).</summary>
    public void Destroy()
    {
        Communicator communicator;
        Task[] abandoned;
        lock (_gate)
        {
            _phase = Phase.Destroyed;
            communicator = _communicator;
            abandoned = [.. _launched.Values];
            _launched.Clear();
        }

        communicator.DisposeAsync().AsTask().GetAwaiter().GetResult();
        foreach (Task task in abandoned)
        {
            // Nobody will await these any more; observing them keeps their failures out of the unobserved-task event.
            _ = task.Exception;
        }
    }

    private void ThrowIfLaunchedLocked(ulong tag)
    {
        if (_launched.ContainsKey(tag))
        {
            throw new CollectivesException(ErrorCode.InvalidUsage, $"an asynchronous all-reduce with tag {tag} was launched and not yet awaited");
        }
    }
}
