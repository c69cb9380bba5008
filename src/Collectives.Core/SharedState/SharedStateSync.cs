using Collectives.Internal;
using Collectives.Protocol.Messages;

namespace Collectives.SharedState;

/// <summary>The one shared-state sync this peer has in flight: what the master said about it.</summary>
internal sealed class SharedStateSync
{
    private readonly TaskCompletionSource<SharedStateDecision> _decision = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<SharedStateSyncComplete> _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SharedStateSync()
    {
        // Faulted on every failure; after a failed decision nobody waits for the completion.
        _decision.Task.ObserveFaults();
        _complete.Task.ObserveFaults();
    }

    public Task<SharedStateDecision> Decision => _decision.Task;

    public Task<SharedStateSyncComplete> Complete => _complete.Task;

    public ulong Round { get; private set; }

    public void OnDecision(SharedStateDecision decision)
    {
        Round = decision.Round;
        _decision.TrySetResult(decision);
    }

    public void OnFailed(SharedStateSyncFailed failed) =>
        _decision.TrySetException(new CollectivesException(failed.ErrorCode, $"shared-state sync failed: {failed.Reason}"));

    public void OnComplete(SharedStateSyncComplete complete)
    {
        if (complete.Round == Round)
        {
            _complete.TrySetResult(complete);
        }
    }

    public void Fail(CollectivesException reason)
    {
        _decision.TrySetException(reason);
        _complete.TrySetException(reason);
    }
}
