using System.Diagnostics;
using System.Runtime.InteropServices;
using Collectives;
using Collectives.Optimizers;

namespace DiLoCo.TorchSharp;

internal sealed record Settings(int Peers, int InnerSteps, int OuterSteps, int Batch, double InnerLearningRate, double LinkFraction, string Data, ComputePolicy ComputePolicy);

/// <summary>One outer step as one peer saw it (seconds; the optimizer's timings are zero for DDP).</summary>
internal sealed record StepRecord(double Inner, double Step, long TxBytes, double CommunicationWait, double SharedStateSync, double PeersPending,
    double Kernels, double Launch, bool AcceptedPeers, long SyncRxBytes, double Reduction);

/// <summary>What one peer process reports to the coordinator.</summary>
internal sealed record PeerReport(int Rank, string Mode, double ComputeOnly, double ComputeBefore, double ComputeAfter, List<double> ComputePhases,
    List<double> ComputeRounds, bool ComputeSettled, double LinkRate, double Reduce, List<StepRecord> Steps, double CpuTraining, double CpuOther);

/// <summary>The three training modes, as one peer runs them; the peers share the data streams' seeds and the sample budget.</summary>
internal static class Runs
{
    public static async Task<List<StepRecord>> DataParallelAsync(Communicator peer, TorchPeer model, Settings settings, Stream? curve)
    {
        model.Load(TorchPeer.StartingPoint()); // DDP starts every replica from rank 0's weights
        var steps = new List<StepRecord>();
        for (int outer = 0; outer < settings.OuterSteps; outer++)
        {
            long begin = Stopwatch.GetTimestamp();
            long sent = 0;
            for (int h = 0; h < settings.InnerSteps; h++)
            {
                sent += (await model.DataParallelStepAsync(peer)).TxBytes;
            }

            double elapsed = Stopwatch.GetElapsedTime(begin).TotalSeconds;
            steps.Add(new StepRecord(elapsed, 0, sent, 0, 0, 0, 0, 0, false, 0, 0));
            Write(curve, model.Snapshot());
        }

        return steps;
    }

    public static async Task<List<StepRecord>> DiLoCoAsync(Communicator peer, TorchPeer model, Settings settings, bool async, Stream? curve)
    {
        DiLoCoOptimizer? sync = async ? null : new DiLoCoOptimizer(peer, model.Parameters);
        await using AsyncDiLoCoOptimizer? background = async ? new AsyncDiLoCoOptimizer(peer, model.Parameters) : null;
        OuterStepInfo info = await (sync?.InitializeAsync() ?? background!.InitializeAsync());
        long initialSync = info.SyncTxBytes;
        var steps = new List<StepRecord>();
        var points = new List<float[]>();
        bool trace = Environment.GetEnvironmentVariable("DILOCO_TRACE") == "1";
        for (int outer = 0; outer < settings.OuterSteps; outer++)
        {
            long begin = Stopwatch.GetTimestamp();
            for (int h = 0; h < settings.InnerSteps; h++)
            {
                model.InnerStep();
            }

            double inner = Stopwatch.GetElapsedTime(begin).TotalSeconds;
            long call = Stopwatch.GetTimestamp();
            info = await (sync?.StepAsync() ?? background!.StepAsync());
            double step = Stopwatch.GetElapsedTime(call).TotalSeconds;
            OuterStepTimings t = info.Timings;
            steps.Add(new StepRecord(inner, step, info.ReduceTxBytes + info.SyncTxBytes + (outer == 0 ? initialSync : 0),
                t.CommunicationWait.TotalSeconds, t.SharedStateSync.TotalSeconds, t.PeersPending.TotalSeconds, t.Kernels.TotalSeconds,
                t.Launch.TotalSeconds, info.AcceptedPeers, info.SyncRxBytes, t.Reduction.TotalSeconds));
            if (trace)
            {
                Console.WriteLine($"outer {outer}: inner {inner * 1000:F1} ms, step {step * 1000:F1} ms, wait {t.CommunicationWait.TotalMilliseconds:F1}, sync {t.SharedStateSync.TotalMilliseconds:F1}, pending {t.PeersPending.TotalMilliseconds:F1}, kernels {t.Kernels.TotalMilliseconds:F1}, launch {t.Launch.TotalMilliseconds:F1}, reduction {t.Reduction.TotalMilliseconds:F1}");
            }

            points.Add((sync?.OuterParameters ?? background!.OuterParameters).ToArray());
        }

        if (background is not null)
        {
            info = await background.FinishAsync();
            steps[^1] = steps[^1] with { TxBytes = steps[^1].TxBytes + info.ReduceTxBytes + info.SyncTxBytes };
            points[^1] = background.OuterParameters.ToArray();
        }

        points.ForEach(point => Write(curve, point));
        return steps;
    }

    private static void Write(Stream? curve, float[] parameters) => curve?.Write(MemoryMarshal.AsBytes(parameters.AsSpan()));
}
