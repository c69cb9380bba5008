using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DiLoCo.TorchSharp;

/// <summary>
/// A TCP relay in front of one peer's listener that caps the bytes flowing towards that peer with one token bucket
/// shared by all its connections: an in-process stand-in for the peer's rate-limited inbound link.
/// </summary>
internal sealed class ThrottledRelay : IAsyncDisposable
{
    private const int Chunk = 64 << 10;
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _bucket = new();
    private readonly List<Socket> _sockets = [];
    private double _tokens;
    private long _refilled = Stopwatch.GetTimestamp();
    private double _bytesPerSecond;

    public ThrottledRelay(IPEndPoint target, double bytesPerSecond)
    {
        _target = target;
        BytesPerSecond = bytesPerSecond;
        _tokens = Burst;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        // Off the creator's synchronization context: the relay is created on the training thread, whose queue is not
        // served while it computes, so continuations posted there would freeze the link during the inner steps.
        _ = Task.Run(AcceptLoopAsync);
    }

    /// <summary>
    /// The link rate; may be changed while running (calibration). A change also caps the credit at the new burst: the
    /// credit earned at the start-up rate (1 GB/s, a 5 MB burst) once let the first all-reduces at a calibrated rate
    /// through unthrottled, the calibration then cut the rate 4–6× per round, and the next round's all-reduces took
    /// seconds each (the "stalled" 2-peer runs).
    /// </summary>
    public double BytesPerSecond
    {
        get => _bytesPerSecond;
        set
        {
            lock (_bucket)
            {
                _bytesPerSecond = value;
                _tokens = Math.Min(_tokens, Burst);
                _refilled = Stopwatch.GetTimestamp();
            }
        }
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    // A burst of a few milliseconds of traffic: small enough that the rate holds on every time scale we measure.
    private double Burst => Math.Max(Chunk, BytesPerSecond / 200);

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                Socket inbound = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
                var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                inbound.NoDelay = true;
                await outbound.ConnectAsync(_target, _stop.Token).ConfigureAwait(false);
                lock (_sockets)
                {
                    _sockets.Add(inbound);
                    _sockets.Add(outbound);
                }

                _ = PumpAsync(inbound, outbound, throttled: true);
                _ = PumpAsync(outbound, inbound, throttled: false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool throttled)
    {
        byte[] buffer = new byte[Chunk];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                if (throttled)
                {
                    await TakeAsync(n).ConfigureAwait(false);
                }

                for (int sent = 0; sent < n;)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            try
            {
                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>
    /// Waits until the link may carry <paramref name="bytes"/> more. A waiter that wakes later than due (the timer or
    /// the scheduler was slow, as it is when every core computes) keeps the credit it accumulated meanwhile, up to
    /// <see cref="LatenessCredit"/>: a real link does not slow down because the sender's CPU is busy. Only idle time
    /// is capped at <see cref="Burst"/>.
    /// </summary>
    private async Task TakeAsync(int bytes)
    {
        bool waited = false;
        while (true)
        {
            double wait;
            lock (_bucket)
            {
                long now = Stopwatch.GetTimestamp();
                double cap = waited ? Burst + LatenessCredit : Burst;
                _tokens = Math.Min(Math.Max(cap, _tokens), _tokens + (Stopwatch.GetElapsedTime(_refilled, now).TotalSeconds * BytesPerSecond));
                _refilled = now;
                if (_tokens >= bytes)
                {
                    _tokens -= bytes;
                    return;
                }

                wait = (bytes - _tokens) / BytesPerSecond;
            }

            long sleep = Stopwatch.GetTimestamp();
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(wait, 0.001)), _stop.Token).ConfigureAwait(false);
            double late = Stopwatch.GetElapsedTime(sleep).TotalSeconds - Math.Max(wait, 0.001);
            lock (_bucket)
            {
                LateSeconds += Math.Max(0, late);
                Waits++;
            }

            waited = true;
        }
    }

    /// <summary>Total time waiters woke later than due, and how many waits there were (how much the pacing depended on the scheduler).</summary>
    public double LateSeconds { get; private set; }

    /// <summary>Number of waits for tokens.</summary>
    public long Waits { get; private set; }

    // Up to 50 ms of late wake-ups are made up for.
    private double LatenessCredit => BytesPerSecond / 20;

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        lock (_sockets)
        {
            foreach (Socket socket in _sockets)
            {
                socket.Dispose();
            }
        }

        _stop.Dispose();
        return ValueTask.CompletedTask;
    }
}
