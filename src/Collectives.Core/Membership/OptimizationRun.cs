using Collectives.Protocol;

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
}
