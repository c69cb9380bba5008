namespace Collectives.Transport.Internal;

/// <summary>Where a connection's bytes come from: a socket in production, a scripted stream in parser tests.</summary>
internal interface IByteSource
{
    /// <summary>Receives up to <paramref name="buffer"/>.Length bytes; 0 means the other side closed.</summary>
    ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken);
}
