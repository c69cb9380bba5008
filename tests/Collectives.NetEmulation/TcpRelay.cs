using System.Net;
using System.Net.Sockets;

namespace Collectives.NetEmulation;

/// <summary>
/// A user-space TCP relay that makes every connection through it behave like a window-limited stream on a long fat
/// pipe (see <see cref="RelayOptions"/>). Put it in front of a listener and let clients dial <see cref="LocalEndPoint"/>
/// instead: a Communicator does so when its <c>AdvertisedAddress</c>/<c>AdvertisedPort</c> name the relay.
/// </summary>
/// <remarks>
/// The relay listens in <c>listenIn</c> and dials the target from <c>dialFrom</c> (null: this process's own namespace),
/// so a relay can also carry traffic from one <see cref="WanHost"/> to another and across their rate-limited links.
/// Each accepted connection gets one outbound connection; both directions are delayed and capped independently.
/// </remarks>
public sealed class TcpRelay : IAsyncDisposable
{
    private static readonly TimeSpan DisposeBound = TimeSpan.FromSeconds(5);

    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly RelayOptions _options;
    private readonly NetNamespace? _dialFrom;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<RelayedConnection> _connections = [];
    private readonly Task _acceptLoop;
    private long _bytesToTarget;
    private long _bytesFromTarget;

    /// <summary>Starts relaying connections from <paramref name="listen"/> (default 127.0.0.1, any port) to <paramref name="target"/>.</summary>
    /// <param name="target">Where accepted connections are forwarded.</param>
    /// <param name="options">Delay and in-flight cap per connection.</param>
    /// <param name="listen">Where to listen; port 0 picks a free port.</param>
    /// <param name="listenIn">The namespace to listen in; null for this process's.</param>
    /// <param name="dialFrom">The namespace the outbound connections start from; null for this process's.</param>
    /// <exception cref="SocketException">The listen address cannot be bound.</exception>
    public TcpRelay(IPEndPoint target, RelayOptions options, IPEndPoint? listen = null, NetNamespace? listenIn = null, NetNamespace? dialFrom = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _target = target;
        _options = options;
        _dialFrom = dialFrom;
        listen ??= new IPEndPoint(IPAddress.Loopback, 0);
        if (listenIn is null)
        {
            _listener = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _listener.Bind(listen);
            _listener.Listen(128);
        }
        else
        {
            _listener = listenIn.Listen(listen, 128);
        }

        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Where clients should connect.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The relay's settings.</summary>
    public RelayOptions Options => _options;

    /// <summary>Bytes delivered to the target, all connections together.</summary>
    public long BytesToTarget => Interlocked.Read(ref _bytesToTarget);

    /// <summary>Bytes delivered back to the clients, all connections together.</summary>
    public long BytesFromTarget => Interlocked.Read(ref _bytesFromTarget);

    /// <summary>
    /// Bytes towards the target currently in flight under the cap, all open connections together: compared with
    /// connections × cap it says whether the senders keep the emulated pipe full.
    /// </summary>
    public long InFlightToTarget
    {
        get
        {
            lock (_connections)
            {
                return _connections.Sum(c => c.Forward?.InFlight ?? 0);
            }
        }
    }

    /// <summary>Connections accepted so far (open or closed).</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_connections)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Stops listening and closes every relayed connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        RelayedConnection[] open;
        lock (_connections)
        {
            open = [.. _connections];
        }

        foreach (RelayedConnection connection in open)
        {
            connection.Abort();
        }

        Task all = Task.WhenAll(open.Select(c => c.Completion).Append(_acceptLoop));
        await all.WaitAsync(DisposeBound).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                Socket inbound = await _listener.AcceptAsync(_stop.Token);
                Socket outbound = _dialFrom?.CreateTcpSocket(_target.AddressFamily) ?? new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                var connection = new RelayedConnection(inbound, outbound);
                connection.Start(_target, _options, this, _stop.Token);
                lock (_connections)
                {
                    _connections.Add(connection);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopped
        }
    }

    private sealed class RelayedConnection(Socket inbound, Socket outbound)
    {
        private int _aborted;

        public Task Completion { get; private set; } = Task.CompletedTask;

        public DelayPump? Forward { get; private set; }

        public void Start(IPEndPoint target, RelayOptions options, TcpRelay relay, CancellationToken stop) =>
            Completion = RunAsync(target, options, relay, stop);

        public void Abort()
        {
            if (Interlocked.Exchange(ref _aborted, 1) == 0)
            {
                inbound.Dispose();
                outbound.Dispose();
            }
        }

        private async Task RunAsync(IPEndPoint target, RelayOptions options, TcpRelay relay, CancellationToken stop)
        {
            try
            {
                inbound.NoDelay = true;
                outbound.NoDelay = true;
                await outbound.ConnectAsync(target, stop);
                Forward = new DelayPump(inbound, outbound, options, n => Interlocked.Add(ref relay._bytesToTarget, n), Abort);
                var backward = new DelayPump(outbound, inbound, options, n => Interlocked.Add(ref relay._bytesFromTarget, n), Abort);
                await Task.WhenAll(Forward.RunAsync(stop), backward.RunAsync(stop));
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // the connection (or the relay) ended; the peer sees a reset or EOF
            }
            finally
            {
                Abort();
            }
        }
    }
}
