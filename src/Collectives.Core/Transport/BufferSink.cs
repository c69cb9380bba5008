namespace Collectives.Transport;

/// <summary>
/// An <see cref="IInboundSink"/> that assembles a message of known length straight into the caller's memory
/// (striped frames land at their offsets, in any order) and completes when every byte arrived.
/// </summary>
public sealed class BufferSink : IInboundSink
{
    private readonly Memory<byte> _destination;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _received;
    private int _frames;

    /// <summary>Creates a sink expecting exactly <paramref name="destination"/>.Length bytes.</summary>
    public BufferSink(Memory<byte> destination) => _destination = destination;

    /// <summary>Completes when the whole message arrived; faults when its source failed.</summary>
    public Task Completion => _done.Task;

    /// <summary>Waits for the message with a deadline.</summary>
    /// <exception cref="CollectivesTimeoutException">The deadline passed first.</exception>
    /// <exception cref="ConnectionLostException">A connection from the source broke.</exception>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _done.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new CollectivesTimeoutException(
                $"received {Interlocked.Read(ref _received)} of {_destination.Length} bytes within {timeout.TotalMilliseconds:F0} ms", e);
        }
    }

    /// <inheritdoc />
    public async ValueTask OnFrameAsync(IPayloadReader payload, FrameHeader header, CancellationToken cancellationToken)
    {
        if (header.Offset > (ulong)_destination.Length || header.PayloadLength > (ulong)_destination.Length - header.Offset)
        {
            throw new ProtocolViolationException(
                $"frame at offset {header.Offset} with {header.PayloadLength} bytes overruns a {_destination.Length}-byte message");
        }

        await payload.ReadPayloadAsync(_destination.Slice((int)header.Offset, (int)header.PayloadLength), cancellationToken).ConfigureAwait(false);
        long received = Interlocked.Add(ref _received, header.PayloadLength);
        Interlocked.Increment(ref _frames);
        if (received == _destination.Length)
        {
            _done.TrySetResult();
        }
    }

    /// <inheritdoc />
    public void OnSourceFailed(Exception reason) => _done.TrySetException(reason);
}
