namespace Collectives.Topology;

/// <summary>Starting rings and thresholds for <see cref="HeuristicRingSolver"/>.</summary>
internal sealed partial class HeuristicRingSolver
{
    // Greedy rings are cheap (O(n²) each) and often good starting points; a handful of starting peers covers most of
    // their benefit without spending the budget of large groups on them.
    private const int GreedyStarts = 8;

    // Among the fastest unvisited peers, randomised greedy picks one of this many at random.
    private const int GreedyChoices = 3;

    // Above this size the bound search's sort of n² weights and repeated matchings cost more than they save.
    private const int MaxCoverSearchCount = 256;

    /// <summary>
    /// Binary search for the largest weight t such that a cycle cover uses only links ≥ t: an upper bound on the bottleneck
    /// of any ring, often attained. Every cover met on the way is patched into a ring and offered, which gives good rings
    /// for clustered peers, whose best rings are far below that bound. Skipped for large groups or when time runs out
    /// (the bound then stays the simpler one of <see cref="RingWeights.UpperBounds"/>).
    /// </summary>
    private void SearchCoverBound()
    {
        if (_n > MaxCoverSearchCount)
        {
            return;
        }

        var candidates = new List<double>();
        foreach (double w in _weights)
        {
            if (w > _bestBottleneck && w <= _upperBounds.Bottleneck)
            {
                candidates.Add(w);
            }
        }

        candidates.Sort();
        var successor = new int[_n];
        double bound = _bestBottleneck;
        int low = 0;
        int high = candidates.Count - 1;
        while (low <= high)
        {
            int mid = (low + high) / 2;
            bool covered = CycleCover.TryCover(_weights, _n, candidates[mid], _random, successor, _matching, _deadline);
            if (IsStopping())
            {
                return;
            }

            // Runs of equal weights are skipped so that each distinct value is tested once.
            if (covered)
            {
                Offer(CycleCover.Patch(_weights, _n, successor));
                bound = candidates[mid];
                low = mid + 1;
                while (low <= high && candidates[low] == bound)
                {
                    low++;
                }
            }
            else
            {
                high = mid - 1;
                while (high >= low && candidates[high] == candidates[mid])
                {
                    high--;
                }
            }
        }

        _upperBounds.Bottleneck = bound;
    }

    /// <summary>Odd epochs start from a random cycle cover at the next target, patched; even ones from randomised greedy.</summary>
    private int[] StartingRing(int epoch)
    {
        if (epoch % 2 == 1)
        {
            double target = _bestBottleneck < _upperBounds.Bottleneck ? SmallestWeightAbove(_bestBottleneck) : _bestBottleneck;
            var patched = PatchedCover(target);
            if (patched is not null)
            {
                return patched;
            }
        }

        return Greedy(_random.Next(_n), GreedyChoices);
    }

    /// <summary>A random cycle cover using only links ≥ <paramref name="threshold"/>, patched into a ring; null if there is none.</summary>
    private int[]? PatchedCover(double threshold)
    {
        var successor = new int[_n];
        return CycleCover.TryCover(_weights, _n, threshold, _random, successor, _matching, _deadline) ? CycleCover.Patch(_weights, _n, successor) : null;
    }

    /// <summary>Nearest neighbour by bandwidth: from <paramref name="start"/>, go to one of the <paramref name="choices"/> fastest unvisited peers.</summary>
    private int[] Greedy(int start, int choices)
    {
        int n = _n;
        var ring = new int[n];
        var visited = new bool[n];
        Span<int> top = stackalloc int[GreedyChoices];
        ring[0] = start;
        visited[start] = true;
        for (int position = 1; position < n; position++)
        {
            int from = ring[position - 1];
            int found = 0;
            for (int to = 0; to < n; to++)
            {
                if (!visited[to])
                {
                    found = InsertByWeight(top, found, choices, from, to);
                }
            }

            int next = top[_random.Next(found)];
            ring[position] = next;
            visited[next] = true;
        }

        return ring;
    }

    /// <summary>Keeps <paramref name="top"/> sorted by link weight from <paramref name="from"/>, fastest first, at most <paramref name="choices"/> long.</summary>
    private int InsertByWeight(Span<int> top, int count, int choices, int from, int candidate)
    {
        double w = _weights[(from * _n) + candidate];
        int position = count;
        while (position > 0 && _weights[(from * _n) + top[position - 1]] < w)
        {
            position--;
        }

        if (position >= choices)
        {
            return count;
        }

        int newCount = Math.Min(count + 1, choices);
        for (int k = newCount - 1; k > position; k--)
        {
            top[k] = top[k - 1];
        }

        top[position] = candidate;
        return newCount;
    }

    private double SmallestWeightAbove(double bottleneck)
    {
        double smallest = double.PositiveInfinity;
        for (int i = 0; i < _n; i++)
        {
            for (int j = 0; j < _n; j++)
            {
                double w = _weights[(i * _n) + j];
                if (i != j && w > bottleneck && w < smallest)
                {
                    smallest = w;
                }
            }
        }

        return smallest;
    }
}
