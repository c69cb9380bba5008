using System.Net;
using Collectives.StressTests.Shared;

namespace Collectives.StressTests.Peer;

/// <summary>What the orchestrator tells a peer process on its command line.</summary>
/// <param name="Master">The master's endpoint.</param>
/// <param name="RunSeed">Seeds the initial shared state (identical on every peer of a run).</param>
/// <param name="PeerSeed">Seeds this peer's gradients and compute times (distinct per process).</param>
/// <param name="Size">float32 weights; the other tensors are fractions of it.</param>
/// <param name="Initial">One of the run's first peers: its initial state is the run's state. Later peers receive.</param>
/// <param name="ComputeMs">Upper bound of the simulated compute time per step (uniform from 0).</param>
/// <param name="CorruptAt">
/// Self-check of the orchestrator: flip one bit of the weights after the step that reaches this revision (0: never),
/// so the run must report a parity violation and a divergent sync.
/// </param>
internal sealed record PeerSettings(IPEndPoint Master, int RunSeed, int PeerSeed, int Size, bool Initial, int ComputeMs, long CorruptAt = 0)
{
    public static PeerSettings Parse(Arguments args)
    {
        var settings = new PeerSettings(
            IPEndPoint.Parse(args.Text("master") ?? throw new ArgumentException("--master is required")),
            args.Int("seed", 1),
            args.Int("peer-seed", 1),
            args.Int("size", 4096),
            args.Has("initial"),
            args.Int("compute-ms", 20),
            args.Long("corrupt-at", 0));
        args.RejectUnknown();
        return settings;
    }

    public IEnumerable<string> ToArguments()
    {
        yield return "--master";
        yield return Master.ToString();
        yield return "--seed";
        yield return RunSeed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "--peer-seed";
        yield return PeerSeed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "--size";
        yield return Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "--compute-ms";
        yield return ComputeMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (Initial)
        {
            yield return "--initial";
        }

        if (CorruptAt > 0)
        {
            yield return "--corrupt-at";
            yield return CorruptAt.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
