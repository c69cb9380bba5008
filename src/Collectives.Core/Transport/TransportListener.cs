using System.Net;
using System.Net.Sockets;
using Collectives.Transport.Internal;

namespace Collectives.Transport;

/// <summary>
/// Accepts TCP connections on one port, runs the handshake under a deadline, and hands accepted connections to an
/// <see cref="IConnectionAcceptor"/>. Slow or garbage handshakes are dropped without affecting anyone else, and the
/// number of connections still in their handshake is capped.
/// </summary>
public sealed class TransportListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Guid _localId;
    private readonly int _protocolVersion;
    private readonly TransportOptions _options;
    private readonly IConnectionAcceptor _acceptor;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _handshakeSlots;
    private Task _acceptLoop = Task.CompletedTask;
    private int _rejectedHandshakes;
    private int _disposed;

    /// <summary>Binds (port 0 picks a free port) and listens; call <see cref="Start"/> to begin accepting.</summary>
    public TransportListener(
        IPEndPoint bindTo, Guid localId, int protocolVersion, TransportOptions options, IConnectionAcceptor acceptor, int maxPendingHandshakes = 64)
    {
        _localId = localId;
        _protocolVersion = protocolVersion;
        _options = options;
        _acceptor = acceptor;
        _handshakeSlots = new SemaphoreSlim(maxPendingHandshakes, maxPendingHandshakes);
        _socket = new Socket(bindTo.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // SO_REUSEADDR alone: a restarted master can bind while old connections sit in TIME_WAIT. .NET's
            // ReuseAddress would also set SO_REUSEPORT on Linux, letting two listeners silently share one port.
            if (OperatingSystem.IsLinux())
            {
                _socket.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, BitConverter.GetBytes(1));
            }

            _socket.Bind(bindTo);
            _socket.Listen(512);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    /// <summary>The bound address and port.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Connections dropped during the handshake (garbage, timeout, refused, over the pending cap).</summary>
    public int RejectedHandshakes => Volatile.Read(ref _rejectedHandshakes);

    /// <summary>Starts the accept loop.</summary>
    public void Start() => _acceptLoop = Task.Run(AcceptLoopAsync);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                continue; // e.g. the client reset before accept completed
            }

            if (!_handshakeSlots.Wait(0))
            {
                Interlocked.Increment(ref _rejectedHandshakes);
                client.Dispose();
                continue;
            }

            _ = HandshakeAsync(client);
        }
    }

    private async Task HandshakeAsync(Socket socket)
    {
        var receiver = new BufferedReceiver(new SocketByteSource(socket), _options.ReceiveBufferSize);
        bool handedOver = false;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        deadline.CancelAfter(_options.HandshakeTimeout);
        try
        {
            SocketSetup.Configure(socket, _options);
            (HandshakeHello hello, HandshakeStatus status) = await HandshakeExchange.RunServerAsync(
                socket, receiver, _localId, _protocolVersion, _options.Secret, _acceptor.Check, deadline.Token).ConfigureAwait(false);
            if (status != HandshakeStatus.Accepted)
            {
                Interlocked.Increment(ref _rejectedHandshakes);
                _acceptor.OnRefused(hello, status, socket.RemoteEndPoint);
                return;
            }

            var connection = new FramedConnection(socket, receiver, _options, hello, hello.SenderId, isInitiator: false);
            handedOver = true;
            _acceptor.OnConnected(connection);
        }
        catch (Exception e) when (e is CollectivesException or OperationCanceledException or SocketException
                                      or EndOfStreamException or ObjectDisposedException or IOException)
        {
            Interlocked.Increment(ref _rejectedHandshakes);
        }
        finally
        {
            _handshakeSlots.Release();
            if (!handedOver)
            {
                receiver.Dispose();
                socket.Dispose();
            }
        }
    }

    /// <summary>Stops accepting and closes the listening socket. Connections already handed over are not touched.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        try
        {
            await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The loop only waits on the disposed socket.
        }

        _stop.Dispose();
    }
}
