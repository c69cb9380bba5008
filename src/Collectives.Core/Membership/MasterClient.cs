using System.Buffers;
using System.Net;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using Collectives.Transport;

namespace Collectives.Membership;

/// <summary>Receives what the master sends; called on the control connection's receive loop, in order.</summary>
internal interface IMasterListener
{
    /// <summary>One message from the master.</summary>
    void OnMasterMessage(ServerMessage message);

    /// <summary>The control connection is gone (broken, master silent, kicked, or closed locally). Called once.</summary>
    void OnMasterLost(CollectivesException reason);
}

/// <summary>
/// The peer's end of the control connection: encodes and sends <see cref="ClientMessage"/>s, decodes
/// <see cref="ServerMessage"/>s in order, sends heartbeats, and declares the master lost when it falls silent.
/// </summary>
internal sealed class MasterClient : IFrameHandler, IAsyncDisposable
{
    private readonly FramedConnection _connection;
    private readonly IMasterListener _listener;
    private readonly TimeSpan _heartbeatInterval;
    private readonly TimeSpan _masterTimeout;
    private readonly ArrayBufferWriter<byte> _encoder = new(256);
    private readonly object _sendGate = new();
    private readonly CancellationTokenSource _stop = new();
    private long _lastHeard = Environment.TickCount64;
    private Task _heartbeats = Task.CompletedTask;
    private int _lost;

    private MasterClient(FramedConnection connection, IMasterListener listener, TimeSpan heartbeatInterval, TimeSpan masterTimeout)
    {
        _connection = connection;
        _listener = listener;
        _heartbeatInterval = heartbeatInterval;
        _masterTimeout = masterTimeout;
    }

    /// <summary>Where the master is.</summary>
    public IPEndPoint? RemoteEndPoint => _connection.RemoteEndPoint;

    /// <summary>The control connection, for fault injection.</summary>
    public FramedConnection Connection => _connection;

    /// <summary>Dials the master and starts receiving; the caller registers next.</summary>
    /// <exception cref="ConnectionLostException">MasterConnectionFailed: unreachable, refused or timed out.</exception>
    public static async Task<MasterClient> ConnectAsync(
        IPEndPoint master, TransportOptions transport, TimeSpan heartbeatInterval, TimeSpan masterTimeout,
        IMasterListener listener, CancellationToken cancellationToken)
    {
        var hello = new HandshakeHello(ProtocolVersion.Current, ConnectionPurpose.Control, Guid.NewGuid(), 0, 0, 1);
        FramedConnection connection = await TransportConnector.ConnectAsync(
            master, hello, transport, ErrorCode.MasterConnectionFailed, cancellationToken).ConfigureAwait(false);
        var client = new MasterClient(connection, listener, heartbeatInterval, masterTimeout);
        connection.Start(client);
        client._heartbeats = Task.Run(client.HeartbeatLoopAsync);
        return client;
    }

    /// <summary>Sends a message; throws MasterConnectionFailed when the connection is gone.</summary>
    public void Send(ClientMessage message)
    {
        lock (_sendGate)
        {
            _encoder.ResetWrittenCount();
            ControlMessageCodec.Write(_encoder, message);
            if (!_connection.TrySendCopy(FrameKind.Control, 0, _encoder.WrittenSpan))
            {
                throw new ConnectionLostException(ErrorCode.MasterConnectionFailed,
                    $"the master connection is closed: {_connection.BreakReason?.Message ?? "closed"}", _connection.BreakReason);
            }
        }
    }

    async ValueTask IFrameHandler.OnFrameAsync(FramedConnection connection, FrameHeader header, CancellationToken cancellationToken)
    {
        if (header.Kind != FrameKind.Control)
        {
            throw new ProtocolViolationException($"a {header.Kind} frame on the control connection");
        }

        int length = connection.PayloadRemaining;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
        try
        {
            await connection.ReadPayloadAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            ServerMessage message = ControlMessageCodec.ReadServerMessage(new ReadOnlySequence<byte>(buffer, 0, length), ProtocolLimits.Default);
            Interlocked.Exchange(ref _lastHeard, Environment.TickCount64);
            if (message is not MasterHeartbeat)
            {
                _listener.OnMasterMessage(message);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    void IFrameHandler.OnConnectionClosed(FramedConnection connection, Exception reason) =>
        Lose(reason is CollectivesException { ErrorCode: ErrorCode.MasterConnectionFailed or ErrorCode.Kicked } typed
            ? typed
            : new ConnectionLostException(ErrorCode.MasterConnectionFailed, $"master connection lost: {reason.Message}", reason));

    /// <summary>Breaks the connection with <paramref name="reason"/> (e.g. after a kick).</summary>
    public void Break(CollectivesException reason) => _connection.Break(reason);

    private void Lose(CollectivesException reason)
    {
        if (Interlocked.Exchange(ref _lost, 1) == 0)
        {
            _stop.Cancel();
            _listener.OnMasterLost(reason);
        }
    }

    private async Task HeartbeatLoopAsync()
    {
        using var timer = new PeriodicTimer(_heartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                long silent = Environment.TickCount64 - Interlocked.Read(ref _lastHeard);
                if (silent > _masterTimeout.TotalMilliseconds)
                {
                    _connection.Break(new ConnectionLostException(ErrorCode.MasterConnectionFailed,
                        $"the master has been silent for {silent} ms (timeout {_masterTimeout.TotalMilliseconds:F0} ms)"));
                    return;
                }

                try
                {
                    Send(new PeerHeartbeat());
                }
                catch (ConnectionLostException)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    /// <summary>Tells the master we leave (best effort), then closes.</summary>
    public async ValueTask LeaveAsync(TimeSpan timeout)
    {
        try
        {
            Send(new Leave());
        }
        catch (ConnectionLostException)
        {
            // Already gone: nothing to tell.
        }

        await _connection.CloseAsync(timeout).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        Lose(new ConnectionLostException(ErrorCode.MasterConnectionFailed, "communicator closed"));
        await _connection.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _heartbeats.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The loop only waits on its timer, cancelled above.
        }

        _stop.Dispose();
    }
}
