using System.Runtime.CompilerServices;

namespace Collectives.Transport;

public sealed partial class FramedConnection
{
    // Allocated on first use: most connections (control, plain data) never need it, and a connection that only
    // sends a header must not cost a stripe's worth of memory.
    private byte[]? _scratch;
    private readonly byte[] _headerBuffer = new byte[FrameHeader.Size];
    private uint _payloadRemaining;
    private long _bytesReceived;
    private ulong _highestSequence;

    /// <summary>Highest sequence number of the data frames this connection carried (0: none).</summary>
    public ulong HighestSequenceSeen => Volatile.Read(ref _highestSequence);

    /// <summary>Records a data frame's sequence number (called on the receive loop only).</summary>
    internal void NoteSequence(ulong sequence)
    {
        if (sequence > _highestSequence)
        {
            Volatile.Write(ref _highestSequence, sequence);
        }
    }

    /// <summary>Payload bytes of the current frame not yet read. Valid only inside <see cref="IFrameHandler.OnFrameAsync"/>.</summary>
    public int PayloadRemaining => (int)_payloadRemaining;

    /// <summary>Reads the next <paramref name="destination"/>.Length payload bytes of the current frame straight into it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ReadPayloadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if ((uint)destination.Length > _payloadRemaining)
        {
            throw new ArgumentException("destination is larger than the rest of the payload", nameof(destination));
        }

        await _receiver.ReadExactlyAsync(destination, cancellationToken).ConfigureAwait(false);
        _payloadRemaining -= (uint)destination.Length;
    }

    /// <summary>
    /// Reads the next part of the current payload (up to the connection's scratch size) into scratch memory that stays
    /// valid until the next read on this connection. Returns an empty block when the payload is consumed.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ReadOnlyMemory<byte>> ReadPayloadChunkAsync(CancellationToken cancellationToken)
    {
        byte[] scratch = _scratch ??= new byte[Math.Max(_options.ReceiveBufferSize, _options.StripeSize)];
        int n = (int)Math.Min(_payloadRemaining, (uint)scratch.Length);
        Memory<byte> chunk = scratch.AsMemory(0, n);
        await _receiver.ReadExactlyAsync(chunk, cancellationToken).ConfigureAwait(false);
        _payloadRemaining -= (uint)n;
        return chunk;
    }

    /// <summary>Discards the rest of the current payload.</summary>
    public async ValueTask SkipPayloadAsync(CancellationToken cancellationToken)
    {
        uint n = _payloadRemaining;
        await _receiver.SkipAsync(n, cancellationToken).ConfigureAwait(false);
        _payloadRemaining = 0;
    }

    private async Task ReceiveLoopAsync()
    {
        CancellationToken token = _shutdown.Token;
        try
        {
            while (true)
            {
                await _receiver.ReadExactlyAsync(_headerBuffer, token).ConfigureAwait(false);
                await WaitWhileStalledAsync().ConfigureAwait(false);
                FrameHeader header = FrameHeader.Read(_headerBuffer, _options.MaxDataPayloadLength);
                if (header.Kind == FrameKind.Handshake)
                {
                    throw new ProtocolViolationException("a second handshake on an established connection");
                }

                if (header.Kind != FrameKind.Data && header.PayloadLength > _options.MaxControlPayloadLength)
                {
                    throw new ProtocolViolationException(
                        $"control frame of {header.PayloadLength} bytes exceeds the limit of {_options.MaxControlPayloadLength}");
                }

                _payloadRemaining = header.PayloadLength;
                await _handler!.OnFrameAsync(this, header, token).ConfigureAwait(false);
                if (_payloadRemaining > 0)
                {
                    await SkipPayloadAsync(token).ConfigureAwait(false);
                }

                Interlocked.Add(ref _bytesReceived, header.PayloadLength);
            }
        }
        catch (Exception e)
        {
            Break(e is EndOfStreamException
                ? new ConnectionLostException(ErrorCode.RankConnectionLost, $"connection to {RemoteEndPoint} ({Hello.Purpose}) was closed by the other side", e)
                : DescribeFailure(e));
        }
    }
}
