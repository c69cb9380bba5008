using Collectives.StressTests.Shared;

namespace Collectives.StressTests.Orchestration;

/// <summary>What a run does; a profile sets defaults and flags override them.</summary>
internal sealed record RunOptions
{
    public string Profile { get; init; } = "ci";

    /// <summary>How long the churn lasts (startup and the quiet tail come on top).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(140);

    /// <summary>Peers started at once, and the number the churn steers back to.</summary>
    public int Peers { get; init; } = 3;

    public int MaxPeers { get; init; } = 5;

    public int Seed { get; init; }

    /// <summary>float32 elements of the weights tensor (the other tensors are fractions of it).</summary>
    public int Size { get; init; } = 4096;

    /// <summary>Upper bound of a peer's simulated compute time per step.</summary>
    public int ComputeMs { get; init; } = 20;

    /// <summary>Longest time without any peer completing a step before the run fails.</summary>
    public TimeSpan StallBound { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>No peer or master process may exceed this resident set size.</summary>
    public long MaxRssBytes { get; init; } = 400L << 20;

    public TimeSpan ChurnMin { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan ChurnMax { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>After the churn: no more faults, and every survivor must complete steps again (recovery).</summary>
    public TimeSpan QuietTail { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Self-check: the first peer corrupts its state at this revision, and the run must fail (0: off).</summary>
    public long InjectDivergenceAt { get; init; }

    /// <summary>Unobserved task exceptions in peers fail the run (off by default: they are reported).</summary>
    public bool StrictUnobserved { get; init; }

    /// <summary>Where every child line and every action is written (STEP and SYNC lines excepted).</summary>
    public string? LogPath { get; init; }

    /// <summary>Startup (master + first peers) must finish within this.</summary>
    public static TimeSpan StartupBound => TimeSpan.FromSeconds(60);

    /// <summary>The whole run, teardown included, ends within this or is killed with everything it started.</summary>
    public TimeSpan GlobalDeadline => Duration + QuietTail + StartupBound + TimeSpan.FromSeconds(60);

    public static RunOptions Parse(Arguments args)
    {
        string profile = args.Text("profile") ?? "ci";
        RunOptions defaults = profile switch
        {
            "ci" => new RunOptions(),
            "soak" => new RunOptions { Profile = "soak", Duration = TimeSpan.FromMinutes(60), Peers = 4, MaxPeers = 6, Size = 65536, ComputeMs = 50 },
            _ => throw new ArgumentException($"unknown profile '{profile}' (ci, soak)"),
        };
        var options = defaults with
        {
            Duration = args.Duration("duration", defaults.Duration),
            Peers = args.Int("peers", defaults.Peers),
            MaxPeers = args.Int("max-peers", defaults.MaxPeers),
            Seed = args.Text("seed") is null ? Random.Shared.Next(1, int.MaxValue) : args.Int("seed", 1),
            Size = args.Int("size", defaults.Size),
            ComputeMs = args.Int("compute-ms", defaults.ComputeMs),
            StallBound = args.Duration("stall-bound", defaults.StallBound),
            MaxRssBytes = args.Long("max-rss-mb", defaults.MaxRssBytes >> 20) << 20,
            QuietTail = args.Duration("quiet-tail", defaults.QuietTail),
            LogPath = args.Text("log"),
            StrictUnobserved = args.Has("strict-unobserved"),
            InjectDivergenceAt = args.Long("inject-divergence", 0),
        };
        args.RejectUnknown();
        if (options.Peers < 2 || options.MaxPeers < options.Peers)
        {
            throw new ArgumentException("need --peers >= 2 and --max-peers >= --peers");
        }

        if (options.Size < 16)
        {
            throw new ArgumentException("--size must be at least 16");
        }

        return options;
    }

    /// <summary>The command line that replays this run.</summary>
    public string ReplayCommand() =>
        $"dotnet run -c Release --project stress-tests/Collectives.StressTests -- --profile {Profile} --seed {Seed} " +
        $"--duration {Duration.TotalSeconds:F0}s --peers {Peers} --max-peers {MaxPeers} --size {Size} --compute-ms {ComputeMs}";
}
