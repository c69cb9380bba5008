namespace Collectives.Topology;

/// <summary>
/// Splits the links to measure into rounds in which no peer sends on more than one link and no peer receives on more
/// than one, so that two probes never share (and distort) a peer's uplink or downlink.
/// </summary>
/// <remarks>
/// Link (<c>from</c>, <c>to</c>) goes to round <c>(to − from) mod n</c>: within a round every sender has exactly one
/// possible receiver and every receiver one possible sender. That needs at most n − 1 rounds, which a complete set of
/// n(n − 1) links also needs (each peer sends n − 1 times), so a first measurement of a whole group is optimal.
/// Rounds that would be empty are skipped.
/// </remarks>
internal static class ProbeSchedule
{
    /// <summary>The rounds, in offset order; each round's links are ordered by sender.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A link has an end outside 0..<paramref name="count"/> − 1, or is a self-loop.</exception>
    /// <exception cref="ArgumentException">A link is listed twice.</exception>
    public static List<List<(int From, int To)>> Plan(int count, IEnumerable<(int From, int To)> links)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(links);
        var byOffset = new SortedDictionary<int, List<(int From, int To)>>();
        var seen = new HashSet<(int, int)>();
        foreach (var (from, to) in links)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(from, nameof(links));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(from, count, nameof(links));
            ArgumentOutOfRangeException.ThrowIfNegative(to, nameof(links));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(to, count, nameof(links));
            if (from == to)
            {
                throw new ArgumentOutOfRangeException(nameof(links), $"peer {from} has no link to itself");
            }

            if (!seen.Add((from, to)))
            {
                throw new ArgumentException($"link {from}→{to} is listed twice", nameof(links));
            }

            int offset = ((to - from) % count + count) % count;
            if (!byOffset.TryGetValue(offset, out var round))
            {
                byOffset.Add(offset, round = []);
            }

            round.Add((from, to));
        }

        var rounds = new List<List<(int From, int To)>>(byOffset.Count);
        foreach (var round in byOffset.Values)
        {
            round.Sort((a, b) => a.From.CompareTo(b.From));
            rounds.Add(round);
        }

        return rounds;
    }
}
