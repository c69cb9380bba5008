namespace Collectives.StressTests.Orchestration;

/// <summary>The counts of a run (guarded by the <see cref="RunBook"/>'s lock).</summary>
internal sealed class RunCounters
{
    public int Spawns { get; set; }

    public int Kills { get; set; }

    public int Stops { get; set; }

    public int StopsContinued { get; set; }

    public int StopsKilled { get; set; }

    public int Cuts { get; set; }

    public int Stalls { get; set; }

    public int Leaves { get; set; }

    public int Joins { get; set; }

    public long Steps { get; set; }

    public long Operations { get; set; }

    public long OperationRetries { get; set; }

    public long PhaseRetries { get; set; }

    public long Syncs { get; set; }

    public long SyncsWithTransfers { get; set; }

    public long SyncBytes { get; set; }

    public long ParityChecks { get; set; }

    public int ParityViolations { get; set; }

    public int CollateralRemovals { get; set; }

    public int Resets { get; set; }

    public int UnobservedExceptions { get; set; }

    public long MaxRevision { get; set; }

    public long MaxPeerRss { get; set; }

    public long MaxMasterRss { get; set; }

    public HashSet<int> Ports { get; } = [];
}
