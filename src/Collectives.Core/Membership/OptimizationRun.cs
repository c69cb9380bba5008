using Collectives.Protocol;
using Collectives.Topology;

namespace Collectives.Membership;

/// <summary>
/// One optimize-topology call of a group after every member asked: the probe rounds still to run, the round in flight
/// and who still owes its results. Measurements go straight into the master's link record as they arrive.
/// </summary>
internal sealed class OptimizationRun
{
    public OptimizationRun(uint group, List<PeerId> participants, Queue<List<(PeerId From, PeerId To)>> rounds, TimeSpan probeDuration)
    {
        Group = group;
        Participants = participants;
        Rounds = rounds;
        ProbeDuration = probeDuration;
    }

    public uint Group { get; }

    /// <summary>The members when the run started, in ring order; departures are removed.</summary>
    public List<PeerId> Participants { get; }

    /// <summary>Probe rounds not started yet.</summary>
    public Queue<List<(PeerId From, PeerId To)>> Rounds { get; }

    /// <summary>How long each probe of this run sends (the measurement budget shared among the rounds).</summary>
    public TimeSpan ProbeDuration { get; }

    /// <summary>The round in flight (0 before the first).</summary>
    public ulong Round { get; set; }

    /// <summary>When the round in flight started, for its deadline.</summary>
    public TimeSpan RoundStarted { get; set; }

    /// <summary>The links of the round in flight, by sender: the targets each sender was told to probe.</summary>
    public Dictionary<PeerId, List<PeerId>> Assigned { get; } = [];

    /// <summary>Senders of the round in flight that have not answered yet.</summary>
    public HashSet<PeerId> Awaited { get; } = [];

    /// <summary>The ring solve in flight off the master's loop, once every round is done; null before and inline.</summary>
    public RingSolveRequest? Solve { get; set; }
}

/// <summary>
/// A snapshot of what a group's ring is solved from: its members in ring order and the measured links between them
/// (rows and columns in that order). It owns its matrix, so it can be solved on any thread while the master moves on.
/// </summary>
/// <param name="Id">Unique per master, so that an answer to a superseded request is recognised and dropped.</param>
/// <param name="Group">The group whose run asked.</param>
/// <param name="Ring">The group's members in ring order when the snapshot was taken.</param>
/// <param name="Matrix">The measured links between them, rows and columns in <paramref name="Ring"/>'s order (unknown: NaN).</param>
/// <param name="Budget">The solver's time budget.</param>
/// <param name="Seed">The solver's seed: the same snapshot and seed search the same way.</param>
internal sealed record RingSolveRequest(ulong Id, uint Group, PeerId[] Ring, BandwidthMatrix Matrix, TimeSpan Budget, int Seed)
{
    /// <summary>Solves for the best ring, never worse than the members' current order.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public RingSolution Solve(CancellationToken cancellationToken) =>
        RingSolver.Solve(Matrix, Budget, Seed, CurrentOrder(), cancellationToken);

    /// <summary>The members' current order as a solution, for when the solver failed: the ring is kept.</summary>
    public RingSolution KeepCurrent()
    {
        int[] current = CurrentOrder();
        var (bottleneck, total) = RingSolver.Evaluate(Matrix, current);
        return new RingSolution(current, bottleneck, total, IsOptimal: false);
    }

    private int[] CurrentOrder() => Enumerable.Range(0, Ring.Length).ToArray();
}
