namespace Collectives;

public sealed partial class Communicator
{
    /// <summary>
    /// Runs a batch of all-reduces with at most <paramref name="maxInFlight"/> at once. When one fails (a peer died),
    /// no new ones are launched; once the running ones have settled, the failed and unlaunched ones run again among
    /// the survivors, until all succeed. Results are bit-identical on all peers that took part in each final run.
    /// </summary>
    /// <returns>The world size of the last run and the bytes of all attempts.</returns>
    /// <exception cref="CollectivesException">
    /// TooFewPeers when this peer is alone in its group (at the start or after failures); any non-transient error of
    /// an operation (descriptor mismatch, invalid usage, master lost) as is.
    /// </exception>
    public async Task<AllReduceInfo> AllReduceManyAsync(IReadOnlyList<AllReduceRequest> requests, int maxInFlight,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (maxInFlight < 1)
        {
            throw new CollectivesException(ErrorCode.InvalidArgument, "maxInFlight must be at least 1");
        }

        if (requests.Select(r => r.Tag).Distinct().Count() != requests.Count)
        {
            throw new CollectivesException(ErrorCode.InvalidArgument, "tags within a batch must be distinct");
        }

        List<AllReduceRequest> pending = [.. requests];
        long tx = 0, rx = 0;
        int world = 0;
        bool retrying = false;
        while (pending.Count > 0)
        {
            if (WorldSizes.PeerGroup < 2)
            {
                throw new CollectivesException(ErrorCode.TooFewPeers, "this peer is alone in its group; nobody to all-reduce with");
            }

            var failed = new List<AllReduceRequest>();
            CollectivesException? fatal = null;
            using var slots = new SemaphoreSlim(maxInFlight);
            var running = new List<Task>();
            int launched = 0;
            try
            {
                for (; launched < pending.Count; launched++)
                {
                    await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                    lock (failed)
                    {
                        if (failed.Count > 0 || fatal is not null)
                        {
                            slots.Release();
                            break; // stop launching: the run changed, finish what runs and start over
                        }
                    }

                    AllReduceRequest request = pending[launched];
                    running.Add(RunOneAsync(request));
                }
            }
            finally
            {
                // Also when cancelled while waiting for a slot: the launched runs still use the caller's buffers and
                // release the semaphore, so the call must not return (and dispose it) before they have settled.
                await Task.WhenAll(running).ConfigureAwait(false);
            }

            if (fatal is not null)
            {
                throw fatal;
            }

            pending = [.. failed, .. pending.Skip(launched)];
            retrying |= failed.Count > 0;
            Diagnostics.LibraryMetrics.RecordRetries(failed.Count);

            async Task RunOneAsync(AllReduceRequest request)
            {
                try
                {
                    AllReduceInfo info = await request.RunAsync(this, cancellationToken).ConfigureAwait(false);
                    Interlocked.Add(ref tx, info.TxBytes);
                    Interlocked.Add(ref rx, info.RxBytes);
                    Volatile.Write(ref world, info.WorldSize);
                }
                catch (CollectivesException e)
                {
                    lock (failed)
                    {
                        if (e.IsTransient)
                        {
                            failed.Add(request);
                        }
                        else
                        {
                            fatal ??= e;
                        }
                    }
                }
                finally
                {
                    slots.Release();
                }
            }
        }

        if (retrying && world < 2)
        {
            // The last survivors' runs had nobody else: report it like PCCL rather than as a reduction.
            throw new CollectivesException(ErrorCode.TooFewPeers, "every other peer left during the batch");
        }

        return new AllReduceInfo(world, tx, rx);
    }
}
