using System.Globalization;
using DiLoCo.TorchSharp;

// Usage: DiLoCo.TorchSharp [--peers 4 --inner 16 --outer 25 --batch 32 --modes ddp,diloco,async --link-fraction 0.9 --compute-policy idle|normal|nice:N
//                           --rate BYTES_PER_S --data data/mnist/package/src/digits --out .]
// The program starts a master and spawns one process per peer for every mode; each peer process runs this program
// again with --role peer (see PeerProcess).
Dictionary<string, string> options = args.Chunk(2).Where(pair => pair.Length == 2).ToDictionary(pair => pair[0].TrimStart('-'), pair => pair[1]);
string Option(string name, string fallback) => options.TryGetValue(name, out string? value) ? value : fallback;
var settings = new Settings(
    Peers: int.Parse(Option("peers", "4"), CultureInfo.InvariantCulture),
    InnerSteps: int.Parse(Option("inner", "16"), CultureInfo.InvariantCulture),
    OuterSteps: int.Parse(Option("outer", "25"), CultureInfo.InvariantCulture),
    Batch: int.Parse(Option("batch", "32"), CultureInfo.InvariantCulture),
    InnerLearningRate: 1e-3,
    LinkFraction: double.Parse(Option("link-fraction", "0.9"), CultureInfo.InvariantCulture),
    Data: Path.GetFullPath(Option("data", "data/mnist/package/src/digits")),
    ComputePolicy: ComputePolicy.Parse(Option("compute-policy", "idle")));

if (Option("role", "coordinator") == "peer")
{
    return PeerProcess.Run(settings, options);
}

double? rate = options.TryGetValue("rate", out string? fixedRate) ? double.Parse(fixedRate, CultureInfo.InvariantCulture) : null;
string output = Path.GetFullPath(Option("out", "."));
try
{
    await Coordinator.RunAsync(settings, Option("modes", "ddp,diloco,async").Split(','), rate, output);
    return 0;
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
