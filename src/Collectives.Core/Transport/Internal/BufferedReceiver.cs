using System.Buffers;

namespace Collectives.Transport.Internal;

/// <summary>
/// Reads exact byte counts from an <see cref="IByteSource"/>. Small reads (headers, small payloads) are served
/// from one pooled buffer so that a burst of small frames costs one system call; large reads go straight into the
/// caller's memory, so big payloads are copied exactly once (kernel → destination).
/// </summary>
internal sealed class BufferedReceiver : IDisposable
{
    private readonly IByteSource _source;
    private byte[] _buffer;
    private int _start;
    private int _end;

    public BufferedReceiver(IByteSource source, int bufferSize)
    {
        _source = source;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
    }

    /// <summary>Bytes already buffered and not yet consumed.</summary>
    public int Buffered => _end - _start;

    /// <summary>Fills <paramref name="destination"/> completely.</summary>
    /// <exception cref="EndOfStreamException">The other side closed the connection first.</exception>
    public ValueTask ReadExactlyAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        int copied = CopyBuffered(destination.Span);
        if (copied == destination.Length)
        {
            return ValueTask.CompletedTask;
        }

        return ReadSlowAsync(destination[copied..], cancellationToken);
    }

    /// <summary>Consumes and discards <paramref name="count"/> bytes.</summary>
    public async ValueTask SkipAsync(long count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (Buffered == 0)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            int n = (int)Math.Min(count, Buffered);
            _start += n;
            count -= n;
        }
    }

    private async ValueTask ReadSlowAsync(Memory<byte> remaining, CancellationToken cancellationToken)
    {
        while (!remaining.IsEmpty)
        {
            if (remaining.Length >= _buffer.Length / 2)
            {
                // Large tail: receive in place, no intermediate copy.
                int n = await _source.ReceiveAsync(remaining, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new EndOfStreamException("the connection was closed by the other side");
                }

                remaining = remaining[n..];
            }
            else
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
                int copied = CopyBuffered(remaining.Span);
                remaining = remaining[copied..];
            }
        }
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = 0;
        int n = await _source.ReceiveAsync(_buffer, cancellationToken).ConfigureAwait(false);
        if (n == 0)
        {
            throw new EndOfStreamException("the connection was closed by the other side");
        }

        _end = n;
    }

    private int CopyBuffered(Span<byte> destination)
    {
        int n = Math.Min(destination.Length, Buffered);
        if (n > 0)
        {
            _buffer.AsSpan(_start, n).CopyTo(destination);
            _start += n;
        }

        return n;
    }

    public void Dispose()
    {
        byte[] buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
