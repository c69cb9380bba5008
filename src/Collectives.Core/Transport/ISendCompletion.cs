namespace Collectives.Transport;

/// <summary>
/// Told when a queued frame has left (or will never leave) the connection. One object per operation serves all of
/// that operation's frames, so queuing a frame allocates nothing.
/// </summary>
public interface ISendCompletion
{
    /// <summary>True when the owner gave up (aborted operation): frames not yet written are skipped.</summary>
    bool IsAbandoned { get; }

    /// <summary>The frame's payload was handed to the kernel, or skipped because <see cref="IsAbandoned"/>; its memory is free again.</summary>
    void OnFrameDone(int payloadLength, bool written);

    /// <summary>The connection broke before the frame was written; its memory is free again.</summary>
    void OnFrameFailed(Exception reason);
}

/// <summary>A frame waiting in a connection's send queue. The payload is not copied: it stays in the sender's memory.</summary>
internal readonly record struct OutgoingFrame(FrameHeader Header, ReadOnlyMemory<byte> Payload, ISendCompletion? Completion, byte[]? RentedBuffer);
