using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Collectives.Transport.Internal;
using Microsoft.Extensions.Logging;

namespace Collectives.Transport;

/// <summary>
/// One TCP (optionally TLS) connection carrying frames (<see cref="FrameHeader"/> + payload) both ways. Sending is queued and zero-copy
/// (payloads are written from the sender's memory); receiving hands each frame to an <see cref="IFrameHandler"/>,
/// which can receive a payload straight into its destination. The connection breaks once, keeps the first reason,
/// and fails every queued frame and the handler with it.
/// </summary>
public sealed partial class FramedConnection : IAsyncDisposable, IPayloadReader
{
    private readonly IByteStream _stream;
    private readonly ILogger? _logger;
    private readonly BufferedReceiver _receiver;
    private readonly TransportOptions _options;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Channel<OutgoingFrame> _sendQueue;
    private IFrameHandler? _handler;
    private Exception? _breakReason;
    private Task _sendLoop = Task.CompletedTask;
    private Task _receiveLoop = Task.CompletedTask;
    private int _started;

    internal FramedConnection(Socket socket, IByteStream stream, BufferedReceiver receiver, TransportOptions options, HandshakeHello hello,
        Guid remoteId, bool isInitiator, ILogger? logger = null)
    {
        _logger = logger;
        _stream = stream;
        _receiver = receiver;
        _options = options;
        Hello = hello;
        RemoteId = remoteId;
        IsInitiator = isInitiator;
        RemoteEndPoint = socket.RemoteEndPoint as IPEndPoint;
        // Small frames of any connection are written by the sending thread itself when the connection is idle
        // (TryWriteInline). Beyond that, control connections also run the send loop inline on the queueing thread
        // (synchronous continuations), so a large control message costs no thread hand-off either. Data and
        // shared-state connections keep the loop on its own pool thread for their large frames, so a receive loop that
        // forwards a piece goes straight back to receiving: inline sends of large pieces were measured at 8–17 % less
        // bandwidth at 64–256 MiB with 4 peers (benchmarks/RESULTS.md, session 2).
        bool inline = hello.Purpose == ConnectionPurpose.Control;
        _sendQueue = Channel.CreateUnbounded<OutgoingFrame>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = inline });
    }

    /// <summary>The handshake that opened this connection (purpose, pool, slot).</summary>
    public HandshakeHello Hello { get; }

    /// <summary>Identity of the other side, from the handshake.</summary>
    public Guid RemoteId { get; }

    /// <summary>True on the side that dialled.</summary>
    public bool IsInitiator { get; }

    /// <summary>The other side's address, for logs and for the master's view of where a peer is.</summary>
    public IPEndPoint? RemoteEndPoint { get; }

    /// <summary>The first reason the connection broke, or null while it is healthy.</summary>
    public Exception? BreakReason => Volatile.Read(ref _breakReason);

    /// <summary>True once the connection broke or was closed.</summary>
    public bool IsBroken => BreakReason is not null;

    /// <summary>Total payload bytes written to the socket.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Total payload bytes read from the socket.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Completes when both loops have ended (after a break or close).</summary>
    public Task Completion => Task.WhenAll(_sendLoop, _receiveLoop);

    /// <summary>Starts the send and receive loops; frames go to <paramref name="handler"/>.</summary>
    public void Start(IFrameHandler handler)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("the connection was already started");
        }

        _handler = handler;
        _sendLoop = Task.Run(SendLoopAsync);
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>
    /// Breaks the connection with <paramref name="reason"/> unless it is already broken: closes the socket, fails all
    /// queued frames and notifies the handler. Safe to call from any thread, any number of times.
    /// </summary>
    public void Break(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _breakReason, reason, null) is not null)
        {
            return;
        }

        _sendQueue.Writer.TryComplete();
        try
        {
            _shutdown.Cancel();
        }
        catch (AggregateException)
        {
            // A registration threw; the break still has to finish.
        }

        _stream.Abort();
        if (_logger is not null && reason is ProtocolViolationException)
        {
            TransportLog.ProtocolViolation(_logger, Hello.Purpose, RemoteEndPoint, reason.Message);
        }

        ReleaseStall();
        _handler?.OnConnectionClosed(this, reason);
    }

    /// <summary>Closes the connection gracefully: queued frames are still written first (bounded by <paramref name="timeout"/>).</summary>
    public async ValueTask CloseAsync(TimeSpan timeout)
    {
        _sendQueue.Writer.TryComplete();
        try
        {
            await _sendLoop.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Fall through to the hard close.
        }

        Break(new ConnectionLostException(ErrorCode.RankConnectionLost, "connection closed locally"));
    }

    /// <summary>Breaks the connection and waits for its loops to end.</summary>
    public async ValueTask DisposeAsync()
    {
        Break(new ConnectionLostException(ErrorCode.RankConnectionLost, "connection disposed"));
        try
        {
            await Completion.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The loops only wait on the closed socket; never block disposal forever.
        }

        _receiver.Dispose();
        _stream.Release();
        _shutdown.Dispose();
    }

    /// <summary>Wraps a low-level failure into the typed exception every waiter sees.</summary>
    internal Exception DescribeFailure(Exception e) => e switch
    {
        CollectivesException => e,
        OperationCanceledException when BreakReason is { } reason => reason,
        _ => new ConnectionLostException(ErrorCode.RankConnectionLost,
            $"connection to {RemoteEndPoint} ({Hello.Purpose}, slot {Hello.Slot}) broke: {e.Message}", e),
    };
}
