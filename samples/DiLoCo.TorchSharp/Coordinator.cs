using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using Collectives.Membership;

namespace DiLoCo.TorchSharp;

/// <summary>What one mode's run came to: every peer's report and the evaluation loss after every outer step.</summary>
internal sealed record ModeResult(string Mode, PeerReport[] Peers, double[] Losses, long Samples);

/// <summary>
/// Runs every mode with a fresh master and one process per peer, collects the peers' reports and evaluates rank 0's
/// outer parameters after every outer step. Every run calibrates its own links against the compute-only time it
/// measured just before (machine load changes between runs), unless a fixed rate is given.
/// </summary>
internal static class Coordinator
{
    private static readonly TimeSpan RunBound = TimeSpan.FromMinutes(5);

    public static async Task RunAsync(Settings settings, IReadOnlyList<string> modes, double? rate, string output)
    {
        (_, MnistDigits eval) = MnistDigits.Load(settings.Data, evalCount: 1000);
        var results = new List<ModeResult>();
        foreach (string mode in modes)
        {
            string work = Path.Combine(Path.GetTempPath(), $"diloco-{Environment.ProcessId}-{mode}");
            Directory.CreateDirectory(work);
            PeerReport[] peers = await RunPeersAsync(settings, mode, rate, work);
            var result = new ModeResult(mode, peers, Evaluate(Path.Combine(work, "curve.bin"), eval, settings),
                (long)settings.OuterSteps * settings.InnerSteps * settings.Batch * settings.Peers);
            Console.WriteLine(Report.Summary(result));
            results.Add(result);
            Directory.Delete(work, recursive: true);
        }

        string table = Report.Table(settings, results);
        Console.WriteLine(table);
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "results-table.md"), table);
        Report.Plot(Path.Combine(output, "loss-curves.png"), results);
        Console.WriteLine($"wrote {Path.Combine(output, "results-table.md")} and {Path.Combine(output, "loss-curves.png")}");
    }

    private static async Task<PeerReport[]> RunPeersAsync(Settings settings, string mode, double? rate, string work)
    {
        await using var master = new MasterServer(MasterOptions.Default with
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            PeerTimeout = TimeSpan.FromSeconds(10), // four busy processes on two cores can delay a heartbeat
        });
        master.Start();
        var logs = new List<StreamWriter>();
        Process[] peers = [.. Enumerable.Range(0, settings.Peers).Select(rank => StartPeer(settings, mode, rate, work, rank, master.LocalEndPoint, logs))];
        try
        {
            using var deadline = new CancellationTokenSource(RunBound);
            await Task.WhenAll(peers.Select(p => p.WaitForExitAsync(deadline.Token)));
        }
        catch (OperationCanceledException)
        {
            int[] running = [.. peers.Select((p, rank) => (p, rank)).Where(p => !p.p.HasExited).Select(p => p.rank)];
            throw new InvalidOperationException(
                $"the {mode} run did not end within {RunBound.TotalMinutes} minutes (still running: peer(s) {string.Join(", ", running)}); see {work}/peer*.log");
        }
        finally
        {
            foreach (Process peer in peers)
            {
                if (!peer.HasExited)
                {
                    peer.Kill(entireProcessTree: true);
                }
            }

            await Task.WhenAll(peers.Select(p => p.WaitForExitAsync())); // and their output is drained
            logs.ForEach(log => log.Dispose());
        }

        int[] failed = [.. peers.Select((p, rank) => (p.ExitCode, rank)).Where(p => p.ExitCode != 0).Select(p => p.rank)];
        if (failed.Length > 0)
        {
            throw new InvalidOperationException($"peer(s) {string.Join(", ", failed)} of the {mode} run failed; see {work}/peer*.log");
        }

        Array.ForEach(peers, p => p.Dispose());
        return [.. Enumerable.Range(0, settings.Peers).Select(rank =>
            JsonSerializer.Deserialize<PeerReport>(File.ReadAllText(Path.Combine(work, $"peer{rank}.json")))!)];
    }

    private static Process StartPeer(Settings settings, string mode, double? rate, string work, int rank, IPEndPoint master, List<StreamWriter> logs)
    {
        string host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Coordinator).Assembly.Location);
        }

        string[] arguments =
        [
            "--role", "peer", "--rank", $"{rank}", "--mode", mode, "--master", master.ToString(), "--work", work,
            "--peers", $"{settings.Peers}", "--inner", $"{settings.InnerSteps}", "--outer", $"{settings.OuterSteps}", "--batch", $"{settings.Batch}",
            "--link-fraction", settings.LinkFraction.ToString(CultureInfo.InvariantCulture), "--data", settings.Data,
            "--compute-policy", $"{settings.ComputePolicy}",
        ];
        arguments.ToList().ForEach(start.ArgumentList.Add);
        if (rate is { } fixedRate)
        {
            start.ArgumentList.Add("--rate");
            start.ArgumentList.Add(fixedRate.ToString("R", CultureInfo.InvariantCulture));
        }

        Process peer = Process.Start(start)!;
        var log = new StreamWriter(Path.Combine(work, $"peer{rank}.log")) { AutoFlush = true };
        logs.Add(log);
        bool echo = Environment.GetEnvironmentVariable("DILOCO_TRACE") == "1";
        var clock = Stopwatch.StartNew();
        void Forward(string? line)
        {
            if (line is null)
            {
                return;
            }

            line = string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds,7:F1}s {line}"); // when it arrived, to locate stalls

            lock (log)
            {
                log.WriteLine(line);
            }

            if (echo)
            {
                Console.WriteLine($"[{mode} {rank}] {line}");
            }
        }

        peer.OutputDataReceived += (_, e) => Forward(e.Data);
        peer.ErrorDataReceived += (_, e) => Forward(e.Data);
        peer.BeginOutputReadLine();
        peer.BeginErrorReadLine();
        return peer;
    }

    private static double[] Evaluate(string curveFile, MnistDigits eval, Settings settings)
    {
        float[] all = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(curveFile)).ToArray();
        using var model = new TorchPeer(0, eval, settings.Batch, settings.InnerLearningRate);
        return [.. all.Chunk(TorchPeer.ParameterCount).Select(point =>
        {
            model.Load(point);
            return model.Evaluate(eval);
        })];
    }
}
