namespace Collectives;

/// <summary>One all-reduce of an <see cref="Communicator.AllReduceManyAsync"/> batch.</summary>
public abstract class AllReduceRequest
{
    private protected AllReduceRequest(ulong tag) => Tag = tag;

    /// <summary>The operation's tag (distinct within a batch).</summary>
    public ulong Tag { get; }

    /// <summary>An in-place request over <paramref name="buffer"/>.</summary>
    public static AllReduceRequest Create<T>(Memory<T> buffer, ReduceOp op, ulong tag, AllReduceOptions? options = null) where T : unmanaged =>
        new Typed<T>(buffer, buffer, op, tag, options);

    /// <summary>A request from <paramref name="send"/> into <paramref name="receive"/>.</summary>
    public static AllReduceRequest Create<T>(ReadOnlyMemory<T> send, Memory<T> receive, ReduceOp op, ulong tag, AllReduceOptions? options = null)
        where T : unmanaged => new Typed<T>(send, receive, op, tag, options);

    internal abstract Task<AllReduceInfo> RunAsync(Communicator communicator, CancellationToken cancellationToken);

    private sealed class Typed<T>(ReadOnlyMemory<T> send, Memory<T> receive, ReduceOp op, ulong tag, AllReduceOptions? options)
        : AllReduceRequest(tag) where T : unmanaged
    {
        internal override Task<AllReduceInfo> RunAsync(Communicator communicator, CancellationToken cancellationToken) =>
            communicator.AllReduceAsync(send, receive, op, Tag, options, cancellationToken);
    }
}
