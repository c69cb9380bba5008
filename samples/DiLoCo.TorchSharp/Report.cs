using System.Globalization;
using System.Text;

namespace DiLoCo.TorchSharp;

/// <summary>The results table (console and RESULTS.md) and the loss-curve PNG.</summary>
internal static class Report
{
    public static string Table(Settings settings, double computeSeconds, double bytesPerSecond, double reduceSeconds, IReadOnlyList<(RunResult Run, double[] Losses)> runs)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{settings.Peers} peers in one process, H = {settings.InnerSteps} inner steps (AdamW, lr {settings.InnerLearningRate}, batch {settings.Batch}) per outer step, {settings.OuterSteps} outer steps; every peer's inbound link limited to {bytesPerSecond / 1e6:F2} MB/s, where one all-reduce of the {TorchPeer.ParameterCount:N0} float32 parameters takes {reduceSeconds * 1000:F0} ms (peers idle) against {computeSeconds * 1000:F0} ms for H inner steps with all peers computing.");
        text.AppendLine();
        text.AppendLine("| mode | final eval loss | bytes sent per sample | time per outer step | ratio to compute-only | rank 0's inner steps in the run |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach ((RunResult run, double[] losses) in runs)
        {
            string inner = double.IsNaN(run.ComputeSecondsPerOuterStep) ? "–" : $"{run.ComputeSecondsPerOuterStep * 1000:F0} ms";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {run.Name} | {losses[^1]:F4} | {(double)run.BytesSent / run.Samples:F1} | {run.SecondsPerOuterStep * 1000:F0} ms | {run.SecondsPerOuterStep / computeSeconds:F2}× | {inner} |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Compute-only time per outer step: {computeSeconds * 1000:F0} ms (all peers running H inner steps at once, no communication).");
        return text.ToString();
    }

    public static void Plot(string path, IReadOnlyList<(RunResult Run, double[] Losses)> runs)
    {
        var plot = new ScottPlot.Plot();
        foreach ((RunResult run, double[] losses) in runs)
        {
            double[] samples = run.Curve.Select(point => (double)point.Samples).ToArray();
            ScottPlot.Plottables.Scatter line = plot.Add.Scatter(samples, losses);
            line.LegendText = run.Name;
        }

        plot.Title("MNIST MLP, 4 peers: evaluation loss of the (outer) parameters");
        plot.XLabel("samples processed by all peers");
        plot.YLabel("cross-entropy on 1,000 held-out digits");
        plot.ShowLegend();
        plot.SavePng(path, 900, 560);
    }
}
