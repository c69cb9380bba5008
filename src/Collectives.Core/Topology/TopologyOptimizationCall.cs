using Collectives.Protocol.Messages;

namespace Collectives.Topology;

/// <summary>The one optimize-topology call a peer has in flight: how the master answered it.</summary>
internal sealed class TopologyOptimizationCall
{
    private readonly TaskCompletionSource<TopologyOptimized> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<TopologyOptimized> Result => _result.Task;

    public void Complete(TopologyOptimized result) => _result.TrySetResult(result);

    public void Fail(CollectivesException reason) => _result.TrySetException(reason);
}
