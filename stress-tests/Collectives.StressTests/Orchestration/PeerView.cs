namespace Collectives.StressTests.Orchestration;

/// <summary>What the orchestrator knows about one peer process, from its own actions and the peer's reports.</summary>
internal sealed class PeerView(string name, ChildProcess process, TimeSpan bornAt)
{
    public string Name { get; } = name;

    public ChildProcess Process { get; } = process;

    public TimeSpan BornAt { get; } = bornAt;

    /// <summary>Set once the orchestrator killed it or asked it to leave: its exit is expected.</summary>
    public bool EndedByUs { get; set; }

    public bool AskedToLeave { get; set; }

    public bool Exited { get; set; }

    /// <summary>SIGSTOPped, and when the orchestrator will continue (or kill) it.</summary>
    public bool Stopped { get; set; }

    public TimeSpan ResumeAt { get; set; }

    public bool KillInsteadOfResume { get; set; }

    /// <summary>
    /// Holds the run's shared state: it reported a sync since it last lost its communicator and was not disrupted since.
    /// The churn never disrupts a peer when fewer than two other holders would remain.
    /// </summary>
    public bool Holder { get; set; }

    /// <summary>A cut or a freeze is under way: holder reports are ignored until the peer rejoined (or was continued).</summary>
    public bool Disrupted { get; set; }

    /// <summary>When the last disruption ended (a removal shortly after is a consequence, not a surprise).</summary>
    public TimeSpan DisruptedUntil { get; set; }

    public TimeSpan LastStepAt { get; set; }

    /// <summary>Its data connections are frozen until then (a second stall would thaw the first one early).</summary>
    public TimeSpan StalledUntil { get; set; }

    public TimeSpan LeaveAskedAt { get; set; }

    public long LastRss { get; set; }

    public long EarlyRss { get; set; }

    public bool Alive => !Exited;
}
