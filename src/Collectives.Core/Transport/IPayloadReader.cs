namespace Collectives.Transport;

/// <summary>Reads the payload of the frame being handled (a <see cref="FramedConnection"/> implements it).</summary>
public interface IPayloadReader
{
    /// <summary>Identity of the peer that sent the frame (from the connection's handshake).</summary>
    Guid RemoteId { get; }

    /// <summary>Payload bytes of the current frame not yet read.</summary>
    int PayloadRemaining { get; }

    /// <summary>Reads the next <paramref name="destination"/>.Length payload bytes straight into it.</summary>
    ValueTask ReadPayloadAsync(Memory<byte> destination, CancellationToken cancellationToken);

    /// <summary>Reads the next part of the payload into scratch memory valid until the next read; empty when consumed.</summary>
    ValueTask<ReadOnlyMemory<byte>> ReadPayloadChunkAsync(CancellationToken cancellationToken);

    /// <summary>Discards the rest of the payload.</summary>
    ValueTask SkipPayloadAsync(CancellationToken cancellationToken);
}
