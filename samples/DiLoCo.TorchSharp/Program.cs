using System.Globalization;
using DiLoCo.TorchSharp;
using TorchSharp;

// Usage: DiLoCo.TorchSharp [--peers 4 --inner 16 --outer 25 --batch 32 --modes ddp,diloco,async --rate BYTES_PER_S --data data/mnist/package/src/digits --out .]
Dictionary<string, string> options = args.Chunk(2).Where(pair => pair.Length == 2).ToDictionary(pair => pair[0].TrimStart('-'), pair => pair[1]);
string Option(string name, string fallback) => options.TryGetValue(name, out string? value) ? value : fallback;
var settings = new Settings(
    Peers: int.Parse(Option("peers", "4"), CultureInfo.InvariantCulture),
    InnerSteps: int.Parse(Option("inner", "16"), CultureInfo.InvariantCulture),
    OuterSteps: int.Parse(Option("outer", "25"), CultureInfo.InvariantCulture),
    Batch: int.Parse(Option("batch", "32"), CultureInfo.InvariantCulture),
    InnerLearningRate: 1e-3);
string output = Option("out", ".");
torch.set_num_threads(1); // the peers share the machine's cores; one thread each avoids oversubscription

// Each peer's inner steps block a pool thread inside libtorch; with the pool's default minimum (one thread per core)
// the sockets' and relays' continuations would queue behind them and the "background" all-reduce would stall.
ThreadPool.SetMinThreads(Math.Max(32, Environment.ProcessorCount), Math.Max(32, Environment.ProcessorCount));

(MnistDigits train, MnistDigits eval) = MnistDigits.Load(Option("data", "data/mnist/package/src/digits"), evalCount: 1000);
Console.WriteLine($"{train.Count} training and {eval.Count} evaluation digits");

TorchPeer[] NewPeers() => [.. Enumerable.Range(0, settings.Peers).Select(rank => new TorchPeer(rank, train, settings.Batch, settings.InnerLearningRate))];

// Calibrate the links so that one synchronous all-reduce of the parameters takes about as long as H inner steps with
// every peer computing (a little less, 0.9×, so that the async optimizer's hiding is not decided by timer jitter).
TorchPeer[] calibration = NewPeers();
double compute = await Runs.MeasureComputeAsync(calibration, settings, phases: 20);
Array.ForEach(calibration, peer => peer.Dispose());
double target = 0.9 * compute;
double rate = 4.0 * TorchPeer.ParameterCount * 2 * (settings.Peers - 1) / settings.Peers / target; // first guess: payload into each peer / target
double reduce;
if (options.TryGetValue("rate", out string? fixedRate))
{
    rate = double.Parse(fixedRate, CultureInfo.InvariantCulture); // bytes per second, chosen by hand
}

await using (PeerGroup probe = await PeerGroup.StartAsync(settings.Peers, rate))
{
    for (int round = 0; ; round++)
    {
        reduce = await Runs.MeasureAllReduceAsync(probe, TorchPeer.ParameterCount, repeats: 5);
        if (fixedRate is not null || round == 4 || Math.Abs(reduce - target) < 0.05 * target)
        {
            break;
        }

        rate *= reduce / target;
        probe.SetLinkRate(rate);
    }
}

Console.WriteLine($"H inner steps take {compute * 1000:F0} ms on every peer at once; links limited to {rate / 1e6:F2} MB/s, where one all-reduce takes {reduce * 1000:F0} ms");

var results = new List<(RunResult, double[])>();
foreach (string mode in Option("modes", "ddp,diloco,async").Split(','))
{
    await using PeerGroup group = await PeerGroup.StartAsync(settings.Peers, rate);
    TorchPeer[] peers = NewPeers();
    RunResult run = mode switch
    {
        "ddp" => await Runs.DataParallelAsync(group, peers, settings),
        "diloco" => await Runs.DiLoCoAsync(group, peers, settings, async: false),
        _ => await Runs.DiLoCoAsync(group, peers, settings, async: true),
    };
    double[] losses = [.. run.Curve.Select(point =>
    {
        peers[0].Load(point.Parameters);
        return peers[0].Evaluate(eval);
    })];
    Array.ForEach(peers, peer => peer.Dispose());
    Console.WriteLine($"{run.Name}: final eval loss {losses[^1]:F4}, {run.SecondsPerOuterStep * 1000:F0} ms per outer step");
    results.Add((run, losses));
}

string table = Report.Table(settings, compute, rate, reduce, results);
Console.WriteLine(table);
Directory.CreateDirectory(output);
File.WriteAllText(Path.Combine(output, "results-table.md"), table);
Report.Plot(Path.Combine(output, "loss-curves.png"), results);
Console.WriteLine($"wrote {Path.Combine(output, "results-table.md")} and {Path.Combine(output, "loss-curves.png")}");
