using Collectives.Diagnostics;
using Collectives.Quantization;
using Collectives.SharedState;
using Collectives.Tests.Integration;
using NUnit.Framework;

namespace Collectives.Tests.Diagnostics;

[TestFixture]
[CancelAfter(120_000)]
public sealed class MetricsTests
{
    [Test]
    public async Task AnAllReduceRecordsItsBytesAndADurationTaggedWithOpAndQuantization()
    {
        using var metrics = new MetricsRecorder();
        await using var run = new LocalRun();
        await run.JoinAsync();
        await run.JoinAsync();

        const int Count = 40_000;
        float[][] buffers = [.. run.Peers.Select((_, i) => Enumerable.Range(0, Count).Select(x => (float)(x % 97) + i).ToArray())];
        var options = new AllReduceOptions { Quantization = new QuantizationOptions(QuantizationAlgorithm.MinMax, DataType.UInt8) };
        AllReduceInfo[] infos = await Task.WhenAll(run.Peers.Select((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), ReduceOp.Max, 7, options)))
            .WaitAsync(LocalRun.Bound);

        long sent = infos.Sum(i => i.TxBytes);
        long received = infos.Sum(i => i.RxBytes);
        Assert.That(sent, Is.Positive, "the all-reduce moved data");
        Assert.That(metrics.Sum(CollectivesMetrics.PeerBytesSent), Is.GreaterThanOrEqualTo(sent));
        Assert.That(metrics.Sum(CollectivesMetrics.PeerBytesReceived), Is.GreaterThanOrEqualTo(received));
        Assert.That(metrics.Of(CollectivesMetrics.PeerBytesSent).Select(m => m.Unit), Is.All.EqualTo("By"));

        var ours = metrics.Of(CollectivesMetrics.OperationDuration).Where(m =>
            m.Has(CollectivesMetrics.OperationTag, "all_reduce") && m.Has(CollectivesMetrics.ReduceOpTag, "max")
            && m.Has(CollectivesMetrics.QuantizationTag, "min_max") && m.Has(CollectivesMetrics.OutcomeTag, "success")).ToList();
        Assert.That(ours, Has.Count.GreaterThanOrEqualTo(2), "one duration per peer's operation");
        Assert.That(ours.Select(m => m.Value), Is.All.Positive.And.All.LessThan(LocalRun.Bound.TotalSeconds));
        Assert.That(ours.Select(m => m.Unit), Is.All.EqualTo("s"));
    }

    [Test]
    public async Task WorldSizeGaugeFollowsTheMembership()
    {
        using var metrics = new MetricsRecorder();
        await using var run = new LocalRun();
        await run.JoinAsync();
        await run.JoinAsync();
        await run.JoinAsync();

        var groupSizes = metrics.Of(CollectivesMetrics.WorldSize).Where(m => m.Has(CollectivesMetrics.WorldTag, "peer_group")).Select(m => m.Value);
        var globalSizes = metrics.Of(CollectivesMetrics.WorldSize).Where(m => m.Has(CollectivesMetrics.WorldTag, "global")).Select(m => m.Value);
        Assert.That(groupSizes, Does.Contain(3.0), "every peer learnt the group of three");
        Assert.That(globalSizes, Does.Contain(3.0));
    }

    [Test]
    public async Task MismatchedDescriptorsCountAsFailuresWithTheirErrorCode()
    {
        using var metrics = new MetricsRecorder();
        await using var run = new LocalRun();
        await run.JoinAsync();
        await run.JoinAsync();

        Task<AllReduceInfo>[] calls =
        [
            run.Peers[0].AllReduceAsync(new float[10].AsMemory(), ReduceOp.Sum, 3),
            run.Peers[1].AllReduceAsync(new float[10].AsMemory(), ReduceOp.Prod, 3),
        ];
        foreach (Task<AllReduceInfo> call in calls)
        {
            var error = await Assert.CatchAsync<CollectivesException>(async () => await call.WaitAsync(LocalRun.Bound));
            Assert.That(error!.ErrorCode, Is.EqualTo(ErrorCode.DescriptorMismatch));
        }

        var failures = metrics.Of(CollectivesMetrics.OperationFailures).Where(m =>
            m.Has(CollectivesMetrics.OperationTag, "all_reduce") && m.Has(CollectivesMetrics.ErrorTag, nameof(ErrorCode.DescriptorMismatch))).ToList();
        Assert.That(failures.Sum(m => m.Value), Is.GreaterThanOrEqualTo(2));
        Assert.That(metrics.Of(CollectivesMetrics.OperationDuration).Count(m => m.Has(CollectivesMetrics.OutcomeTag, "failure")
            && (m.Has(CollectivesMetrics.ReduceOpTag, "sum") || m.Has(CollectivesMetrics.ReduceOpTag, "prod"))), Is.GreaterThanOrEqualTo(2));
    }

    [Test]
    public async Task ASharedStateSyncThatTransfersRecordsTheBytesBothWays()
    {
        using var metrics = new MetricsRecorder();
        await using var run = new LocalRun();
        await run.JoinAsync();
        await run.JoinAsync();

        double[] upToDate = [.. Enumerable.Range(0, 1000).Select(i => i * 0.5)];
        double[] joiner = new double[1000];
        SharedTensorSet[] sets =
        [
            new(4, [SharedTensor.Create("weights", upToDate.AsMemory())]),
            new(0, [SharedTensor.Create("weights", joiner.AsMemory())]),
        ];
        SharedStateSyncInfo[] infos = await Task.WhenAll(run.Peers.Select((p, i) => p.SynchronizeSharedStateAsync(sets[i]))).WaitAsync(LocalRun.Bound);

        Assert.That(joiner, Is.EqualTo(upToDate));
        Assert.That(infos[1].RxBytes, Is.EqualTo(8000));
        Assert.That(metrics.Sum(CollectivesMetrics.SharedStateBytesReceived), Is.GreaterThanOrEqualTo(8000));
        Assert.That(metrics.Sum(CollectivesMetrics.SharedStateBytesSent), Is.GreaterThanOrEqualTo(8000));
        Assert.That(metrics.Of(CollectivesMetrics.OperationDuration).Count(m => m.Has(CollectivesMetrics.OperationTag, "shared_state_sync")
            && m.Has(CollectivesMetrics.OutcomeTag, "success")), Is.GreaterThanOrEqualTo(2));
    }

    [Test]
    public async Task TheMasterCountsAPeerItRemovedForSilence()
    {
        using var metrics = new MetricsRecorder();
        await using var run = new LocalRun();
        Communicator survivor = await run.JoinAsync();
        await using var child = ChildPeer.Start(run.Master.LocalEndPoint);
        await child.WaitForLineAsync("REGISTERED", LocalRun.Bound);
        await survivor.UpdateTopologyAsync().WaitAsync(LocalRun.Bound);
        await child.WaitForLineAsync("ACCEPTED", LocalRun.Bound);

        child.Freeze(); // SIGSTOP: its heartbeats stop while its sockets stay open
        await survivor.WaitForWorldSizesAsync(s => s.Global == 1, LocalRun.Bound);

        Assert.That(metrics.Sum(CollectivesMetrics.HeartbeatMisses), Is.GreaterThanOrEqualTo(1));
    }
}
