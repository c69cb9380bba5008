using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Collectives.NetEmulation;

/// <summary>
/// One direction of one relayed connection: a reader that takes window before each read, a writer that holds every
/// segment until its due time, and an acknowledger that returns the window one delay after delivery.
/// </summary>
internal sealed class DelayPump
{
    private readonly Socket _from;
    private readonly Socket _to;
    private readonly RelayOptions _options;
    // Without a cap, the window still bounds what the relay holds: a slow destination must push back on the source
    // rather than let the relay buffer (and allocate) without limit. Then bytes count until written, not until acked.
    private const int UncappedBufferBytes = 16 << 20;

    private readonly ByteWindow _window;
    private readonly bool _capped;
    private readonly long _delayTicks;
    private readonly Channel<Segment> _segments = Channel.CreateUnbounded<Segment>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Channel<Segment> _acks = Channel.CreateUnbounded<Segment>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Action<int> _onForwarded;
    private readonly Action _abort;

    /// <param name="from">The socket this direction reads.</param>
    /// <param name="to">The socket this direction writes.</param>
    /// <param name="options">Delay, cap and read size.</param>
    /// <param name="onForwarded">Told the size of every segment written to the destination.</param>
    /// <param name="abort">Called when this direction fails, to tear down the whole connection (it closes both sockets).</param>
    public DelayPump(Socket from, Socket to, RelayOptions options, Action<int> onForwarded, Action abort)
    {
        _abort = abort;
        _from = from;
        _to = to;
        _options = options;
        _capped = options.InFlightCap > 0;
        _window = new ByteWindow(_capped ? options.InFlightCap : UncappedBufferBytes);
        _delayTicks = (long)(options.Delay.TotalSeconds * Stopwatch.Frequency);
        _onForwarded = onForwarded;
    }

    /// <summary>Bytes of this direction in flight under the cap (uncapped: read and not yet written).</summary>
    public long InFlight => _window.InFlight;

    /// <summary>Runs until the source ends (then the destination gets a FIN) or either socket fails.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Task reading = ReadAsync(cancellationToken);
        Task writing = WriteAsync(cancellationToken);
        Task acknowledging = _capped ? AcknowledgeAsync(_window, cancellationToken) : Task.CompletedTask;
        try
        {
            await Task.WhenAll(AbortOnFault(reading), AbortOnFault(writing));
        }
        finally
        {
            _acks.Writer.TryComplete();
            await acknowledging.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            while (_segments.Reader.TryRead(out Segment left))
            {
                ArrayPool<byte>.Shared.Return(left.Buffer);
            }
        }
    }

    private async Task AbortOnFault(Task half)
    {
        try
        {
            await half;
        }
        catch
        {
            _abort();
            throw;
        }
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                int allowed = await _window.AcquireAsync(_options.ChunkBytes, cancellationToken);
                byte[] buffer = ArrayPool<byte>.Shared.Rent(allowed);
                int received;
                try
                {
                    received = await _from.ReceiveAsync(buffer.AsMemory(0, allowed), SocketFlags.None, cancellationToken);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw;
                }

                _window.Release(allowed - received);
                if (received == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return;
                }

                _segments.Writer.TryWrite(new Segment(buffer, received, Stopwatch.GetTimestamp() + _delayTicks));
            }
        }
        finally
        {
            _segments.Writer.TryComplete();
        }
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        await foreach (Segment segment in _segments.Reader.ReadAllAsync(cancellationToken))
        {
            long blocked;
            try
            {
                await WaitUntilAsync(segment.Due, cancellationToken);
                long writeStart = Stopwatch.GetTimestamp();
                for (int sent = 0; sent < segment.Length;)
                {
                    sent += await _to.SendAsync(segment.Buffer.AsMemory(sent, segment.Length - sent), SocketFlags.None, cancellationToken);
                }

                blocked = Stopwatch.GetTimestamp() - writeStart;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(segment.Buffer);
            }

            _onForwarded(segment.Length);
            if (!_capped)
            {
                _window.Release(segment.Length);
                continue;
            }

            // Acknowledged one delay after delivery. Delivery is reckoned from the due time plus any time the write was
            // held up by the receiver, not from when the timer fired: on a loaded machine timers fire milliseconds
            // late, and counting that lateness would lengthen every emulated round trip.
            _acks.Writer.TryWrite(segment with { Buffer = [], Due = segment.Due + blocked + _delayTicks });
        }

        _to.Shutdown(SocketShutdown.Send);
    }

    private async Task AcknowledgeAsync(ByteWindow window, CancellationToken cancellationToken)
    {
        await foreach (Segment ack in _acks.Reader.ReadAllAsync(cancellationToken))
        {
            await WaitUntilAsync(ack.Due, cancellationToken);
            window.Release(ack.Length);
        }
    }

    private static Task WaitUntilAsync(long due, CancellationToken cancellationToken)
    {
        long remaining = due - Stopwatch.GetTimestamp();
        return remaining <= 0 ? Task.CompletedTask : Task.Delay(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency), cancellationToken);
    }

    private readonly record struct Segment(byte[] Buffer, int Length, long Due);
}
