using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Collectives;
using TorchSharp;

namespace DiLoCo.TorchSharp;

/// <summary>
/// One peer in its own process: its model, its rate-limited inbound link (a <see cref="ThrottledRelay"/> in front of its
/// listener) and its communicator. It measures compute-only time and the all-reduce time with the other peers, sets
/// the link rate with them, trains one mode and writes a <see cref="PeerReport"/> (rank 0 also the outer parameters
/// after every outer step) into the work directory.
/// </summary>
internal static class PeerProcess
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    public static int Run(Settings settings, Dictionary<string, string> options)
    {
        int rank = int.Parse(options["rank"], CultureInfo.InvariantCulture);
        string work = options["work"];
        double? fixedRate = options.TryGetValue("rate", out string? rate) ? double.Parse(rate, CultureInfo.InvariantCulture) : null;
        torch.set_num_threads(1); // four peers share two cores: one intra-op thread each

        // The training loop blocks in libtorch; it runs on its own thread so that the thread pool stays free for the
        // sockets, the relay and the background all-reduce.
        return TrainingThread.Run(settings.ComputePolicy, () => RunAsync(rank, settings, options["mode"], IPEndPoint.Parse(options["master"]), fixedRate, work));
    }

    private static async Task<int> RunAsync(int rank, Settings settings, string mode, IPEndPoint master, double? fixedRate, string work)
    {
        (MnistDigits train, _) = MnistDigits.Load(settings.Data, evalCount: 1000);
        using var model = new TorchPeer(rank, train, settings.Batch, settings.InnerLearningRate);
        int port = FreePort();
        await using var relay = new ThrottledRelay(new IPEndPoint(IPAddress.Loopback, port), fixedRate ?? 1e9);
        await using var peer = new Communicator(new CommunicatorOptions(master)
        {
            PeerListen = new IPEndPoint(IPAddress.Loopback, port),
            AdvertisedAddress = IPAddress.Loopback,
            AdvertisedPort = relay.LocalEndPoint.Port,
            ProgressTimeout = TimeSpan.FromSeconds(60),
            MasterTimeout = TimeSpan.FromSeconds(20),
        });
        Console.WriteLine($"rank {rank}: connecting");
        await JoinAsync(peer, settings.Peers);
        Console.WriteLine($"rank {rank}: accepted, world {peer.WorldSizes.PeerGroup}, training thread's scheduler policy {ComputePolicy.CurrentSchedulerPolicy()} ({settings.ComputePolicy})");

        // Compute-only phases train a scratch model of the same shape, so that the measured model starts untouched.
        using var scratch = new TorchPeer(rank + 1000, train, settings.Batch, settings.InnerLearningRate);
        var links = new LinkCalibration(peer, relay, settings);
        Console.WriteLine($"rank {rank}: measuring compute-only");
        (double computeBefore, bool settledBefore) = await links.MeasureSettledComputeAsync(scratch, warmUp: 24, minWarmUp: TimeSpan.FromSeconds(10), phases: 8, maxRounds: 5, tag: 700);
        Console.WriteLine($"rank {rank}: calibrating the link");
        (double linkRate, double reduce) = await links.CalibrateAsync(computeBefore, fixedRate);
        Console.WriteLine($"rank {rank}: compute-only {computeBefore * 1000:F0} ms per H steps, link {linkRate / 1e6:F2} MB/s, all-reduce {reduce * 1000:F0} ms, {links.ReduceCpu * 1000:F1} ms CPU per all-reduce in this process");

        using var curve = rank == 0 ? File.Create(Path.Combine(work, "curve.bin")) : null;
        int trainingThread = ComputePolicy.CurrentThreadId();
        ThreadCpu cpuBefore = ThreadCpu.Sample(trainingThread);
        Dictionary<string, double> namesBefore = ThreadCpu.ByName();
        List<StepRecord> steps = mode switch
        {
            "ddp" => await Runs.DataParallelAsync(peer, model, settings, curve),
            "diloco" => await Runs.DiLoCoAsync(peer, model, settings, async: false, curve),
            _ => await Runs.DiLoCoAsync(peer, model, settings, async: true, curve),
        };
        ThreadCpu cpu = ThreadCpu.Sample(trainingThread) - cpuBefore;
        Console.WriteLine($"rank {rank}: CPU during training: training thread {cpu.Training * 1000 / settings.OuterSteps:F1} ms, other threads {cpu.Other * 1000 / settings.OuterSteps:F1} ms per outer step");
        Console.WriteLine($"rank {rank}: CPU by thread name, ms per outer step: {string.Join(", ", ThreadCpu.ByName().Select(t => (t.Key, Ms: (t.Value - namesBefore.GetValueOrDefault(t.Key)) * 1000 / settings.OuterSteps)).Where(t => t.Ms >= 0.5).OrderByDescending(t => t.Ms).Select(t => $"{t.Key} {t.Ms:F1}"))}");

        // Measured again after training, in case the machine's load changed during the run; the table uses the mean.
        (double computeAfter, bool settledAfter) = await links.MeasureSettledComputeAsync(scratch, warmUp: 2, minWarmUp: TimeSpan.Zero, phases: 8, maxRounds: 3, tag: 760);
        Console.WriteLine($"rank {rank}: compute-only after training {computeAfter * 1000:F0} ms");
        Console.WriteLine($"rank {rank}: compute phases (ms): {string.Join(' ', links.ComputePhases.Select(p => (p * 1000).ToString("F0", CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"rank {rank}: compute rounds, slowest peer (ms): {string.Join(' ', links.ComputeRounds.Select(p => (p * 1000).ToString("F0", CultureInfo.InvariantCulture)))}; settled before {settledBefore}, after {settledAfter}");
        Console.WriteLine($"rank {rank}: relay waited {relay.Waits} times, woke {relay.LateSeconds * 1000:F0} ms late in all");
        var report = new PeerReport(rank, mode, (computeBefore + computeAfter) / 2, computeBefore, computeAfter, links.ComputePhases,
            links.ComputeRounds, settledBefore && settledAfter, linkRate, reduce, steps, cpu.Training / settings.OuterSteps, cpu.Other / settings.OuterSteps);
        await File.WriteAllTextAsync(Path.Combine(work, $"peer{rank}.json"), JsonSerializer.Serialize(report));

        // Nobody leaves before everybody is done, so that no peer's last collective loses a partner.
        await LinkCalibration.BarrierAsync(peer, 999_999);
        return 0;
    }

    /// <summary>Every accepted peer asks, together, whether someone waits, and lets it in, until the group is complete.</summary>
    private static async Task JoinAsync(Communicator peer, int peers)
    {
        await peer.ConnectAsync().WaitAsync(Bound);
        using var deadline = new CancellationTokenSource(Bound);
        while (peer.WorldSizes.PeerGroup < peers)
        {
            if (await peer.ArePeersPendingAsync(deadline.Token))
            {
                await peer.UpdateTopologyAsync(deadline.Token);
            }
            else
            {
                await Task.Delay(50, deadline.Token);
            }
        }
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
