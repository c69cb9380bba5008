using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Threading.Channels;
using Collectives.Diagnostics;
using Collectives.Internal;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using Collectives.Topology;
using Collectives.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Collectives.Membership;

/// <summary>
/// The master: hosts the pure <see cref="MasterState"/> behind a TCP listener. Every connection event, message and
/// clock tick becomes an event on one queue, processed by one loop, so the state machine needs no locks and sees a
/// single order of events; its commands (send, close) are carried out by this class. It never carries tensor data.
/// </summary>
public sealed partial class MasterServer : IAsyncDisposable, IConnectionAcceptor, IFrameHandler
{
    private readonly MasterOptions _options;
    private readonly ILogger _logger;
    private readonly MasterState _state;
    // Synchronous continuations: a message arriving while the loop waits is applied on the receiving thread at once,
    // instead of waking the loop on another thread (a thread hop per master round trip, which small all-reduces pay
    // twice). Nothing writes to this channel while holding a lock the loop could need.
    private readonly Channel<MasterEvent> _events = Channel.CreateUnbounded<MasterEvent>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
    // Messages one connection may have decoded and queued but not yet applied. The state machine runs on one loop;
    // without a bound, a client flooding valid messages fills the queue faster than it drains and everyone else's
    // messages (heartbeats included) wait behind the flood until they time out. With it, a flooder's receive loop
    // waits, TCP pushes back on the flooder alone, and others wait behind at most this many of its messages.
    private const int MaxQueuedPerConnection = 64;
    private const int MaxBacklog = 4096;
    private readonly ConcurrentDictionary<FramedConnection, ConnectionId> _ids = new();
    private readonly ConcurrentDictionary<FramedConnection, SemaphoreSlim> _quotas = new();
    private readonly Dictionary<ConnectionId, FramedConnection> _connections = [];
    private readonly ArrayBufferWriter<byte> _encoder = new(1024);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Guid _id = Guid.NewGuid();
    private TransportListener? _listener;
    private Task _loop = Task.CompletedTask;
    private Task _ticker = Task.CompletedTask;
    private long _nextConnectionId;
    private int _started;
    private int _disposed;

    /// <summary>Creates a master; <see cref="Start"/> binds and runs it.</summary>
    public MasterServer(MasterOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? MasterOptions.Default;
        _options.Validate();
        if (_options.Transport.Secret is null && RunSecret.FromEnvironment() is { } secret)
        {
            _options = _options with { Transport = _options.Transport with { Secret = secret } };
        }

        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<MasterServer>();
        _state = new MasterState(new MasterStateOptions
        {
            PeerTimeout = _options.PeerTimeout,
            HeartbeatInterval = _options.HeartbeatInterval,
            Topology = _options.Topology,
            // Peer ids must never repeat across master restarts (a stale peer must not pass for a new one).
            PeerIdSeed = new UInt128((ulong)Random.Shared.NextInt64(), (ulong)Random.Shared.NextInt64()),
        })
        {
            // The ring solver may use its whole budget; on this loop it would hold up every heartbeat meanwhile.
            SolvesOffLoop = true,
        };
    }

    /// <summary>The bound endpoint (with the real port when the options asked for port 0). Valid after <see cref="Start"/>.</summary>
    public IPEndPoint LocalEndPoint => _listener?.LocalEndPoint ?? throw new InvalidOperationException("the master is not started");

    /// <summary>Completes when the master has stopped (after <see cref="Interrupt"/> or disposal).</summary>
    public Task Completion => _terminated.Task;

