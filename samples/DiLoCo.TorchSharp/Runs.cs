using System.Diagnostics;
using Collectives;
using Collectives.Optimizers;

namespace DiLoCo.TorchSharp;

internal sealed record Settings(int Peers, int InnerSteps, int OuterSteps, int Batch, double InnerLearningRate);

/// <summary>What one training mode came to.</summary>
/// <param name="Curve">(samples seen by all peers, outer parameters then) after every outer step.</param>
internal sealed record RunResult(string Name, List<(long Samples, float[] Parameters)> Curve, long BytesSent, long Samples,
    double SecondsPerOuterStep, double ComputeSecondsPerOuterStep);

/// <summary>The three training modes on the same peers, data streams and sample budget.</summary>
internal static class Runs
{
    // The first outer steps pay for JIT and connection set-up; timings skip them.
    private const int WarmUp = 2;

    /// <summary>Every peer runs its inner steps at once, as in training, without communicating: seconds per H steps.</summary>
    public static async Task<double> MeasureComputeAsync(TorchPeer[] peers, Settings settings, int phases)
    {
        var times = new List<double>();
        for (int phase = 0; phase < phases; phase++)
        {
            double[] each = await Task.WhenAll(peers.Select(peer => Task.Run(() =>
            {
                long start = Stopwatch.GetTimestamp();
                for (int h = 0; h < settings.InnerSteps; h++)
                {
                    peer.InnerStep();
                }

                return Stopwatch.GetElapsedTime(start).TotalSeconds;
            })));
            times.Add(each.Max());
        }

        return times.Skip(phases / 2).Average();
    }

    /// <summary>Seconds one all-reduce of <paramref name="count"/> floats takes through the group's links (median, all peers idle otherwise).</summary>
    public static async Task<double> MeasureAllReduceAsync(PeerGroup group, int count, int repeats)
    {
        float[][] buffers = [.. group.Peers.Select(_ => new float[count])];
        var times = new List<double>();
        for (int i = 0; i <= repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await Task.WhenAll(group.Peers.Select((peer, rank) =>
                peer.AllReduceManyAsync([AllReduceRequest.Create(buffers[rank].AsMemory(), ReduceOp.Avg, 900)], maxInFlight: 1)));
            times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        return times.Skip(1).Order().ElementAt(repeats / 2);
    }

    public static async Task<RunResult> DataParallelAsync(PeerGroup group, TorchPeer[] peers, Settings settings)
    {
        float[] start = peers[0].Snapshot(); // DDP starts every replica from rank 0's weights
        foreach (TorchPeer peer in peers.Skip(1))
        {
            peer.Load(start);
        }

        var curve = new List<(long, float[])>();
        var perOuter = new List<double>();
        long[] sent = new long[peers.Length];
        await Task.WhenAll(peers.Select((peer, rank) => Task.Run(async () =>
        {
            for (int outer = 0; outer < settings.OuterSteps; outer++)
            {
                long begin = Stopwatch.GetTimestamp();
                for (int h = 0; h < settings.InnerSteps; h++)
                {
                    sent[rank] += (await peer.DataParallelStepAsync(group.Peers[rank])).TxBytes;
                }

                if (rank == 0)
                {
                    perOuter.Add(Stopwatch.GetElapsedTime(begin).TotalSeconds);
                    curve.Add((SamplesAfter(outer + 1, settings), peer.Snapshot()));
                }
            }
        })));
        return new RunResult("every-step all-reduce (DDP)", curve, sent.Sum(), SamplesAfter(settings.OuterSteps, settings),
            perOuter.Skip(WarmUp).Average(), double.NaN);
    }

    public static async Task<RunResult> DiLoCoAsync(PeerGroup group, TorchPeer[] peers, Settings settings, bool async)
    {
        var curve = new List<(long, float[])>();
        var perOuter = new List<double>();
        var compute = new List<double>();
        long[] sent = new long[peers.Length];
        await Task.WhenAll(peers.Select((peer, rank) => Task.Run(async () =>
        {
            DiLoCoOptimizer? sync = async ? null : new DiLoCoOptimizer(group.Peers[rank], peer.Parameters);
            await using AsyncDiLoCoOptimizer? background = async ? new AsyncDiLoCoOptimizer(group.Peers[rank], peer.Parameters) : null;
            OuterStepInfo info = await (sync?.InitializeAsync() ?? background!.InitializeAsync());
            sent[rank] += info.SyncTxBytes;
            for (int outer = 0; outer < settings.OuterSteps; outer++)
            {
                long begin = Stopwatch.GetTimestamp();
                for (int h = 0; h < settings.InnerSteps; h++)
                {
                    peer.InnerStep();
                }

                double inner = Stopwatch.GetElapsedTime(begin).TotalSeconds;
                info = await (sync?.StepAsync() ?? background!.StepAsync());
                if (Environment.GetEnvironmentVariable("DILOCO_TRACE") == "1")
                {
                    Console.WriteLine($"rank {rank} outer {outer}: inner {inner * 1000:F0} ms, {info}");
                }

                sent[rank] += info.ReduceTxBytes + info.SyncTxBytes;
                if (rank == 0)
                {
                    perOuter.Add(Stopwatch.GetElapsedTime(begin).TotalSeconds);
                    compute.Add(inner);
                    curve.Add((SamplesAfter(outer + 1, settings), (sync?.OuterParameters ?? background!.OuterParameters).ToArray()));
                }
            }

            if (background is not null)
            {
                info = await background.FinishAsync();
                sent[rank] += info.ReduceTxBytes + info.SyncTxBytes;
                if (rank == 0)
                {
                    curve[^1] = (curve[^1].Item1, background.OuterParameters.ToArray());
                }
            }
        })));
        return new RunResult(async ? "async DiLoCo" : "DiLoCo", curve, sent.Sum(), SamplesAfter(settings.OuterSteps, settings),
            perOuter.Skip(WarmUp).Average(), compute.Skip(WarmUp).Average());
    }

    private static long SamplesAfter(int outerSteps, Settings settings) =>
        (long)outerSteps * settings.InnerSteps * settings.Batch * settings.Peers;
}
