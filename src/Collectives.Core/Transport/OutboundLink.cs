using System.Net;

namespace Collectives.Transport;

/// <summary>
/// The sending side of a link to one neighbour: a pool of TCP connections. A payload larger than one stripe is cut
/// into stripes that go round-robin over every connection of the pool, so a single large operation uses all of them;
/// concurrent operations interleave frame by frame. If any connection breaks, the whole link breaks (its data is
/// incomplete) and is replaced by a fresh one on the next use.
/// </summary>
public sealed class OutboundLink : IAsyncDisposable, IFrameHandler, IDataSender
{
    private readonly FramedConnection[] _connections;
    private readonly int _stripeSize;
    private int _nextConnection;
    private Exception? _breakReason;

    private OutboundLink(FramedConnection[] connections, int stripeSize)
    {
        _connections = connections;
        _stripeSize = stripeSize;
        RemoteId = connections[0].RemoteId;
    }

    /// <summary>Identity of the neighbour.</summary>
    public Guid RemoteId { get; }

    /// <summary>Number of connections in the pool.</summary>
    public int PoolSize => _connections.Length;

    /// <summary>The connections (for fault injection and statistics).</summary>
    public IReadOnlyList<FramedConnection> Connections => _connections;

    /// <summary>The first reason any connection of the pool broke, or null.</summary>
    public Exception? BreakReason => Volatile.Read(ref _breakReason);

    /// <summary>True once any connection of the pool broke.</summary>
    public bool IsBroken => BreakReason is not null;

    /// <summary>Opens <paramref name="poolSize"/> connections in parallel to <paramref name="remote"/>; all or nothing.</summary>
    /// <exception cref="ConnectionLostException">A connection could not be established (code <paramref name="failureCode"/>).</exception>
    public static async Task<OutboundLink> ConnectAsync(
        IPEndPoint remote, Guid localId, int protocolVersion, ConnectionPurpose purpose, int poolSize,
        TransportOptions options, ErrorCode failureCode, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(poolSize, 1);
        ulong poolId = (ulong)Random.Shared.NextInt64();
        var attempts = new Task<FramedConnection>[poolSize];
        for (int slot = 0; slot < poolSize; slot++)
        {
            var hello = new HandshakeHello(protocolVersion, purpose, localId, poolId, (ushort)slot, (ushort)poolSize);
            attempts[slot] = TransportConnector.ConnectAsync(remote, hello, options, failureCode, cancellationToken);
        }

        try
        {
            await Task.WhenAll(attempts).ConfigureAwait(false);
        }
        catch
        {
            foreach (Task<FramedConnection> attempt in attempts)
            {
                if (attempt.IsCompletedSuccessfully)
                {
                    await attempt.Result.DisposeAsync().ConfigureAwait(false);
                }
            }

            throw attempts.Select(a => a.Exception?.InnerException).FirstOrDefault(e => e is ConnectionLostException)
                  ?? attempts.Select(a => a.Exception?.InnerException).FirstOrDefault(e => e is not null) ?? new OperationCanceledException(cancellationToken);
        }

        var link = new OutboundLink(attempts.Select(a => a.Result).ToArray(), options.StripeSize);
        foreach (FramedConnection connection in link._connections)
        {
            connection.Start(link);
        }

        return link;
    }

    /// <summary>Number of frames <see cref="Send"/> produces for a payload of <paramref name="length"/> bytes.</summary>
    public int FrameCount(int length) => length == 0 ? 1 : (length + _stripeSize - 1) / _stripeSize;

    /// <summary>
    /// Queues <paramref name="payload"/> (which stays in the caller's memory until <paramref name="tracker"/> drains)
    /// as data frames for (<paramref name="tag"/>, <paramref name="sequence"/>) starting at stream offset
    /// <paramref name="offset"/>, striped over the pool. Never blocks; failures reach the tracker.
    /// </summary>
    public void Send(ulong tag, ulong sequence, ulong offset, ReadOnlyMemory<byte> payload, SendTracker tracker)
    {
        int frames = FrameCount(payload.Length);
        tracker.Expect(frames);
        int start = Interlocked.Add(ref _nextConnection, frames) - frames;
        for (int i = 0; i < frames; i++)
        {
            int from = i * _stripeSize;
            ReadOnlyMemory<byte> stripe = payload.Slice(from, Math.Min(_stripeSize, payload.Length - from));
            FramedConnection connection = _connections[(int)((uint)(start + i) % (uint)_connections.Length)];
            connection.TrySend(new FrameHeader(FrameKind.Data, 0, (uint)stripe.Length, tag, sequence, offset + (ulong)from), stripe, tracker);
        }
    }

    /// <summary>Breaks every connection of the pool with <paramref name="reason"/>.</summary>
    public void Break(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _breakReason, reason, null) is not null)
        {
            return;
        }

        foreach (FramedConnection connection in _connections)
        {
            connection.Break(reason);
        }
    }

    ValueTask IFrameHandler.OnFrameAsync(FramedConnection connection, FrameHeader header, CancellationToken cancellationToken) =>
        throw new ProtocolViolationException("a neighbour sent frames back on an outbound data connection");

    void IFrameHandler.OnConnectionClosed(FramedConnection connection, Exception reason) => Break(reason);

    /// <summary>Breaks and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        Break(new ConnectionLostException(ErrorCode.RankConnectionLost, "link closed locally"));
        foreach (FramedConnection connection in _connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
