using System.Net;
using System.Net.Sockets;

namespace Collectives.Benchmarks;

/// <summary>
/// The ring-copy baseline's plumbing in a peer process: one plain TCP socket to the ring successor and one from the
/// predecessor, nothing else (no framing, no pool, no reduction) — what the loopback can do for the same traffic shape.
/// </summary>
internal sealed class RawRing : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private Socket? _toSuccessor;
    private Socket? _fromPredecessor;

    public RawRing()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(8);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>Replaces the links: dials the successor and takes the predecessor's connection.</summary>
    public async Task LinkAsync(int successorPort, CancellationToken cancellationToken)
    {
        CloseLinks();
        ValueTask<Socket> accepting = _listener.AcceptAsync(cancellationToken);
        var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _toSuccessor = outbound;
        await outbound.ConnectAsync(new IPEndPoint(IPAddress.Loopback, successorPort), cancellationToken);
        Socket inbound = await accepting;
        inbound.NoDelay = true;
        _fromPredecessor = inbound;
    }

    /// <summary>
    /// Sends <paramref name="bytes"/> to the successor while receiving as many from the predecessor, cycling through
    /// the given buffers (the all-reduce's own buffers, so both move the same memory).
    /// </summary>
    public async Task CopyAsync(ReadOnlyMemory<byte> source, Memory<byte> destination, long bytes, CancellationToken cancellationToken)
    {
        Socket to = _toSuccessor ?? throw new InvalidOperationException("raw ring not linked");
        Socket from = _fromPredecessor ?? throw new InvalidOperationException("raw ring not linked");

        async Task SendAllAsync()
        {
            for (long sent = 0; sent < bytes;)
            {
                int offset = (int)(sent % source.Length);
                int length = (int)Math.Min(bytes - sent, source.Length - offset);
                sent += await to.SendAsync(source.Slice(offset, length), SocketFlags.None, cancellationToken);
            }
        }

        async Task ReceiveAllAsync()
        {
            for (long received = 0; received < bytes;)
            {
                int offset = (int)(received % destination.Length);
                int length = (int)Math.Min(bytes - received, destination.Length - offset);
                int got = await from.ReceiveAsync(destination.Slice(offset, length), SocketFlags.None, cancellationToken);
                if (got == 0)
                {
                    throw new SocketException((int)SocketError.ConnectionReset);
                }

                received += got;
            }
        }

        await Task.WhenAll(SendAllAsync(), ReceiveAllAsync());
    }

    /// <summary>
    /// Passes one byte once around the ring: the first peer sends and then waits for it to come back; every other
    /// peer waits for it and forwards it. The first peer's time is N sequential one-way hops.
    /// </summary>
    public async Task PassTokenAsync(bool first, CancellationToken cancellationToken)
    {
        Socket to = _toSuccessor ?? throw new InvalidOperationException("raw ring not linked");
        Socket from = _fromPredecessor ?? throw new InvalidOperationException("raw ring not linked");
        byte[] token = new byte[1];
        if (first)
        {
            await to.SendAsync(token, SocketFlags.None, cancellationToken);
        }

        if (await from.ReceiveAsync(token, SocketFlags.None, cancellationToken) != 1)
        {
            throw new SocketException((int)SocketError.ConnectionReset);
        }

        if (!first)
        {
            await to.SendAsync(token, SocketFlags.None, cancellationToken);
        }
    }

    private void CloseLinks()
    {
        _toSuccessor?.Dispose();
        _fromPredecessor?.Dispose();
        _toSuccessor = null;
        _fromPredecessor = null;
    }

    public void Dispose()
    {
        CloseLinks();
        _listener.Dispose();
    }
}
