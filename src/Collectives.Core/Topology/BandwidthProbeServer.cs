using Collectives.Transport;

namespace Collectives.Topology;

/// <summary>
/// The receiving end of bandwidth probes: accepts <see cref="ConnectionPurpose.BandwidthProbe"/> connections (already
/// authenticated by the handshake) and discards their data frames while counting them. Once the probe's window (the
/// milliseconds the sender puts in each data frame's sequence field) has passed since the first frame, it sends the
/// sender a <see cref="ProbeReport"/> at once, so the sender can stop and drop whatever is still queued on a slow link
/// instead of waiting for it to drain; an empty control frame from the sender asks for the report early. Nothing is
/// buffered, so a probe costs the receiver no memory.
/// </summary>
internal sealed class BandwidthProbeServer : IFrameHandler
{
    /// <summary>
    /// Most probe connections held at once. A round has each peer receive on one link of at most 64 connections; the
    /// rest of the room absorbs stragglers of an earlier round. More is refused rather than served.
    /// </summary>
    public const int MaxConnections = 256;

    // A window longer than a minute is not a probe; clamping keeps a hostile value from meaning "never report".
    private const ulong MaxWindowMilliseconds = 60_000;

    private readonly object _gate = new();
    private readonly Dictionary<FramedConnection, Counter> _counters = [];

    public void Adopt(FramedConnection connection)
    {
        lock (_gate)
        {
            if (_counters.Count >= MaxConnections)
            {
                connection.Break(new ProtocolViolationException($"more than {MaxConnections} bandwidth probe connections at once"));
                return;
            }

            _counters.Add(connection, new Counter());
        }

        connection.Start(this);
    }

    public void BreakAll(Exception reason)
    {
        List<FramedConnection> all;
        lock (_gate)
        {
            all = [.. _counters.Keys];
        }

        foreach (FramedConnection connection in all)
        {
            connection.Break(reason);
        }
    }

    async ValueTask IFrameHandler.OnFrameAsync(FramedConnection connection, FrameHeader header, CancellationToken cancellationToken)
    {
        Counter? counter;
        lock (_gate)
        {
            _counters.TryGetValue(connection, out counter);
        }

        if (counter is null)
        {
            return;
        }

        if (header.Kind == FrameKind.Data)
        {
            await connection.SkipPayloadAsync(cancellationToken).ConfigureAwait(false);
            long window = (long)Math.Clamp(header.Sequence, 1UL, MaxWindowMilliseconds) * 1_000_000;
            if (counter.Add(header.PayloadLength, ProbeReport.NowNanoseconds(), window))
            {
                Reply(connection, counter);
            }
        }
        else if (header.Kind == FrameKind.Control && header.PayloadLength == 0)
        {
            counter.Close();
            Reply(connection, counter);
        }
        else
        {
            throw new ProtocolViolationException($"unexpected {header.Kind} frame of {header.PayloadLength} bytes on a bandwidth probe connection");
        }
    }

    private static void Reply(FramedConnection connection, Counter counter)
    {
        Span<byte> reply = stackalloc byte[ProbeReport.Size];
        counter.Report().Write(reply);
        connection.TrySendCopy(FrameKind.Control, 0, reply);
    }

    void IFrameHandler.OnConnectionClosed(FramedConnection connection, Exception reason)
    {
        lock (_gate)
        {
            _counters.Remove(connection);
        }
    }

    /// <summary>One connection's tally; touched only by that connection's receive loop.</summary>
    private sealed class Counter
    {
        private bool _started;
        private bool _closed;
        private long _bytes;
        private long _first;
        private long _last;

        /// <summary>Counts a frame; true when this frame closes the window (the report is due now, once).</summary>
        public bool Add(uint length, long now, long windowNanoseconds)
        {
            if (!_started)
            {
                _started = true;
                _first = now;
                _last = now;
                return false;
            }

            if (_closed)
            {
                return false;
            }

            _bytes += length;
            _last = now;
            _closed = now - _first >= windowNanoseconds;
            return _closed;
        }

        /// <summary>Stops counting (the sender asked for the report).</summary>
        public void Close() => _closed = true;

        public ProbeReport Report() => new(_bytes, _first, _last);
    }
}
