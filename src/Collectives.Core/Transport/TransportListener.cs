using System.Net;
using System.Net.Sockets;
using Collectives.Transport.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

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
    private readonly int _maxPendingHandshakes;
    private readonly ILogger _logger;
    private Task _acceptLoop = Task.CompletedTask;
    private int _rejectedHandshakes;
    private int _disposed;

    /// <summary>Binds (port 0 picks a free port) and listens; call <see cref="Start"/> to begin accepting.</summary>
    /// <param name="bindTo">Address and port to listen on.</param>
    /// <param name="localId">This side's identity, sent in the handshake reply.</param>
    /// <param name="protocolVersion">The only protocol version accepted.</param>
    /// <param name="options">Limits, timeouts, run secret and TLS settings.</param>
    /// <param name="acceptor">Decides on and takes over accepted connections.</param>
    /// <param name="maxPendingHandshakes">Connections allowed in their handshake at once; more are closed on arrival.</param>
    /// <param name="logger">Where dropped and refused handshakes are reported, with their reason.</param>
    public TransportListener(IPEndPoint bindTo, Guid localId, int protocolVersion, TransportOptions options, IConnectionAcceptor acceptor,
        int maxPendingHandshakes = 64, ILogger? logger = null)
    {
        _localId = localId;
        _maxPendingHandshakes = maxPendingHandshakes;
        _logger = logger ?? NullLogger.Instance;
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
                TransportLog.OverPendingCap(_logger, RemoteOf(client), _maxPendingHandshakes);
                client.Dispose();
                continue;
            }

            _ = HandshakeAsync(client);
        }
    }

    private async Task HandshakeAsync(Socket socket)
    {
        EndPoint? remote = RemoteOf(socket);
        IByteStream? stream = null;
        BufferedReceiver? receiver = null;
        bool handedOver = false;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        deadline.CancelAfter(_options.HandshakeTimeout);
        try
        {
            SocketSetup.Configure(socket, _options);
            stream = await TlsHandshake.ServerAsync(socket, _options.Tls, deadline.Token).ConfigureAwait(false);
            receiver = new BufferedReceiver(stream, _options.ReceiveBufferSize);
            (HandshakeHello hello, HandshakeStatus status) = await HandshakeExchange.RunServerAsync(
                stream, receiver, _localId, _protocolVersion, _options.Secret, _acceptor.Check, deadline.Token).ConfigureAwait(false);
            if (status != HandshakeStatus.Accepted)
            {
                Interlocked.Increment(ref _rejectedHandshakes);
                if (status == HandshakeStatus.AuthenticationFailed)
                {
                    TransportLog.AuthenticationFailed(_logger, remote, $"wrong proof of the run secret for a {hello.Purpose} connection");
                }
                else
                {
                    TransportLog.Refused(_logger, hello.Purpose, remote, status);
                }

                _acceptor.OnRefused(hello, status, remote);
                return;
            }

            var connection = new FramedConnection(socket, stream, receiver, _options, hello, hello.SenderId, isInitiator: false, _logger);
            handedOver = true;
            _acceptor.OnConnected(connection);
        }
        catch (Exception e)
        {
            // Whatever a stranger's bytes provoke ends here, logged: this task is never observed by anyone.
            Interlocked.Increment(ref _rejectedHandshakes);
            if (e is CollectivesException { ErrorCode: ErrorCode.AuthenticationFailed })
            {
                TransportLog.AuthenticationFailed(_logger, remote, e.Message);
            }
            else if (!_stop.IsCancellationRequested)
            {
                TransportLog.HandshakeDropped(_logger, remote, DescribeDrop(e));
            }
        }
        finally
        {
            _handshakeSlots.Release();
            if (!handedOver)
            {
                receiver?.Dispose();
                stream?.Release();
                socket.Dispose();
            }
        }
    }

    private string DescribeDrop(Exception e) => e switch
    {
        OperationCanceledException => $"no complete handshake within {_options.HandshakeTimeout.TotalMilliseconds:F0} ms",
        EndOfStreamException => "closed before completing the handshake",
        CollectivesException or SocketException or IOException or ObjectDisposedException => e.Message,
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    private static EndPoint? RemoteOf(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return null; // reset before we asked
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
