namespace Collectives.StressTests.Orchestration;

/// <summary>The faults the churn injects.</summary>
internal enum ChurnKind
{
    None,
    Spawn,
    Kill,
    Stop,
    Cut,
    Stall,
    Leave,
}

/// <summary>One planned fault; <see cref="Target"/> is null for a spawn.</summary>
internal readonly record struct ChurnAction(ChurnKind Kind, PeerView? Target = null, TimeSpan Length = default, bool ThenKill = false);

/// <summary>
/// Chooses the next fault from a seeded generator, so a seed replays the same decisions for the same observations.
/// Invariants: never more than the maximum number of peers; never disrupt a peer unless at least two other holders of
/// the shared state stay untouched (so the run's state survives every fault the churn injects, and at least two peers
/// stay alive).
/// </summary>
internal sealed class ChurnPlanner(Random random, int targetPeers, int maxPeers)
{
    /// <summary>
    /// One stall at a time, and none until this long after the last one thawed: stalls hold up the whole ring (up to
    /// the progress deadline), so back-to-back stalls of different peers would starve the run for the fault's sake.
    /// </summary>
    private static readonly TimeSpan StallCooldown = TimeSpan.FromSeconds(5);

    private static readonly (ChurnKind Kind, int Weight)[] Weights =
    [
        (ChurnKind.Spawn, 20), (ChurnKind.Kill, 22), (ChurnKind.Stop, 16), (ChurnKind.Cut, 16), (ChurnKind.Stall, 10), (ChurnKind.Leave, 6),
        (ChurnKind.None, 10),
    ];

    public ChurnAction Next(IReadOnlyList<PeerView> peers, TimeSpan now)
    {
        var alive = peers.Where(p => p.Alive).ToList();
        // A peer already killed (its exit not seen yet), frozen, cut or leaving is not disrupted again.
        var candidates = alive.Where(p => !p.EndedByUs && !p.Stopped && !p.Disrupted && !p.AskedToLeave).ToList();
        int holders = candidates.Count(p => p.Holder);
        var options = new List<(ChurnKind Kind, int Weight)>();
        foreach ((ChurnKind kind, int weight) in Weights)
        {
            bool allowed = kind switch
            {
                ChurnKind.None => true,
                ChurnKind.Spawn => alive.Count < maxPeers,
                ChurnKind.Stall => candidates.Count > 0 && peers.All(p => p.StalledUntil + StallCooldown <= now),
                _ => candidates.Any(p => holders - (p.Holder ? 1 : 0) >= 2),
            };
            if (allowed)
            {
                // Below the target, joining is what the run needs most.
                options.Add((kind, kind == ChurnKind.Spawn && alive.Count < targetPeers ? weight * 4 : weight));
            }
        }

        ChurnKind chosen = Pick(options);
        if (chosen is ChurnKind.Spawn or ChurnKind.None)
        {
            return new ChurnAction(chosen);
        }

        List<PeerView> targets = chosen == ChurnKind.Stall ? candidates : candidates.Where(p => holders - (p.Holder ? 1 : 0) >= 2).ToList();
        PeerView target = targets[random.Next(targets.Count)];
        return chosen switch
        {
            // Short freezes heal within the master's peer timeout (3 s), long ones get the peer removed.
            ChurnKind.Stop => new ChurnAction(chosen, target, TimeSpan.FromMilliseconds(random.Next(500, 6000)), random.Next(10) < 3),
            // Data connections frozen past the progress deadline (10 s) make the ring give up on the peer.
            ChurnKind.Stall => new ChurnAction(chosen, target, TimeSpan.FromMilliseconds(random.Next(500, 12_000))),
            _ => new ChurnAction(chosen, target),
        };
    }

    public TimeSpan NextPause(TimeSpan min, TimeSpan max) =>
        TimeSpan.FromMilliseconds(random.Next((int)min.TotalMilliseconds, (int)max.TotalMilliseconds + 1));

    private ChurnKind Pick(List<(ChurnKind Kind, int Weight)> options)
    {
        int roll = random.Next(options.Sum(o => o.Weight));
        foreach ((ChurnKind kind, int weight) in options)
        {
            if (roll < weight)
            {
                return kind;
            }

            roll -= weight;
        }

        return options[^1].Kind;
    }
}
