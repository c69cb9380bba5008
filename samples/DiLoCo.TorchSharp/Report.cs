using System.Globalization;
using System.Text;

namespace DiLoCo.TorchSharp;

/// <summary>The results table (console and RESULTS.md) and the loss-curve PNG.</summary>
internal static class Report
{
    // The first outer steps pay for JIT and connection set-up; timings skip them.
    private const int WarmUp = 2;

    /// <summary>Mean over rank 0's outer steps after the warm-up.</summary>
    private static double Rank0(ModeResult run, Func<StepRecord, double> value) => run.Peers[0].Steps.Skip(WarmUp).Average(value);

    /// <summary>Seconds per outer step of one peer: H inner steps plus the optimizer's call (DDP: H steps with their all-reduces).</summary>
    private static double PerOuterStep(PeerReport peer) => peer.Steps.Skip(WarmUp).Average(s => s.Inner + s.Step);

    public static string Summary(ModeResult run) => string.Create(CultureInfo.InvariantCulture,
        $"{Name(run.Mode)}: final eval loss {run.Losses[^1]:F4}, {PerOuterStep(run.Peers[0]) * 1000:F0} ms per outer step against {run.Peers[0].ComputeOnly * 1000:F0} ms compute-only (link {run.Peers[0].LinkRate / 1e6:F2} MB/s, all-reduce {run.Peers[0].Reduce * 1000:F0} ms)");

    public static string Table(Settings settings, IReadOnlyList<ModeResult> runs)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{settings.Peers} peers, each in its own process, H = {settings.InnerSteps} inner steps (AdamW, lr {settings.InnerLearningRate}, batch {settings.Batch}) per outer step, {settings.OuterSteps} outer steps, training thread's scheduling: {settings.ComputePolicy}. Each mode's run sets every peer's inbound link so that one all-reduce of the {TorchPeer.ParameterCount:N0} float32 parameters (peers idle) takes {settings.LinkFraction:P0} of the compute-only time of H inner steps measured just before, in the same processes (unless --rate fixes it).");
        text.AppendLine();
        text.AppendLine("| mode | final eval loss | bytes sent per sample | link | all-reduce, peers idle | compute-only before / after training | time per outer step (rank 0) | ratio | slowest peer's ratio | rank 0's inner steps | rank 0's optimizer call: blocked on background or reduce / sync / peers-pending | rank 0's reduction, start to end | CPU per outer step, rank 0: training thread / other threads |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (ModeResult run in runs)
        {
            PeerReport rank0 = run.Peers[0];
            double computeOnly = rank0.ComputeOnly;
            double perOuter = PerOuterStep(rank0);
            double slowest = run.Peers.Max(PerOuterStep);
            long bytes = run.Peers.Sum(p => p.Steps.Sum(s => s.TxBytes));
            bool ddp = run.Mode == "ddp";
            string inner = ddp ? "–" : $"{Rank0(run, s => s.Inner) * 1000:F0} ms";
            string call = ddp ? "–" : string.Create(CultureInfo.InvariantCulture,
                $"{Rank0(run, s => s.Step) * 1000:F1} ms: {Rank0(run, s => s.CommunicationWait) * 1000:F1} / {Rank0(run, s => s.SharedStateSync) * 1000:F1} / {Rank0(run, s => s.PeersPending) * 1000:F1} ms");
            string reduction = ddp ? "–" : $"{rank0.Steps.Skip(WarmUp).Where(s => s.Reduction > 0).DefaultIfEmpty().Average(s => s?.Reduction ?? 0) * 1000:F0} ms";
            string settled = LinkCalibration.Agree(rank0.ComputeBefore, rank0.ComputeAfter) ? "" : " (differ > 10 %)";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {Name(run.Mode)} | {run.Losses[^1]:F4} | {(double)bytes / run.Samples:F1} | {rank0.LinkRate / 1e6:F2} MB/s | {rank0.Reduce * 1000:F0} ms | {rank0.ComputeBefore * 1000:F0} / {rank0.ComputeAfter * 1000:F0} ms{settled} | {perOuter * 1000:F0} ms | {perOuter / computeOnly:F2}× | {slowest / computeOnly:F2}× | {inner} | {call} | {reduction} | {rank0.CpuTraining * 1000:F1} / {rank0.CpuOther * 1000:F1} ms |");
        }

        text.AppendLine();
        text.AppendLine("Compute-only: in the same peer processes and on the same (training) thread with the same scheduling, every peer runs phases of H inner steps on a scratch model at once without communicating, free-running; a round is the slowest peer's mean over 8 phases. Before training: 24 untimed warm-up phases, then rounds until two consecutive ones agree within 10 % (at most 5), their mean; after training the same with at most 3 rounds. \"Ratio\" divides rank 0's time per outer step (H inner steps + the optimizer's call, mean after two warm-up steps) by the mean of before and after. Slowest peer's inner steps during training:");
        foreach (ModeResult run in runs)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- {Name(run.Mode)}: {run.Peers.Max(p => p.Steps.Skip(WarmUp).Average(s => s.Inner)) * 1000:F0} ms; compute rounds (ms): {string.Join(' ', run.Peers[0].ComputeRounds.Select(r => (r * 1000).ToString("F0", CultureInfo.InvariantCulture)))}");
        }

        return text.ToString();
    }

    public static void Plot(string path, IReadOnlyList<ModeResult> runs)
    {
        var plot = new ScottPlot.Plot();
        foreach (ModeResult run in runs)
        {
            double[] samples = [.. Enumerable.Range(1, run.Losses.Length).Select(step => (double)run.Samples * step / run.Losses.Length)];
            ScottPlot.Plottables.Scatter line = plot.Add.Scatter(samples, run.Losses);
            line.LegendText = Name(run.Mode);
        }

        plot.Title($"MNIST MLP, {runs[0].Peers.Length} peer processes: evaluation loss of the (outer) parameters");
        plot.XLabel("samples processed by all peers");
        plot.YLabel("cross-entropy on 1,000 held-out digits");
        plot.ShowLegend();
        plot.SavePng(path, 900, 560);
    }

    private static string Name(string mode) => mode switch
    {
        "ddp" => "every-step all-reduce (DDP)",
        "diloco" => "DiLoCo",
        _ => "async DiLoCo",
    };
}
