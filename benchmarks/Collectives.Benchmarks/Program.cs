using Collectives.Benchmarks;

// One program, one subcommand per benchmark; each prints a table and grep-able "RESULT <name> <value> <unit>" lines.
// "allreduce-peer" is the hidden mode the multi-process benchmarks start their peer processes in.
string which = args.Length > 0 ? args[0] : "help";
string[] rest = args.Skip(1).ToArray();
if (which != "allreduce-peer")
{
    // Children die with the parent even on Ctrl+C or an unhandled error.
    Console.CancelKeyPress += (_, _) => PeerProcess.KillAll();
    AppDomain.CurrentDomain.ProcessExit += (_, _) => PeerProcess.KillAll();
    AppDomain.CurrentDomain.UnhandledException += (_, _) => PeerProcess.KillAll();
}

switch (which)
{
    case "transport":
        await TransportBenchmark.RunAsync(rest);
        break;
    case "allreduce":
        await AllReduceBenchmark.RunAsync(rest);
        break;
    case "membership":
        await MembershipBenchmark.RunAsync(rest);
        break;
    case "quantization":
        await QuantizationBenchmark.RunAsync(rest);
        break;
    case "sharedstate":
        await SharedStateBenchmark.RunAsync(rest);
        break;
    case "capi":
        await CapiBenchmark.RunAsync(rest);
        break;
    case "topology":
        await TopologyBenchmark.RunAsync(rest);
        break;
    case "tls":
        await TlsBenchmark.RunAsync(rest);
        break;
    case "wan-pool":
        await WanPoolBenchmark.RunAsync(rest);
        break;
    case "allreduce-peer":
        return await BenchPeer.RunAsync(rest);
    default:
        Console.WriteLine("usage: dotnet run -c Release --project benchmarks/Collectives.Benchmarks -- <benchmark> [options]");
        Console.WriteLine("benchmarks: transport, allreduce, membership, quantization, sharedstate, capi, topology, tls, wan-pool");
        return which == "help" ? 0 : 2;
}

return 0;
