using System.Diagnostics;
using Collectives.SharedState;

namespace Collectives.Optimizers;

/// <summary>The collectives an outer step needs, with the retry and alone rules both optimizers share.</summary>
internal sealed class OuterCollectives(Communicator communicator, DiLoCoOptions options)
{
    /// <summary>What a pseudo-gradient reduction came to.</summary>
    /// <param name="Reduced">False when this peer was (or became) alone: the buffer then holds no average and is dropped.</param>
    /// <param name="Info">World size of the final run and the bytes of all attempts.</param>
    /// <param name="Elapsed">How long the reduction took.</param>
    public readonly record struct Outcome(bool Reduced, AllReduceInfo Info, TimeSpan Elapsed);

    /// <summary>
    /// Averages <paramref name="delta"/> in place over the group, bucket by bucket, retrying among the survivors when a
    /// peer dies (all-reduce-many does that). TooFewPeers is not an error here: it means this peer is alone.
    /// </summary>
    public async Task<Outcome> ReduceAsync(Memory<float> delta, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        var requests = new List<AllReduceRequest>();
        for (int offset = 0, bucket = 0; offset < delta.Length; offset += options.BucketElements, bucket++)
        {
            int length = Math.Min(options.BucketElements, delta.Length - offset);
            requests.Add(AllReduceRequest.Create(delta.Slice(offset, length), ReduceOp.Avg, options.TagBase + (ulong)bucket, options.Reduce));
        }

        try
        {
            AllReduceInfo info = await communicator.AllReduceManyAsync(requests, options.MaxInFlight, cancellationToken).ConfigureAwait(false);
            return new Outcome(true, info, Stopwatch.GetElapsedTime(started));
        }
        catch (CollectivesException e) when (e.ErrorCode == ErrorCode.TooFewPeers)
        {
            return new Outcome(false, new AllReduceInfo(1, 0, 0), Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>Synchronizes the shared state; a sync that failed because a peer died is tried again among the rest.</summary>
    public async Task<SharedStateSyncInfo> SyncAsync(SharedTensorSet state, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await communicator.SynchronizeSharedStateAsync(state, SharedStateStrategy.EnforcePopular, cancellationToken).ConfigureAwait(false);
            }
            catch (CollectivesException e) when (e.IsTransient && attempt < options.MaxAttempts)
            {
                // The round failed for every participant alike (the master decides one outcome), so all retry together.
            }
        }
    }

    /// <summary>
    /// Between outer steps: accepts peers that wait to join. A peer alone in its group waits up to
    /// <see cref="DiLoCoOptions.PeerWaitTimeout"/> for one. <paramref name="quiesce"/> runs before the topology update,
    /// which the library refuses while all-reduces run.
    /// </summary>
    /// <returns>True when peers were accepted (a shared-state sync must follow so they receive the state).</returns>
    public async Task<bool> AcceptPendingPeersAsync(Func<Task> quiesce, CancellationToken cancellationToken)
    {
        bool pending = communicator.WorldSizes.PeerGroup >= 2 && await communicator.ArePeersPendingAsync(cancellationToken).ConfigureAwait(false);
        return await AcceptAsync(pending, quiesce, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// As <see cref="AcceptPendingPeersAsync"/> with the peers-pending answer already known (the async optimizer asks
    /// in the background, one step ahead); an alone peer still waits for one.
    /// </summary>
    public async Task<bool> AcceptAsync(bool peersPending, Func<Task> quiesce, CancellationToken cancellationToken)
    {
        if (communicator.WorldSizes.PeerGroup < 2)
        {
            await quiesce().ConfigureAwait(false);
            return await WaitForPeersAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!peersPending)
        {
            return false;
        }

        await quiesce().ConfigureAwait(false);
        await UpdateTopologyAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The collective peers-pending query (every accepted peer gets the same answer); allowed while all-reduces and syncs run.</summary>
    public Task<bool> ArePeersPendingAsync(CancellationToken cancellationToken) => communicator.ArePeersPendingAsync(cancellationToken);

    /// <summary>True when this peer is alone in its group.</summary>
    public bool IsAlone => communicator.WorldSizes.PeerGroup < 2;

    // The master tells nobody when a peer registers, so an alone peer asks at an interval, up to the deadline.
    private async Task<bool> WaitForPeersAsync(CancellationToken cancellationToken)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(options.PeerWaitTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (await communicator.ArePeersPendingAsync(cancellationToken).ConfigureAwait(false))
            {
                await UpdateTopologyAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }

            TimeSpan left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            await Task.Delay(left < options.PeerPollInterval ? left : options.PeerPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task UpdateTopologyAsync(CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await communicator.UpdateTopologyAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (CollectivesException e) when (e.IsTransient && attempt < options.MaxAttempts)
            {
                // A failed vote fails for every voter; everyone votes again.
            }
        }
    }
}
