namespace Collectives.Transport;

/// <summary>
/// Routes incoming data frames to the sink registered for their sequence number. Sequence numbers are unique per
/// operation run and announced in increasing order (the master commences runs in order), so a frame whose sequence
/// number was announced but has no sink belongs to a finished or aborted run and is dropped — it can never leak into a
/// later run that reuses the tag. A frame for a sequence number not yet announced waits (bounded) for its announcement.
/// </summary>
public sealed class InboundRouter : IFrameHandler, IDataReceiver
{
    private readonly object _gate = new();
    private readonly Dictionary<ulong, Registration> _sinks = [];
    // Sequence numbers reserved ahead of their turn (optimistic starts): below the announced mark but not finished, so
    // their frames wait for the registration instead of being dropped as late.
    private readonly HashSet<ulong> _reserved = [];
    private readonly Dictionary<(Guid Remote, ulong Pool), List<FramedConnection>> _pools = [];
    // A frame waits for its announcement only in the short race between a neighbour's commence and ours, and each
    // connection has at most one frame waiting; legitimately that is at most the neighbour's pool (PoolSize ≤ 64), so
    // far more waiting frames means someone is parking connections here to tie up memory.
    private const int MaxWaitingFrames = 256;
    private readonly TimeSpan _unannouncedTimeout;
    private int _waitingFrames;
    private ulong _announced;
    private TaskCompletionSource _announcement = NewSignal();
    private long _droppedFrames;
    private long _bytesRouted;

    /// <summary>Creates a router; <paramref name="options"/> gives the bound on waiting for an announcement.</summary>
    public InboundRouter(TransportOptions options) => _unannouncedTimeout = options.UnannouncedFrameTimeout;

    /// <summary>Frames waiting for the announcement or registration of their run (a test and diagnostics view).</summary>
    public int Waiting => Volatile.Read(ref _waitingFrames);

    /// <summary>Frames dropped because their run had already ended.</summary>
    public long DroppedFrames => Interlocked.Read(ref _droppedFrames);

    /// <summary>Highest announced sequence number.</summary>
    public ulong Announced
    {
        get
        {
            lock (_gate)
            {
                return _announced;
            }
        }
    }

    /// <summary>
    /// Registers the sink for run <paramref name="sequence"/> of <paramref name="tag"/>, receiving from
    /// <paramref name="source"/>, and announces the sequence number.
    /// </summary>
    /// <exception cref="InvalidOperationException">The sequence number is already registered.</exception>
    public void Register(ulong sequence, ulong tag, Guid source, IInboundSink sink) => Register(sequence, new Registration(tag, source, null, sink));

    /// <summary>
    /// Registers the sink for run <paramref name="sequence"/> of <paramref name="tag"/>, receiving from every peer in
    /// <paramref name="sources"/> (a run that hears from all peers at once), and announces the sequence number.
    /// </summary>
    /// <exception cref="InvalidOperationException">The sequence number is already registered.</exception>
    public void Register(ulong sequence, ulong tag, IReadOnlyList<Guid> sources, IInboundSink sink) =>
        Register(sequence, new Registration(tag, Guid.Empty, sources.ToArray(), sink));

    private void Register(ulong sequence, Registration registration)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            if (!_sinks.TryAdd(sequence, registration))
            {
                throw new InvalidOperationException($"sequence number {sequence} is already registered");
            }

            _reserved.Remove(sequence);

