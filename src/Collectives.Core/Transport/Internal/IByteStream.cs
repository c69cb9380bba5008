namespace Collectives.Transport.Internal;

/// <summary>
/// Both directions of one connection's byte stream: the raw socket when TLS is off (so the plain path makes the very
/// same system calls as before), an <see cref="System.Net.Security.SslStream"/> when it is on. One sender and one
/// receiver may use it at the same time.
/// </summary>
internal interface IByteStream : IByteSource
{
    /// <summary>Writes all of <paramref name="data"/>.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Closes the connection at once; pending reads and writes fail. Safe to call repeatedly.</summary>
    void Abort();

    /// <summary>Releases what <see cref="Abort"/> leaves (TLS state); call once both directions have stopped.</summary>
    void Release();
}
