namespace Collectives.Topology;

/// <summary>
/// Cycle covers: every peer sends to exactly one peer and receives from exactly one, possibly as several disjoint cycles.
/// A ring is a cycle cover with one cycle, so the best bottleneck of any cover (the bottleneck assignment) bounds the
/// ring's from above, and for unstructured matrices it is usually attained. Patching the cycles of a cover together
/// (Karp's patching) is also a strong way to build rings whose links are nearly all fast, including rings that visit a
/// cluster of peers several times, which local search finds hard to reach.
/// </summary>
internal static class CycleCover
{
    /// <summary>
    /// A cycle cover using only links ≥ <paramref name="threshold"/> (bipartite matching of senders to receivers by
    /// augmenting paths), written as <paramref name="successor"/>[peer]. A <paramref name="random"/> source varies the
    /// order in which peers and links are tried, so restarts get different covers. False also when the deadline passes
    /// (one augmenting path costs O(n²) at worst, so the clock is read before each).
    /// </summary>
    public static bool TryCover(double[] weights, int n, double threshold, Random? random, int[] successor, MatchingScratch scratch, long deadline)
    {
        var senderOf = scratch.SenderOf;
        Array.Fill(senderOf, -1);
        var order = scratch.Order;
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        random?.Shuffle(order);
        int firstReceiver = random?.Next(n) ?? 0;
        foreach (int sender in order)
        {
            if (Deadline.HasPassed(deadline))
            {
                return false;
            }

            scratch.NextVisit();
            if (!Augment(weights, n, threshold, sender, firstReceiver, scratch))
            {
                return false;
            }
        }

        for (int receiver = 0; receiver < n; receiver++)
        {
            successor[senderOf[receiver]] = receiver;
        }

        return true;
    }

    /// <summary>
    /// Joins the cycles of a cover into one ring: repeatedly exchanges the successors of a peer a of the first cycle and
    /// a peer b of another (a → next(b), b → next(a)), choosing the exchange whose slower new link is fastest.
    /// </summary>
    public static int[] Patch(double[] weights, int n, int[] successor)
    {
        var cycleOf = new int[n];
        Array.Fill(cycleOf, -1);
        var firstPeers = new List<int>();
        for (int start = 0; start < n; start++)
        {
            if (cycleOf[start] >= 0)
            {
                continue;
            }

            for (int peer = start; cycleOf[peer] < 0; peer = successor[peer])
            {
                cycleOf[peer] = firstPeers.Count;
            }

            firstPeers.Add(start);
        }

        // Grow the cycle of peer 0 by absorbing every other cycle, best exchange first.
        for (int other = 1; other < firstPeers.Count; other++)
        {
            int bestA = -1;
            int bestB = -1;
            double bestSlower = double.NegativeInfinity;
            double bestSum = double.NegativeInfinity;
            int b = firstPeers[other];
            do
            {
                int a = 0;
                do
                {
                    double toNextOfB = weights[(a * n) + successor[b]];
                    double toNextOfA = weights[(b * n) + successor[a]];
                    double slower = Math.Min(toNextOfB, toNextOfA);
                    double sum = toNextOfB + toNextOfA;
                    if (slower > bestSlower || (slower == bestSlower && sum > bestSum))
                    {
                        (bestA, bestB, bestSlower, bestSum) = (a, b, slower, sum);
                    }

                    a = successor[a];
                }
                while (a != 0);
                b = successor[b];
            }
            while (b != firstPeers[other]);

            (successor[bestA], successor[bestB]) = (successor[bestB], successor[bestA]);
        }

        var ring = new int[n];
        for (int k = 0, peer = 0; k < n; k++, peer = successor[peer])
        {
            ring[k] = peer;
        }

        return ring;
    }

    private static bool Augment(double[] weights, int n, double threshold, int sender, int firstReceiver, MatchingScratch scratch)
    {
        // Iterative depth-first search for an augmenting path (recursion could be n deep).
        var stack = scratch.Stack;
        var cursor = scratch.Cursor;
        var via = scratch.Via;
        int depth = 0;
        stack[0] = sender;
        cursor[0] = 0;
        while (depth >= 0)
        {
            int from = stack[depth];
            if (cursor[depth] >= n)
            {
                depth--;
                continue;
            }

            int receiver = (firstReceiver + cursor[depth]++) % n;
            if (receiver == from || weights[(from * n) + receiver] < threshold || !scratch.Visit(receiver))
            {
                continue;
            }

            via[depth] = receiver;
            int holder = scratch.SenderOf[receiver];
            if (holder < 0)
            {
                // Flip the path: each sender on the stack takes the receiver it reached.
                for (int k = depth; k >= 0; k--)
                {
                    scratch.SenderOf[via[k]] = stack[k];
                }

                return true;
            }

            depth++;
            stack[depth] = holder;
            cursor[depth] = 0;
        }

        return false;
    }
}

/// <summary>Reusable arrays for <see cref="CycleCover.TryCover"/>; "visited" marks use a stamp to avoid clearing.</summary>
internal sealed class MatchingScratch(int n)
{
    private readonly int[] _visited = new int[n];
    private int _stamp;

    public int[] SenderOf { get; } = new int[n];

    public int[] Order { get; } = new int[n];

    public int[] Stack { get; } = new int[n + 1];

    public int[] Cursor { get; } = new int[n + 1];

    public int[] Via { get; } = new int[n + 1];

    public void NextVisit() => _stamp++;

    /// <summary>Marks <paramref name="receiver"/> visited in this search; false if it already was.</summary>
    public bool Visit(int receiver)
    {
        if (_visited[receiver] == _stamp)
        {
            return false;
        }

        _visited[receiver] = _stamp;
        return true;
    }
}
