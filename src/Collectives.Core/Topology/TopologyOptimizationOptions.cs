namespace Collectives.Topology;

/// <summary>
/// How the master measures links and solves the ring when peers call <c>Communicator.OptimizeTopologyAsync</c>.
/// Immutable; start from <see cref="Default"/> and change with <c>with</c>.
/// </summary>
public sealed record TopologyOptimizationOptions
{
    /// <summary>The defaults: half-second probes over four connections, at most about 4 s of probing per call.</summary>
    public static TopologyOptimizationOptions Default { get; } = new();

    /// <summary>
    /// How long one probe sends. Half a second lets TCP leave slow start on links of up to about 100 ms RTT and averages
    /// out scheduling noise, while a group of five is still measured in about two seconds.
    /// </summary>
    public TimeSpan ProbeDuration { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Bound on the time all probe rounds of one call may take together: with more rounds than fit at
    /// <see cref="ProbeDuration"/>, each probe is shortened (down to <see cref="MinProbeDuration"/>).
    /// </summary>
    public TimeSpan MeasurementBudget { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>The shortest probe the budget may force; below about 50 ms a probe mostly measures TCP's slow start.</summary>
    public TimeSpan MinProbeDuration { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Parallel TCP connections per probed link. Several connections fill a long fat pipe that one window cannot, which
    /// is what the connection pool of an all-reduce does too, so the probe measures what the ring will get.
    /// </summary>
    public int ProbeConnections { get; init; } = 4;

    /// <summary>
    /// How long the master waits for a probe round's results beyond the probe's own duration. A peer that has not
    /// answered by then (stalled, or its probe hangs) contributes no measurement; the call goes on without it. Covers a
    /// peer's connect timeout and the drain of data queued on a slow link.
    /// </summary>
    public TimeSpan RoundGrace { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Time the ring solver may take on the master's event loop. Groups of up to 12 are solved exactly in well under a
    /// millisecond whatever this is; larger groups use a heuristic that stops at the budget.
    /// </summary>
    public TimeSpan SolveBudget { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Validates the settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MinProbeDuration, TimeSpan.FromMilliseconds(1), nameof(MinProbeDuration));
        ArgumentOutOfRangeException.ThrowIfLessThan(ProbeDuration, MinProbeDuration, nameof(ProbeDuration));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ProbeDuration, TimeSpan.FromMinutes(1), nameof(ProbeDuration));
        ArgumentOutOfRangeException.ThrowIfLessThan(MeasurementBudget, TimeSpan.Zero, nameof(MeasurementBudget));
        ArgumentOutOfRangeException.ThrowIfLessThan(ProbeConnections, 1, nameof(ProbeConnections));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ProbeConnections, 64, nameof(ProbeConnections));
        ArgumentOutOfRangeException.ThrowIfLessThan(RoundGrace, TimeSpan.Zero, nameof(RoundGrace));
        ArgumentOutOfRangeException.ThrowIfLessThan(SolveBudget, TimeSpan.Zero, nameof(SolveBudget));
    }

    /// <summary>The probe duration for a call that needs <paramref name="rounds"/> rounds.</summary>
    internal TimeSpan ProbeDurationFor(int rounds)
    {
        if (rounds <= 0)
        {
            return ProbeDuration;
        }

        TimeSpan share = MeasurementBudget / rounds;
        return share >= ProbeDuration ? ProbeDuration : share <= MinProbeDuration ? MinProbeDuration : share;
    }
}
