using Collectives.Benchmarks;

// One program, one subcommand per benchmark; each prints a table and grep-able "RESULT <name> <value> <unit>" lines.
string which = args.Length > 0 ? args[0] : "help";
string[] rest = args.Skip(1).ToArray();
switch (which)
{
    case "transport":
        await TransportBenchmark.RunAsync(rest);
        break;
    default:
        Console.WriteLine("usage: dotnet run -c Release --project benchmarks/Collectives.Benchmarks -- <benchmark> [options]");
        Console.WriteLine("benchmarks: transport");
        return which == "help" ? 0 : 2;
}

return 0;
