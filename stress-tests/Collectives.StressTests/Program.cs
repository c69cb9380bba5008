using System.Runtime.InteropServices;
using Collectives.StressTests;
using Collectives.StressTests.Orchestration;
using Collectives.StressTests.Peer;
using Collectives.StressTests.Shared;

// One binary, three roles: the orchestrator (default) starts this same program as the master and as peers.
string mode = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "orchestrate";
var arguments = new Arguments(args.Length > 0 && args[0] == mode ? args[1..] : args);
using PosixSignalRegistration? interrupt = mode is "master" or "peer" ? IgnoreInterrupt.Register() : null;
try
{
    return mode switch
    {
        "orchestrate" => await Orchestrator.RunAsync(arguments),
        "master" => await MasterProgram.RunAsync(arguments),
        "peer" => await PeerProgram.RunAsync(arguments),
        "selftest" => SelfTest.Run(arguments),
        _ => Usage($"unknown mode '{mode}'"),
    };
}
catch (ArgumentException e)
{
    return Usage(e.Message);
}

static int Usage(string problem)
{
    Console.Error.WriteLine($"""
        {problem}
        usage: Collectives.StressTests [orchestrate] [--profile ci|soak] [--duration 150s|60m] [--peers N] [--max-peers N]
                                       [--seed N] [--size ELEMENTS] [--compute-ms MS] [--stall-bound 30s] [--max-rss-mb MB]
                                       [--quiet-tail 20s] [--log FILE] [--strict-unobserved] [--inject-divergence REVISION]
        """);
    return 2;
}
