using System.Buffers;
using System.Collections.Immutable;
using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using Collectives.SharedState;

namespace Collectives;

public sealed partial class Communicator
{
    private SharedStateSync? _sync;
    private SharedStateFetcher? _activeFetcher;
    private long _sharedStateReceived;

    /// <summary>Shared-state bytes this peer fetched from others (all syncs, including the one running).</summary>
    public long SharedStateBytesReceived => Interlocked.Read(ref _sharedStateReceived) + (Volatile.Read(ref _activeFetcher)?.BytesReceived ?? 0);

    /// <summary>
    /// Makes <paramref name="state"/> identical to the group's elected shared state (SPEC §6). Collective over the
    /// accepted peers of this peer's group. Tensors whose content differs from the elected content are fetched from
    /// the up-to-date peers (all of them at once), written straight into the tensors' memory and verified by hash;
    /// <see cref="SharedTensorSet.Revision"/> takes the elected revision. This peer also serves its tensors to others
    /// until every peer of the round is done, so the memory must stay valid until the call returns.
    /// </summary>
    /// <returns>Bytes sent and received, and the revision adopted. After the first sync of a deterministic loop, 0 bytes received.</returns>
    /// <exception cref="CollectivesException">
    /// RankConnectionLost (transient: retry) when a peer of the round died or a transfer failed — fetched tensors may
    /// then be partly written, but the sync is not reported as done; NoSharedStateAvailable; Kicked for a revision
    /// jump or a mismatching set of names/types; InvalidUsage when not accepted or another sync runs; MasterConnectionFailed.
    /// </exception>
    public async Task<SharedStateSyncInfo> SynchronizeSharedStateAsync(SharedTensorSet state, SharedStateStrategy strategy = SharedStateStrategy.EnforcePopular,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (strategy is < SharedStateStrategy.EnforcePopular or > SharedStateStrategy.SendOnly)
        {
            throw new CollectivesException(ErrorCode.InvalidArgument, $"unknown strategy {(int)strategy}");
        }

        MasterClient master = RequireAccepted();
        var sync = new SharedStateSync();
        lock (_gate)
        {
            if (_sync is not null)
            {
                throw new CollectivesException(ErrorCode.InvalidUsage, "a shared-state sync is already running on this peer");
            }

            if (_topologyWaiter is { Task.IsCompleted: false })
            {
                throw new CollectivesException(ErrorCode.InvalidUsage, "a topology update is in progress");
            }

            _sync = sync;
        }

        // Name order is the wire order of entries (donors index requests by it).
        SharedTensor[] tensors = state.Tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();
        var pins = new MemoryHandle[tensors.Length];
        var bytes = new Memory<byte>[tensors.Length];
        ServingSession? serving = null;
        SharedStateFetcher? fetcher = null;
        var measurement = Diagnostics.OperationMeasurement.StartSharedStateSync();
        try
        {
            for (int i = 0; i < tensors.Length; i++)
            {
                (pins[i], bytes[i]) = tensors[i].Pin();
            }

            ImmutableArray<SharedStateEntryInfo> entries = [.. tensors.Select((t, i) => new SharedStateEntryInfo(
                t.Name, t.DataType, (ulong)t.Count, TensorHasher.Hash(bytes[i].Span, t.DataType), t.AllowContentInequality))];
            serving = _sharedStateServer.Serve(bytes);
            master.Send(new SyncSharedState(state.Revision, (byte)strategy, entries));

            SharedStateDecision decision = await AwaitAsync(sync.Decision, cancellationToken).ConfigureAwait(false);
            bool ok = true;
            string reason = string.Empty;
            ErrorCode code = ErrorCode.Success;
            long received = 0;
            if (decision.Transfers.Count > 0)
            {
                fetcher = new SharedStateFetcher(_options.Transport, _self.ToGuid(), decision.Round);
                Volatile.Write(ref _activeFetcher, fetcher);
                try
                {
                    (List<SharedStateFetcher.Slice> slices, List<FetchedTensor> fetched) = PlanSlices(decision, tensors, bytes);
                    await fetcher.FetchAsync(slices, _options.ProgressTimeout, cancellationToken).ConfigureAwait(false);
                    // Blocks were hashed as they arrived; only what no slice covered is hashed here. Never skipped: a
                    // tensor is reported synced only after its hash matched the elected content.
                    foreach (FetchedTensor tensor in fetched)
                    {
                        tensor.Verify();
                    }
                }
                catch (Exception e) when (e is CollectivesException or OperationCanceledException)
                {
                    ok = false;
                    code = e is CollectivesException ce ? ce.ErrorCode : ErrorCode.Cancelled;
                    reason = e.Message;
                }

                received = fetcher.BytesReceived;
            }

            TrySend(new SharedStateTransferDone(decision.Round, ok, code, reason));
            SharedStateSyncComplete complete = await AwaitAsync(sync.Complete, CancellationToken.None).ConfigureAwait(false);
            await serving.StopAsync(abandon: !complete.Success, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            long sent = serving.BytesSent;
            serving = null;
            Diagnostics.LibraryMetrics.RecordSharedStateBytes(sent, received);
            if (!complete.Success || !ok)
            {
                throw new CollectivesException(ok ? (complete.ErrorCode == ErrorCode.Success ? ErrorCode.RankConnectionLost : complete.ErrorCode) : code,
                    $"shared-state sync failed: {(ok ? complete.Reason : reason)}");
            }

            state.Revision = decision.Revision;
            measurement.Succeeded();
            return new SharedStateSyncInfo(sent, received, decision.Revision);
        }
        catch (Exception e) when (measurement.Failed(e))
        {
            throw; // never reached: the filter only counts the failure
        }
        finally
        {
            measurement.End();
            if (serving is not null)
            {
                await serving.StopAsync(abandon: true, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }

            if (fetcher is not null)
            {
                Interlocked.Add(ref _sharedStateReceived, fetcher.BytesReceived);
                Volatile.Write(ref _activeFetcher, null);
                await fetcher.DisposeAsync().ConfigureAwait(false);
            }

            foreach (MemoryHandle pin in pins)
            {
                pin.Dispose();
            }

            lock (_gate)
            {
                _sync = null;
            }
        }
    }

    private (List<SharedStateFetcher.Slice> Slices, List<FetchedTensor> Tensors) PlanSlices(SharedStateDecision decision, SharedTensor[] tensors, Memory<byte>[] bytes)
    {
        var slices = new List<SharedStateFetcher.Slice>();
        var fetched = new List<FetchedTensor>();
        foreach (SharedStateTransferInfo transfer in decision.Transfers.AsImmutableArray())
        {
            int index = Array.FindIndex(tensors, t => t.Name == transfer.Name);
            if (index < 0 || (ulong)bytes[index].Length != transfer.ByteLength)
            {
                throw new CollectivesException(ErrorCode.ProtocolViolation, $"the master asked to fetch unknown or differently sized tensor '{transfer.Name}'");
            }

            ImmutableArray<SharedStateSliceInfo> transferSlices = transfer.Slices.AsImmutableArray();
            var tensor = new FetchedTensor(transfer.Name, bytes[index], tensors[index].DataType, transfer.ExpectedHash,
                transferSlices.Select(slice => (slice.Offset, slice.Length)));
            fetched.Add(tensor);
            foreach (SharedStateSliceInfo slice in transferSlices)
            {
                PeerEndpoint endpoint;
                lock (_gate)
                {
                    if (!_endpoints.TryGetValue(slice.Donor, out endpoint))
                    {
                        throw new CollectivesException(ErrorCode.RankConnectionFailed, $"no address known for donor {slice.Donor}");
                    }
                }

                slices.Add(new SharedStateFetcher.Slice(slice.Donor, endpoint.ToIPEndPoint(), (uint)index, slice.Offset,
                    bytes[index].Slice((int)slice.Offset, (int)slice.Length), tensor));
            }
        }

        return (slices, fetched);
    }
}
