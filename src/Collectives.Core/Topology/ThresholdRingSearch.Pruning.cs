using System.Numerics;

namespace Collectives.Topology;

/// <summary>The constraint checks of <see cref="ThresholdRingSearch"/> on its neighbour bitsets.</summary>
internal sealed partial class ThresholdRingSearch
{
    /// <summary>
    /// Checks the unvisited peers: DeadEnd if one has no possible predecessor or successor left (or two must come next,
    /// or two must come last), the peer that must come next if there is one, else −1.
    /// </summary>
    private int FindForcedOrDeadEnd(int end, int start)
    {
        if (CountAnd(Row(_successors, end), _unvisited) == 0 || CountAnd(Row(_predecessors, start), _unvisited) == 0)
        {
            return DeadEnd;
        }

        int forced = -1;
        int mustBeLast = 0;
        for (int word = 0; word < _words; word++)
        {
            ulong bits = _unvisited[word];
            while (bits != 0)
            {
                int peer = (word << 6) + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                var predecessors = Row(_predecessors, peer);
                int fromUnvisited = CountAnd(predecessors, _unvisited);
                bool fromEnd = Has(predecessors, end);
                if (fromUnvisited == 0)
                {
                    if (!fromEnd || forced >= 0)
                    {
                        return DeadEnd;
                    }

                    forced = peer;
                }

                var successors = Row(_successors, peer);
                if (CountAnd(successors, _unvisited) == 0)
                {
                    if (!Has(successors, start) || ++mustBeLast > 1)
                    {
                        return DeadEnd;
                    }
                }
            }
        }

        // The rest of the ring is a path from the end through every unvisited peer back to the start: each unvisited
        // peer must be reachable from the end, and must reach the start, through unvisited peers. A path that cut them
        // apart would otherwise be extended in every possible way before the search noticed.
        return ReachesEveryUnvisited(end, _successors) && ReachesEveryUnvisited(start, _predecessors) ? forced : DeadEnd;
    }

    /// <summary>
    /// True when every unvisited peer can be reached from <paramref name="origin"/> through unvisited peers along
    /// <paramref name="rows"/> (successors, or predecessors to walk backwards).
    /// </summary>
    private bool ReachesEveryUnvisited(int origin, ulong[] rows)
    {
        var reached = _reached.AsSpan();
        var frontier = _frontier.AsSpan();
        var unvisited = _unvisited.AsSpan();
        var originRow = Row(rows, origin);
        for (int word = 0; word < _words; word++)
        {
            reached[word] = originRow[word] & unvisited[word];
            frontier[word] = reached[word];
        }

        bool grew = true;
        while (grew)
        {
            grew = false;
            for (int word = 0; word < _words; word++)
            {
                ulong bits = frontier[word];
                frontier[word] = 0;
                while (bits != 0)
                {
                    int peer = (word << 6) + BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    var row = Row(rows, peer);
                    for (int target = 0; target < _words; target++)
                    {
                        ulong fresh = row[target] & unvisited[target] & ~reached[target];
                        if (fresh != 0)
                        {
                            reached[target] |= fresh;
                            frontier[target] |= fresh;
                            grew = true;
                        }
                    }
                }
            }
        }

        return unvisited.SequenceEqual(reached);
    }

    private ReadOnlySpan<ulong> Row(ulong[] rows, int peer) => rows.AsSpan(peer * _words, _words);

    private static bool Has(ReadOnlySpan<ulong> set, int peer) => (set[peer >> 6] & (1UL << peer)) != 0;

    private static void Set(ulong[] set, int peer) => set[peer >> 6] |= 1UL << peer;

    private static void Clear(ulong[] set, int peer) => set[peer >> 6] &= ~(1UL << peer);

    private static int Count(ReadOnlySpan<ulong> set)
    {
        int count = 0;
        foreach (ulong word in set)
        {
            count += BitOperations.PopCount(word);
        }

        return count;
    }

    private static int CountAnd(ReadOnlySpan<ulong> set, ReadOnlySpan<ulong> mask)
    {
        int count = 0;
        for (int word = 0; word < set.Length; word++)
        {
            count += BitOperations.PopCount(set[word] & mask[word]);
        }

        return count;
    }
}
