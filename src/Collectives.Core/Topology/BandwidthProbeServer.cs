using Collectives.Transport;

namespace Collectives.Topology;

/// <summary>
/// The receiving end of bandwidth probes: accepts <see cref="ConnectionPurpose.BandwidthProbe"/> connections (already
/// authenticated by the handshake), discards their data frames while counting them, and answers the sender's empty
/// control frame with a <see cref="ProbeReport"/>. Nothing is buffered, so a probe costs the receiver no memory.
/// </summary>
internal sealed class BandwidthProbeServer : IFrameHandler
{
    /// <summary>
    /// Most probe connections held at once. A round has each peer receive on one link of at most 64 connections; the
    /// rest of the room absorbs stragglers of an earlier round. More is refused rather than served.
    /// </summary>
    public const int MaxConnections = 256;

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
            counter.Add(header.PayloadLength, ProbeReport.NowNanoseconds());
        }
        else if (header.Kind == FrameKind.Control && header.PayloadLength == 0)
        {
            Span<byte> reply = stackalloc byte[ProbeReport.Size];
            counter.Report().Write(reply);
            connection.TrySendCopy(FrameKind.Control, header.Tag, reply);
        }
        else
        {
            throw new ProtocolViolationException($"unexpected {header.Kind} frame of {header.PayloadLength} bytes on a bandwidth probe connection");
        }
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
        private long _bytes;
        private long _first;
        private long _last;

        public void Add(uint length, long now)
        {
            if (!_started)
            {
                _started = true;
                _first = now;
                _last = now;
                return;
            }

            _bytes += length;
            _last = now;
        }

        public ProbeReport Report() => new(_bytes, _first, _last);
    }
}
