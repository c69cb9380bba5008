namespace Collectives.StressTests.Peer;

/// <summary>What a peer reports as deltas with each step line (thread-safe: the step's all-reduces run concurrently).</summary>
internal sealed class PeerCounters
{
    private long _operations;
    private long _retries;

    public void AddOperations(int count) => Interlocked.Add(ref _operations, count);

    public void AddRetry() => Interlocked.Increment(ref _retries);

    /// <summary>The counts since the previous call.</summary>
    public (long Operations, long Retries) Take() => (Interlocked.Exchange(ref _operations, 0), Interlocked.Exchange(ref _retries, 0));
}
