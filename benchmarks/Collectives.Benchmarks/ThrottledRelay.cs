using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Collectives.Benchmarks;

/// <summary>
/// A user-space TCP relay in front of one peer's listener that caps the bytes flowing towards that peer with a token
/// bucket: a stand-in for the peer's rate-limited inbound link (like tc tbf on its NIC), usable in-process.
/// </summary>
internal sealed class ThrottledRelay : IAsyncDisposable
{
    private const int Chunk = 64 << 10;
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _target;
    private readonly double _bytesPerSecond;
    private readonly long _burst;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _bucketLock = new();
    private readonly List<Socket> _sockets = [];
    private double _tokens;
    private long _lastRefill = Stopwatch.GetTimestamp();

    public ThrottledRelay(IPEndPoint target, double bitsPerSecond, long burstBytes = 256 << 10)
    {
        _target = target;
        _bytesPerSecond = bitsPerSecond / 8;
        _burst = burstBytes;
        _tokens = burstBytes;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        _ = AcceptLoopAsync();
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>Bytes forwarded towards the target (the throttled direction).</summary>
    public long BytesForwarded;

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                Socket inbound = await _listener.AcceptAsync(_stop.Token);
                inbound.NoDelay = true;
                var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await outbound.ConnectAsync(_target, _stop.Token);
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
                int n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    break;
                }

                if (throttled)
                {
                    await TakeAsync(n);
                    Interlocked.Add(ref BytesForwarded, n);
                }

                for (int sent = 0; sent < n;)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None, _stop.Token);
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

    // All connections to this peer share one bucket, as they would share one link.
    private async Task TakeAsync(int bytes)
    {
        while (true)
        {
            double wait;
            lock (_bucketLock)
            {
                long now = Stopwatch.GetTimestamp();
                _tokens = Math.Min(_burst, _tokens + Stopwatch.GetElapsedTime(_lastRefill, now).TotalSeconds * _bytesPerSecond);
                _lastRefill = now;
                if (_tokens >= bytes || _tokens >= _burst)
                {
                    _tokens -= bytes;
                    return;
                }

                wait = (bytes - _tokens) / _bytesPerSecond;
            }

            await Task.Delay(TimeSpan.FromSeconds(Math.Max(wait, 0.001)), _stop.Token);
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
}