    /// <summary>Binds the listening socket and starts serving. Returns at once.</summary>
    /// <exception cref="System.Net.Sockets.SocketException">The address is in use or cannot be bound.</exception>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("the master was already started");
        }

        _listener = new TransportListener(_options.Listen, _id, ProtocolVersion.Current, _options.Transport, this, logger: _logger);
        _listener.Start();
        MasterLog.Listening(_logger, _listener.LocalEndPoint);
        if (_options.Transport.Secret is null && !IPAddress.IsLoopback(_options.Listen.Address))
        {
            MasterLog.NoSecretOnPublicAddress(_logger, _listener.LocalEndPoint);
        }

        _loop = Task.Run(EventLoopAsync);
        _ticker = Task.Run(TickLoopAsync);
    }

    /// <summary>Asks the master to stop; <see cref="Completion"/> completes when it has. Safe to call repeatedly.</summary>
    public void Interrupt()
    {
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already disposed: already stopped.
        }
    }

    /// <summary>
    /// A snapshot of the master's view (peers, rings, operations in flight). The state machine is read on the master's
    /// event loop, in order with every other event, so the snapshot is consistent; the caller's continuation does not
    /// run on that loop.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting (the request itself is cheap and still runs).</param>
    /// <exception cref="InvalidOperationException">The master is not started, or has stopped.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<MasterStatusSnapshot> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _started) == 0)
        {
            throw new InvalidOperationException("the master is not started");
        }

        var reply = new TaskCompletionSource<MasterStatusSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        reply.Task.ObserveFaults(); // the caller may have stopped waiting (its token) before a stopping master fails it
        if (!_events.Writer.TryWrite(new MasterEvent.StatusRequest(reply)))
        {
            throw new InvalidOperationException("the master is stopped");
        }

        return reply.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops the master, closes every connection, and waits (bounded) for its loops.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _terminated.Task.ConfigureAwait(false);
            return;
        }

        Interrupt();
        if (_listener is not null)
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
        }

        _events.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_loop, _ticker).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The loops only wait on the event queue and the timer, both stopped above.
        }

        foreach (FramedConnection connection in _ids.Keys)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        MasterLog.Stopped(_logger);
        _terminated.TrySetResult();
    }

    HandshakeStatus IConnectionAcceptor.Check(HandshakeHello hello) =>
        hello.Purpose == ConnectionPurpose.Control ? HandshakeStatus.Accepted : HandshakeStatus.Refused;

    void IConnectionAcceptor.OnConnected(FramedConnection connection)
    {
        if (_events.Reader.CanCount && _events.Reader.Count > MaxBacklog)
        {
            // Shed load before the state machine falls behind: a backlog this deep only comes from connection churn
            // (legitimate traffic keeps the queue near empty), and heartbeats queued behind it would make the master
            // and its peers think each other dead.
            MasterLog.Closing(_logger, 0, ErrorCode.MasterConnectionFailed, $"more than {MaxBacklog} events queued: refusing a new connection");
            _ = connection.DisposeAsync().AsTask();
            return;
        }

        var id = new ConnectionId(Interlocked.Increment(ref _nextConnectionId));
        _ids[connection] = id;
        MasterLog.ConnectionOpened(_logger, id.Value, connection.RemoteEndPoint);
        if (!_events.Writer.TryWrite(new MasterEvent.Opened(id, connection)))
        {
            connection.Break(new ConnectionLostException(ErrorCode.MasterConnectionFailed, "the master is shutting down"));
            return;
        }

        connection.Start(this);
    }

    async ValueTask IFrameHandler.OnFrameAsync(FramedConnection connection, FrameHeader header, CancellationToken cancellationToken)
    {
        if (header.Kind != FrameKind.Control)
        {
            throw new ProtocolViolationException($"a {header.Kind} frame on a control connection");
        }

        SemaphoreSlim quota = _quotas.GetOrAdd(connection, static _ => new SemaphoreSlim(MaxQueuedPerConnection, MaxQueuedPerConnection));
        await quota.WaitAsync(cancellationToken).ConfigureAwait(false);
        bool queued = false;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, connection.PayloadRemaining));
        try
        {
            int length = connection.PayloadRemaining;
            await connection.ReadPayloadAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            if (!_ids.TryGetValue(connection, out ConnectionId id))
            {
                return;
            }

            ClientMessage message;
            try
            {
                message = ControlMessageCodec.ReadClientMessage(new ReadOnlySequence<byte>(buffer, 0, length), ProtocolLimits.Default);
            }
            catch (ProtocolViolationException e)
            {
                // The state machine kicks the sender with the reason; the connection closes through its command.
                queued = _events.Writer.TryWrite(new MasterEvent.Malformed(id, e.Message, quota));
                return;
            }

            queued = _events.Writer.TryWrite(new MasterEvent.Message(id, message, quota));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (!queued)
            {
                quota.Release();
            }
        }
    }

    void IFrameHandler.OnConnectionClosed(FramedConnection connection, Exception reason)
    {
        _quotas.TryRemove(connection, out _);
        if (_ids.TryRemove(connection, out ConnectionId id))
        {
            MasterLog.ConnectionClosed(_logger, id.Value, reason.Message);
            _events.Writer.TryWrite(new MasterEvent.Closed(id, reason.Message));
        }
    }

    private TimeSpan Now => _clock.Elapsed;

    private async Task TickLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                _events.Writer.TryWrite(new MasterEvent.Tick());
            }
        }
        catch (OperationCanceledException)
        {
            // Interrupted.
        }
        finally
        {
            _events.Writer.TryComplete();
        }
    }

    private async Task EventLoopAsync()
    {
        ChannelReader<MasterEvent> reader = _events.Reader;
        try
        {
            while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                while (reader.TryRead(out MasterEvent? e))
                {
                    Apply(e);
                    Execute(_state.DrainOutbox());
                    StartSolves();
                    (e as MasterEvent.Message)?.Quota.Release();
                    (e as MasterEvent.Malformed)?.Quota.Release();
                }
            }
        }
        finally
        {
            foreach (FramedConnection connection in _connections.Values)
            {
                connection.Break(new ConnectionLostException(ErrorCode.MasterConnectionFailed, "the master stopped"));
            }

            // Only reached with events left if the loop failed: nobody will answer these status requests.
            while (reader.TryRead(out MasterEvent? left))
            {
                (left as MasterEvent.StatusRequest)?.Reply.TrySetException(new InvalidOperationException("the master is stopped"));
            }

            _terminated.TrySetResult();
        }
    }

    private void Apply(MasterEvent e)
    {
        TimeSpan now = Now;
        try
        {
            switch (e)
            {
                case MasterEvent.Opened opened:
                    _connections[opened.Id] = opened.Connection;
                    PeerEndpoint? observed = opened.Connection.RemoteEndPoint is { } remote
                        ? PeerEndpoint.FromIPEndPoint(remote)
                        : null;
                    _state.Connected(opened.Id, observed, now);
                    break;
                case MasterEvent.Message message:
                    if (_connections.ContainsKey(message.Id))
                    {
                        _state.Received(message.Id, message.Content, now);
                    }

                    break;
                case MasterEvent.Malformed malformed:
                    if (_connections.ContainsKey(malformed.Id))
                    {
                        _state.ReceivedMalformed(malformed.Id, malformed.Reason, now);
                    }

                    break;
                case MasterEvent.Closed closed:
                    if (_connections.Remove(closed.Id))
                    {
                        _state.Disconnected(closed.Id, closed.Reason, now);
                    }

                    break;
                case MasterEvent.Tick:
                    _state.Tick(now);
                    SendToAll(new MasterHeartbeat());
                    break;
                case MasterEvent.StatusRequest request:
                    request.Reply.TrySetResult(MasterStatusSnapshot.From(_state.GetStatus(), now));
                    break;
                case MasterEvent.Solved solved:
                    _state.CompleteSolve(solved.Request, solved.Solution, now);
                    break;
            }
        }
        catch (Exception ex) when (e is MasterEvent.Message)
        {
            // A bug in the state machine must not take the master down: drop the sender, keep serving everyone else.
            MasterLog.StateFailure(_logger, ex);
            var message = (MasterEvent.Message)e;
            if (_connections.Remove(message.Id, out FramedConnection? connection))
            {
                connection.Break(new CollectivesException(ErrorCode.InternalError, "master state failure"));
            }
        }
        catch (Exception ex) when (e is MasterEvent.StatusRequest request)
        {
            // A status display must never take the master down.
            request.Reply.TrySetException(ex);
        }
    }

    /// <summary>Runs the ring solves the state asked for on the thread pool; each answer comes back as an event.</summary>
    private void StartSolves()
    {
        while (_state.TryTakeSolveRequest(out RingSolveRequest? request))
        {
            _ = SolveOffLoopAsync(request);
        }
    }

    private async Task SolveOffLoopAsync(RingSolveRequest request)
    {
        RingSolution? solution = null;
        try
        {
            solution = await Task.Run(() => request.Solve(_stop.Token), _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // The master is stopping: nobody waits for the answer.
        }
        catch (Exception ex)
        {
            // A solver bug must not leave the group's call hanging: the state keeps the current ring.
            MasterLog.StateFailure(_logger, ex);
        }

        _events.Writer.TryWrite(new MasterEvent.Solved(request, solution));
    }

    private void Execute(IReadOnlyList<MasterCommand> commands)
    {
        foreach (MasterCommand command in commands)
        {
            switch (command)
            {
                case SendCommand send when _connections.TryGetValue(send.Connection, out FramedConnection? connection):
                    Send(connection, send.Message);
                    break;
                case CloseCommand close when _connections.Remove(close.Connection, out FramedConnection? connection):
                    if (close.ErrorCode == ErrorCode.Success)
                    {
                        MasterLog.Left(_logger, close.Connection.Value, close.Reason);
                    }
                    else
                    {
                        MasterLog.Closing(_logger, close.Connection.Value, close.ErrorCode, close.Reason);
                    }

                    if (close.ErrorCode == ErrorCode.Timeout)
                    {
                        // MasterState closes with Timeout only for a peer it heard nothing from within the peer timeout.
                        LibraryMetrics.RecordHeartbeatMiss();
                    }

                    _ids.TryRemove(connection, out _);
                    _quotas.TryRemove(connection, out _);
                    _ = connection.CloseAsync(TimeSpan.FromSeconds(1)).AsTask();
                    break;
            }
        }
    }

    private void SendToAll(ServerMessage message)
    {
        foreach (FramedConnection connection in _connections.Values)
        {
            Send(connection, message);
        }
    }

    private void Send(FramedConnection connection, ServerMessage message)
    {
        _encoder.ResetWrittenCount();
        ControlMessageCodec.Write(_encoder, message);
        connection.TrySendCopy(FrameKind.Control, 0, _encoder.WrittenSpan);
    }

    private abstract record MasterEvent
    {
        public sealed record Opened(ConnectionId Id, FramedConnection Connection) : MasterEvent;

        public sealed record Message(ConnectionId Id, ClientMessage Content, SemaphoreSlim Quota) : MasterEvent;

        public sealed record Closed(ConnectionId Id, string Reason) : MasterEvent;

        public sealed record Malformed(ConnectionId Id, string Reason, SemaphoreSlim Quota) : MasterEvent;

        public sealed record Tick : MasterEvent;

        public sealed record StatusRequest(TaskCompletionSource<MasterStatusSnapshot> Reply) : MasterEvent;

        public sealed record Solved(RingSolveRequest Request, RingSolution? Solution) : MasterEvent;
    }
}
