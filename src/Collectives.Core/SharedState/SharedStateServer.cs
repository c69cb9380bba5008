using Collectives.Transport;

namespace Collectives.SharedState;

/// <summary>
/// The donor side of shared-state transfer: accepts <see cref="ConnectionPurpose.SharedState"/> connections and answers
/// each request with data frames sent straight from the tensor's memory. It serves only while a sync of this peer
/// is running (one <see cref="ServingSession"/> at a time); anything else breaks the requesting connection.
/// </summary>
internal sealed class SharedStateServer : IFrameHandler
{
    private readonly object _gate = new();
    private readonly HashSet<FramedConnection> _connections = [];
    // Data frames are as large as a fetcher's request (capped by the payload limit): the fetcher already spreads its
    // requests over the pool, and every frame header costs the receiver a buffered read that copies up to a receive
    // buffer's worth of the following payload once more (25 % of the bytes with 256 KiB stripes, under 2 % at 4 MiB).
    private const int PreferredFrameBytes = 4 << 20;

    private readonly int _frameBytes;
    private ServingSession? _session;

    public SharedStateServer(TransportOptions options) =>
        _frameBytes = (int)Math.Max((uint)options.StripeSize, Math.Min(options.MaxDataPayloadLength, PreferredFrameBytes));

    /// <summary>Starts serving <paramref name="entries"/> (tensor bytes in name order) until the session is stopped.</summary>
    public ServingSession Serve(IReadOnlyList<Memory<byte>> entries)
    {
        lock (_gate)
        {
            if (_session is not null)
            {
                throw new CollectivesException(ErrorCode.InvalidUsage, "a shared-state sync is already running on this peer");
            }

            _session = new ServingSession(this, entries);
            return _session;
        }
    }

    /// <summary>Fault injection: new connections start frozen while set (see <c>Communicator.SimulateStall</c>).</summary>
    public bool Stalled { get; set; }

    public void Adopt(FramedConnection connection)
    {
        lock (_gate)
        {
            _connections.Add(connection);
        }

        if (Stalled)
        {
            connection.InjectStall();
        }

        connection.Start(this);
    }

    public IReadOnlyList<FramedConnection> AllConnections()
    {
        lock (_gate)
        {
            return [.. _connections];
        }
    }

    public void BreakAll(Exception reason)
    {
        List<FramedConnection> all;
        lock (_gate)
        {
            all = [.. _connections];
        }

        foreach (FramedConnection connection in all)
        {
            connection.Break(reason);
        }
    }

    async ValueTask IFrameHandler.OnFrameAsync(FramedConnection connection, FrameHeader header, CancellationToken cancellationToken)
    {
        if (header.Kind != FrameKind.Control || header.PayloadLength != SharedStateRequest.Size)
        {
            throw new ProtocolViolationException($"unexpected {header.Kind} frame of {header.PayloadLength} bytes on a shared-state connection");
        }

        ReadOnlyMemory<byte> payload = await connection.ReadPayloadChunkAsync(cancellationToken).ConfigureAwait(false);
        SharedStateRequest request = SharedStateRequest.Read(payload.Span);
        ServingSession session;
        lock (_gate)
        {
            session = _session ?? throw new ProtocolViolationException("shared state requested while this peer is not syncing");
        }

        session.Answer(connection, header.Tag, request, _frameBytes);
    }

    void IFrameHandler.OnConnectionClosed(FramedConnection connection, Exception reason)
    {
        lock (_gate)
        {
            _connections.Remove(connection);
        }
    }

    internal void End(ServingSession session)
    {
        lock (_gate)
        {
            if (_session == session)
            {
                _session = null;
            }
        }
    }
}

/// <summary>One sync's serving window: what may be sent, and the frames still referencing the caller's memory.</summary>
internal sealed class ServingSession
{
    private readonly SharedStateServer _server;
    private readonly IReadOnlyList<Memory<byte>> _entries;
    private readonly SendTracker _tracker = new();
    private readonly object _sessionGate = new();
    private bool _closed;

    public ServingSession(SharedStateServer server, IReadOnlyList<Memory<byte>> entries)
    {
        _server = server;
        _entries = entries;
    }

    /// <summary>Bytes sent to fetching peers.</summary>
    public long BytesSent => _tracker.BytesWritten;

    public void Answer(FramedConnection connection, ulong requestId, SharedStateRequest request, int frameBytes)
    {
        lock (_sessionGate)
        {
            if (_closed)
            {
                throw new ProtocolViolationException("shared state requested after the sync round ended");
            }

            if (request.EntryIndex >= (uint)_entries.Count)
            {
                throw new ProtocolViolationException($"shared-state request for entry {request.EntryIndex} of {_entries.Count}");
            }

            Memory<byte> entry = _entries[(int)request.EntryIndex];
            if (request.Offset > (ulong)entry.Length || request.Length > (ulong)entry.Length - request.Offset)
            {
                throw new ProtocolViolationException($"shared-state request [{request.Offset}, +{request.Length}) beyond a {entry.Length}-byte tensor");
            }

            int offset = (int)request.Offset;
            int length = (int)request.Length;
            int frames = (int)Math.Max(1, ((long)length + frameBytes - 1) / frameBytes);
            _tracker.Expect(frames);
            for (int i = 0; i < frames; i++)
            {
                int from = i * frameBytes;
                int n = Math.Min(frameBytes, length - from);
                connection.TrySend(new FrameHeader(FrameKind.Data, 0, (uint)n, requestId, request.Round, (ulong)from),
                    entry.Slice(offset + from, n), _tracker);
            }
        }
    }

    /// <summary>
    /// Stops serving and waits until no frame references the tensors any more. On failure the unsent frames are
    /// skipped; if something is stuck on a stalled connection past <paramref name="timeout"/>, the connections are broken.
    /// </summary>
    public async Task StopAsync(bool abandon, TimeSpan timeout)
    {
        lock (_sessionGate)
        {
            _closed = true;
        }

        _server.End(this);
        if (abandon)
        {
            _tracker.Abandon();
        }

        Task drained = _tracker.DrainAsync().ContinueWith(static _ => { }, TaskScheduler.Default);
        try
        {
            await drained.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _tracker.Abandon();
            _server.BreakAll(new ConnectionLostException(ErrorCode.RankConnectionLost, "shared-state transfer did not drain"));
            await drained.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
    }
}
