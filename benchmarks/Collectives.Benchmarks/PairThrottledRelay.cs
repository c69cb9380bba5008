using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Collectives.Benchmarks;

/// <summary>
/// A user-space TCP relay in front of one peer's listener that caps each sender's traffic towards that peer separately:
/// a stand-in for per-pair link rates (what tc on a mesh of veth pairs would give), usable in-process. The sender is
/// told apart by the identity in its handshake hello, which the relay reads as it passes (it changes no byte), so every
/// connection of a pair — data pool, probes, shared state — shares that pair's token bucket, as it would share one link.
/// A throttle on the receiving peer alone (<see cref="ThrottledRelay"/>) would make every ring equally fast: each peer
/// receives from exactly one predecessor in any ring.
/// </summary>
internal sealed class PairThrottledRelay : IAsyncDisposable
{
    private const int Chunk = 64 << 10;

    // The first frame a dialling peer sends is a 32-byte frame header and then the hello, whose sender id sits at bytes
    // 8–24 (Collectives.Transport.HandshakeHello's layout).
    private const int SenderIdOffset = 32 + 8;
    private const int PrefixBytes = SenderIdOffset + 16;

    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _target;
    private readonly Func<Guid, double?> _bitsPerSecondFrom;
    private readonly ConcurrentDictionary<Guid, TokenBucket?> _buckets = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];

    /// <param name="target">The peer's real listening endpoint.</param>
    /// <param name="bitsPerSecondFrom">The rate from a sender (by handshake id) to this peer; null leaves it unthrottled.</param>
    public PairThrottledRelay(IPEndPoint target, Func<Guid, double?> bitsPerSecondFrom)
    {
        _target = target;
        _bitsPerSecondFrom = bitsPerSecondFrom;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(256);
        _ = AcceptLoopAsync();
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                Socket inbound = await _listener.AcceptAsync(_stop.Token);
                _ = RelayAsync(inbound);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task RelayAsync(Socket inbound)
    {
        inbound.NoDelay = true;
        var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        lock (_sockets)
        {
            _sockets.Add(inbound);
            _sockets.Add(outbound);
        }

        try
        {
            byte[] prefix = new byte[PrefixBytes];
            for (int read = 0; read < prefix.Length;)
            {
                int n = await inbound.ReceiveAsync(prefix.AsMemory(read), SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    inbound.Dispose();
                    outbound.Dispose();
                    return;
                }

                read += n;
            }

            var sender = new Guid(prefix.AsSpan(SenderIdOffset, 16));
            TokenBucket? bucket = _buckets.GetOrAdd(sender, id => _bitsPerSecondFrom(id) is double rate ? new TokenBucket(rate / 8) : null);
            await outbound.ConnectAsync(_target, _stop.Token);
            await SendAllAsync(outbound, prefix, prefix.Length);
            _ = PumpAsync(inbound, outbound, bucket);
            _ = PumpAsync(outbound, inbound, null);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            inbound.Dispose();
            outbound.Dispose();
        }
    }

    private async Task PumpAsync(Socket from, Socket to, TokenBucket? bucket)
    {
        byte[] buffer = new byte[Chunk];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    break;
                }

                if (bucket is not null)
                {
                    await bucket.TakeAsync(n, _stop.Token);
                }

                await SendAllAsync(to, buffer, n);
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

    private async Task SendAllAsync(Socket to, byte[] buffer, int count)
    {
        for (int sent = 0; sent < count;)
        {
            sent += await to.SendAsync(buffer.AsMemory(sent, count - sent), SocketFlags.None, _stop.Token);
        }
    }

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

    /// <summary>One pair's link: all its connections draw from the same tokens.</summary>
    private sealed class TokenBucket(double bytesPerSecond)
    {
        // 256 KiB of burst: a frame or two, so the rate holds over any window longer than a few milliseconds.
        private const double Burst = 256 << 10;
        private readonly Lock _gate = new();
        private double _tokens = Burst;
        private long _lastRefill = Stopwatch.GetTimestamp();

        public async Task TakeAsync(int bytes, CancellationToken cancellationToken)
        {
            while (true)
            {
                double wait;
                lock (_gate)
                {
                    long now = Stopwatch.GetTimestamp();
                    _tokens = Math.Min(Burst, _tokens + (Stopwatch.GetElapsedTime(_lastRefill, now).TotalSeconds * bytesPerSecond));
                    _lastRefill = now;
                    if (_tokens >= bytes || _tokens >= Burst)
                    {
                        _tokens -= bytes;
                        return;
                    }

                    wait = (bytes - _tokens) / bytesPerSecond;
                }

                await Task.Delay(TimeSpan.FromSeconds(Math.Max(wait, 0.001)), cancellationToken);
            }
        }
    }
}