            signal = AnnounceLocked(sequence);
        }

        signal.TrySetResult();
    }

    /// <summary>
    /// Keeps frames of <paramref name="sequence"/> waiting (bounded, like unannounced ones) even when a higher number was
    /// announced first: a sequence number the master reserved for a later op (a ticket) may be registered after numbers
    /// issued after it. Registering it or <see cref="Release"/> ends the reservation.
    /// </summary>
    public void Reserve(ulong sequence)
    {
        lock (_gate)
        {
            _reserved.Add(sequence);
        }
    }

    /// <summary>Ends a reservation that will not be used; frames still waiting for it are dropped like late ones.</summary>
    public void Release(ulong sequence)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            if (!_reserved.Remove(sequence))
            {
                return;
            }

            signal = _announcement;
            _announcement = NewSignal();
        }

        signal.TrySetResult();
    }

    /// <summary>Marks every sequence number up to <paramref name="sequence"/> as decided (used for runs this peer has no sink for).</summary>
    public void Announce(ulong sequence)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            signal = AnnounceLocked(sequence);
        }

        signal.TrySetResult();
    }

    /// <summary>Removes the sink of a finished run; its late frames are dropped from now on.</summary>
    public void Unregister(ulong sequence)
    {
        lock (_gate)
        {
            _sinks.Remove(sequence);
        }
    }

    /// <summary>Fails every sink receiving from <paramref name="source"/> whose sequence number is at most <paramref name="upToSequence"/>.</summary>
    public void FailSource(Guid source, Exception reason, ulong upToSequence = ulong.MaxValue)
    {
        List<IInboundSink> failed = [];
        lock (_gate)
        {
            foreach ((ulong sequence, Registration registration) in _sinks)
            {
                if (registration.Accepts(source) && sequence <= upToSequence)
                {
                    failed.Add(registration.Sink);
                }
            }
        }

        foreach (IInboundSink sink in failed)
        {
            sink.OnSourceFailed(reason);
        }
    }

    /// <summary>Takes an accepted inbound data connection: tracks its pool and starts it with this router as handler.</summary>
    public void Adopt(FramedConnection connection)
    {
        lock (_gate)
        {
            var key = (connection.RemoteId, connection.Hello.PoolId);
            if (!_pools.TryGetValue(key, out List<FramedConnection>? pool))
            {
                _pools[key] = pool = [];
            }

            pool.Add(connection);
        }

        connection.Start(this);
    }

    /// <summary>Breaks every inbound connection (shutdown).</summary>
    public void BreakAll(Exception reason)
    {
        List<FramedConnection> all;
        lock (_gate)
        {
            all = _pools.Values.SelectMany(p => p).ToList();
        }

        foreach (FramedConnection connection in all)
        {
            connection.Break(reason);
        }
    }

    /// <summary>Payload bytes handed to sinks.</summary>
    public long BytesRouted => Interlocked.Read(ref _bytesRouted);

    /// <summary>Every inbound connection currently open.</summary>
    public IReadOnlyList<FramedConnection> AllConnections()
    {
        lock (_gate)
        {
            return _pools.Values.SelectMany(p => p).ToList();
        }
    }

    /// <summary>Inbound connections currently open, per remote peer (for fault injection and statistics).</summary>
    public IReadOnlyList<FramedConnection> ConnectionsFrom(Guid remote)
    {
        lock (_gate)
        {
            return _pools.Where(p => p.Key.Remote == remote).SelectMany(p => p.Value).ToList();
        }
    }

    async ValueTask IFrameHandler.OnFrameAsync(FramedConnection connection, FrameHeader header, CancellationToken cancellationToken)
    {
        if (header.Kind != FrameKind.Data)
        {
            throw new ProtocolViolationException($"a {header.Kind} frame on a data connection");
        }

        connection.NoteSequence(header.Sequence);

        IInboundSink? sink = Resolve(header, connection.RemoteId, out Task? announcement);
        if (sink is null && announcement is not null)
        {
            sink = await AwaitAnnouncementAsync(header, connection.RemoteId, announcement, cancellationToken).ConfigureAwait(false);
        }

        if (sink is null)
        {
            Interlocked.Increment(ref _droppedFrames);
            return; // the connection skips the payload
        }

        await sink.OnFrameAsync(connection, header, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _bytesRouted, header.PayloadLength);
    }

    void IFrameHandler.OnConnectionClosed(FramedConnection connection, Exception reason)
    {
        List<FramedConnection>? pool;
        lock (_gate)
        {
            var key = (connection.RemoteId, connection.Hello.PoolId);
            if (_pools.Remove(key, out pool) is false)
            {
                pool = null;
            }
        }

        // A pool is one unit: with one connection gone its stream has a hole, so the rest go too. The runs that lose
        // data are the ones that used this pool; a later run of the same neighbour uses a new pool (the sender redials)
        // and must not be failed by a late close notice of the old one. Runs this pool never carried data for fail
        // through the master's verdict (the sender's run fails) or the progress deadline.
        ulong used = connection.HighestSequenceSeen;
        if (pool is not null)
        {
            foreach (FramedConnection other in pool)
            {
                used = Math.Max(used, other.HighestSequenceSeen);
                other.Break(reason);
            }
        }

        if (used > 0)
        {
            FailSource(connection.RemoteId, reason, used);
        }
    }

    private async ValueTask<IInboundSink?> AwaitAnnouncementAsync(FrameHeader header, Guid source, Task announcement, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _waitingFrames) > MaxWaitingFrames)
        {
            Interlocked.Decrement(ref _waitingFrames);
            throw new ProtocolViolationException(
                $"data for sequence number {header.Sequence} is not announced and {MaxWaitingFrames} frames already wait for their announcement");
        }

        try
        {
            IInboundSink? sink = null;
            Task? next = announcement;
            while (sink is null && next is not null)
            {
                try
                {
                    await next.WaitAsync(_unannouncedTimeout, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    throw new ProtocolViolationException(
                        $"data for sequence number {header.Sequence} (tag {header.Tag}) was never announced within {_unannouncedTimeout.TotalSeconds:F0} s");
                }

                sink = Resolve(header, source, out next);
            }

            return sink;
        }
        finally
        {
            Interlocked.Decrement(ref _waitingFrames);
        }
    }

    private IInboundSink? Resolve(FrameHeader header, Guid source, out Task? announcement)
    {
        lock (_gate)
        {
            announcement = null;
            if (_sinks.TryGetValue(header.Sequence, out Registration registration))
            {
                if (registration.Tag != header.Tag || !registration.Accepts(source))
                {
                    throw new ProtocolViolationException(
                        $"frame for sequence {header.Sequence} carries tag {header.Tag} from {source}, expected tag {registration.Tag} from {registration.Describe()}");
                }

                return registration.Sink;
            }

            if (header.Sequence > _announced || _reserved.Contains(header.Sequence))
            {
                announcement = _announcement.Task;
            }

            return null;
        }
    }

    private TaskCompletionSource AnnounceLocked(ulong sequence)
    {
        TaskCompletionSource signal = _announcement;
        if (sequence > _announced)
        {
            _announced = sequence;
        }

        _announcement = NewSignal();
        return signal;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A run's sink and who may send to it: one neighbour, or (<paramref name="Sources"/> set) any of several peers.</summary>
    private readonly record struct Registration(ulong Tag, Guid Source, Guid[]? Sources, IInboundSink Sink)
    {
        public bool Accepts(Guid source) => Sources is null ? source == Source : Array.IndexOf(Sources, source) >= 0;

        public string Describe() => Sources is null ? Source.ToString() : $"one of {Sources.Length} peers";
    }
}
