using System.Globalization;
using Collectives.SharedState;
using Collectives.StressTests.Shared;

namespace Collectives.StressTests.Peer;

/// <summary>
/// The loop of a training process over one communicator, PCCL style: between steps accept pending peers, then sync
/// the shared state, then run the step's all-reduces and advance the state from their results. A transient failure
/// sends it back to the top (the state only advances after every all-reduce of the step succeeded); the loss of the
/// communicator ends it with the exception.
/// </summary>
internal sealed class TrainingLoop(Communicator communicator, TrainingState state, Gradients gradients, PeerCounters counters,
    Random random, PeerSettings settings)
{
    /// <summary>Runs until <paramref name="leave"/> is cancelled (returns) or the communicator dies (throws).</summary>
    /// <param name="holder">True when this peer's state is the run's (offered in the election); false: receive first.</param>
    public async Task RunAsync(bool holder, CancellationToken leave)
    {
        var step = new TrainingStep(communicator, gradients, counters);
        bool justAccepted = true; // a joiner goes straight to the sync, where the others are headed
        bool synced = false;
        while (!leave.IsCancellationRequested)
        {
            if (!justAccepted && !await TryUpdateTopologyAsync().ConfigureAwait(false))
            {
                continue;
            }

            justAccepted = false;
            (SharedStateSyncInfo? info, bool nobodyOffers) = await TrySyncAsync(holder).ConfigureAwait(false);
            if (info is null)
            {
                if (nobodyOffers)
                {
                    // Nobody offers state any more: the run lost it. Start a new history from what this peer holds.
                    state.StartLineage(random.NextInt64(1, long.MaxValue));
                    Report.Line(LineKinds.Reset, [("lin", Hex(state.Lineage))]);
                    holder = true;
                    synced = false;
                }

                continue;
            }

            Report.Line(LineKinds.Sync, [("lin", Hex(state.Lineage)), ("rev", state.Revision), ("hash", Hex(state.Hash())),
                ("rx", info.Value.RxBytes), ("tx", info.Value.TxBytes), ("first", synced ? 0 : 1), ("world", communicator.WorldSizes.PeerGroup)]);
            holder = true;
            synced = true;
            if (communicator.WorldSizes.PeerGroup < 2)
            {
                await Task.Delay(50, CancellationToken.None).ConfigureAwait(false); // alone: poll for joiners
                continue;
            }

            await Task.Delay(random.Next(settings.ComputeMs + 1), CancellationToken.None).ConfigureAwait(false); // "compute"
            gradients.Fill(state, settings.PeerSeed);
            if (!await TryStepAsync(step).ConfigureAwait(false))
            {
                continue;
            }

            gradients.ApplyTo(state);
            state.Local[1]++;
            if ((long)state.Revision == settings.CorruptAt)
            {
                state.Weights[0] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(state.Weights[0]) ^ 1);
            }

            (long operations, long retries) = counters.Take();
            Report.Line(LineKinds.Step, [("lin", Hex(state.Lineage)), ("rev", state.Revision), ("hash", Hex(state.Hash())),
                ("ops", operations), ("retries", retries), ("world", communicator.WorldSizes.PeerGroup), ("rss", Environment.WorkingSet)]);
        }
    }

    private async Task<bool> TryUpdateTopologyAsync()
    {
        try
        {
            if (await communicator.ArePeersPendingAsync().ConfigureAwait(false))
            {
                await communicator.UpdateTopologyAsync().ConfigureAwait(false);
            }

            return true;
        }
        catch (CollectivesException e) when (e.IsTransient)
        {
            Retry("topology", e);
            return false;
        }
    }

    /// <returns>The sync's info, or null after a failure; NobodyOffers when no peer of the group offered state.</returns>
    private async Task<(SharedStateSyncInfo? Info, bool NobodyOffers)> TrySyncAsync(bool holder)
    {
        try
        {
            return (await communicator.SynchronizeSharedStateAsync(state.Set,
                holder ? SharedStateStrategy.EnforcePopular : SharedStateStrategy.ReceiveOnly).ConfigureAwait(false), false);
        }
        catch (CollectivesException e) when (e.ErrorCode == ErrorCode.NoSharedStateAvailable && !holder)
        {
            return (null, true);
        }
        catch (CollectivesException e) when (e.IsTransient)
        {
            Retry("sync", e);
            return (null, false);
        }
    }

    private async Task<bool> TryStepAsync(TrainingStep step)
    {
        try
        {
            await step.RunAsync(CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (CollectivesException e) when (e.IsTransient || e.ErrorCode == ErrorCode.TooFewPeers)
        {
            Retry("step", e);
            return false;
        }
    }

    private void Retry(string phase, CollectivesException e)
    {
        counters.AddRetry();
        Report.Line(LineKinds.Retry, [("phase", phase), ("code", e.ErrorCode)]);
    }

    private static string Hex(long value) => value.ToString("x16", CultureInfo.InvariantCulture);

    private static string Hex(ulong value) => value.ToString("x16", CultureInfo.InvariantCulture);
}
