using Collectives.Quantization;

namespace Collectives.StressTests.Peer;

/// <summary>
/// The collective part of one step: a batch through <see cref="Communicator.AllReduceManyAsync"/> (library retries)
/// running at the same time as single all-reduces with this loop's own retry, plain and quantized, every op and
/// several element types. Tags repeat every step, so data of an aborted run must never leak into the next one.
/// </summary>
internal sealed class TrainingStep(Communicator communicator, Gradients gradients, PeerCounters counters)
{
    private static readonly AllReduceOptions MinMax8 = new() { Quantization = new QuantizationOptions(QuantizationAlgorithm.MinMax, DataType.UInt8) };
    private static readonly AllReduceOptions ZeroPoint16 = new() { Quantization = new QuantizationOptions(QuantizationAlgorithm.ZeroPointScale, DataType.UInt16), DataType = DataType.BFloat16 };
    private static readonly AllReduceOptions ZeroPoint8 = new() { Quantization = new QuantizationOptions(QuantizationAlgorithm.ZeroPointScale, DataType.UInt8) };

    /// <summary>Runs every all-reduce of the step; throws when one cannot complete (the caller retries the step).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        AllReduceRequest[] batch =
        [
            AllReduceRequest.Create(gradients.Weights.AsMemory(), ReduceOp.Avg, 1, MinMax8),
            AllReduceRequest.Create(gradients.Momentum.AsMemory(), ReduceOp.Avg, 2),
            AllReduceRequest.Create(gradients.Half.AsMemory(), ReduceOp.Sum, 3),
            AllReduceRequest.Create(gradients.BFloat.AsMemory(), ReduceOp.Avg, 4, ZeroPoint16),
        ];
        Task many = RunBatchAsync(batch, cancellationToken);
        Task[] singles =
        [
            RetryAsync(() => communicator.AllReduceAsync(gradients.Maxima.AsMemory(), ReduceOp.Max, 10, cancellationToken: cancellationToken)),
            RetryAsync(() => communicator.AllReduceAsync(gradients.Tally.AsMemory(), ReduceOp.Sum, 11, cancellationToken: cancellationToken)),
            RetryAsync(() => communicator.AllReduceAsync(gradients.Products.AsMemory(), ReduceOp.Prod, 12, cancellationToken: cancellationToken)),
            RetryAsync(() => communicator.AllReduceAsync(gradients.Minima.AsMemory(), ReduceOp.Min, 13, ZeroPoint8, cancellationToken)),
        ];

        // Wait for everything even when one fails: the buffers must not be in use when the caller refills them.
        Task all = Task.WhenAll([many, .. singles]);
        try
        {
            await all.ConfigureAwait(false);
        }
        catch (CollectivesException) when (all.Exception?.InnerExceptions.OfType<CollectivesException>().FirstOrDefault() is { } first)
        {
            throw first;
        }
    }

    private async Task RunBatchAsync(AllReduceRequest[] batch, CancellationToken cancellationToken)
    {
        await communicator.AllReduceManyAsync(batch, maxInFlight: 2, cancellationToken).ConfigureAwait(false);
        counters.AddOperations(batch.Length);
    }

    private async Task RetryAsync(Func<Task<AllReduceInfo>> operation)
    {
        while (true)
        {
            try
            {
                await operation().ConfigureAwait(false);
                counters.AddOperations(1);
                return;
            }
            catch (CollectivesException e) when (e.IsTransient)
            {
                counters.AddRetry();
                if (communicator.WorldSizes.PeerGroup < 2)
                {
                    throw new CollectivesException(ErrorCode.TooFewPeers, "alone after a failed all-reduce", e);
                }
            }
        }
    }
}
