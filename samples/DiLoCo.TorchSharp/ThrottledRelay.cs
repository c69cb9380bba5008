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
    private const int Chunk = 16 << 10;
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _bucket = new();
    private readonly List<Socket> _sockets = [];
    private double _tokens;
    private long _refilled = Stopwatch.GetTimestamp();

    public ThrottledRelay(IPEndPoint target, double bytesPerSecond)
    {
        _target = target;
        BytesPerSecond = bytesPerSecond;
        _tokens = Burst;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        _ = AcceptLoopAsync();
    }

    /// <summary>The link rate; may be changed while running (calibration).</summary>
    public double BytesPerSecond { get; set; }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    // A burst of a few milliseconds of traffic: small enough that the rate holds on every time scale we measure.
    private double Burst => Math.Max(Chunk, BytesPerSecond / 200);

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                Socket inbound = await _listener.AcceptAsync(_stop.Token);
                var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                inbound.NoDelay = true;
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

    private async Task TakeAsync(int bytes)
    {
        while (true)
        {
            double wait;
            lock (_bucket)
            {
                long now = Stopwatch.GetTimestamp();
                _tokens = Math.Min(Burst, _tokens + (Stopwatch.GetElapsedTime(_refilled, now).TotalSeconds * BytesPerSecond));
                _refilled = now;
                if (_tokens >= bytes)
                {
                    _tokens -= bytes;
                    return;
                }

                wait = (bytes - _tokens) / BytesPerSecond;
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
