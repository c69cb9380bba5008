using System.Diagnostics;

namespace Collectives.Topology;

/// <summary>The bottleneck search of <see cref="HeuristicRingSolver"/> by depth-first ring search at chosen thresholds.</summary>
internal sealed partial class HeuristicRingSolver
{
    // As the cover bound: beyond this size the sort of n² weights and the O(n·n/64) expansions cost more than they save.
    private const int MaxThresholdSearchCount = 256;

    /// <summary>
    /// Expansions allowed per threshold (one costs O(n·⌈n/64⌉) word operations, well under a microsecond at 64 peers):
    /// in the survey of docs/design/topology.md, 1024·n left one group in 2000 more than 10% short and 2048·n none, and a
    /// threshold that cannot be settled costs tens of milliseconds at 64 peers.
    /// </summary>
    private long ThresholdExpansions => 2048L * _n;

    /// <summary>
    /// Binary search over the distinct link weights between the best bottleneck found and the cover bound for the largest
    /// t at which <see cref="ThresholdRingSearch"/> finds a ring; each ring found is offered. A threshold proven
    /// infeasible lowers the upper bound; one the search gives up on counts as infeasible, so the answer may fall short
    /// of the optimum, which the local search's epochs then still try to close.
    /// </summary>
    private void SearchThresholds()
    {
        if (_n > MaxThresholdSearchCount)
        {
            return;
        }

        // Thresholds the search cannot settle cost their whole allowance, and clustered groups have many of them between
        // the optimum and the cover bound: half of the remaining time stays for the local search to raise the total.
        long deadline = Deadline.Halfway(Stopwatch.GetTimestamp(), _deadline);

        // A threshold given up on is not retried by the same pass, and on sparse graphs that can leave the answer far
        // below the optimum; another pass (other random choices) retries the thresholds above the new best. Passes go on
        // while they improve, so groups whose unsettled thresholds are truly infeasible pay for one extra pass only.
        double before;
        do
        {
            before = _bestBottleneck;
            SearchThresholdsOnce(deadline);
        }
        while (_bestBottleneck > before && !IsStopping() && !Deadline.HasPassed(deadline));
    }

    private void SearchThresholdsOnce(long deadline)
    {
        if (_bestBottleneck >= _upperBounds.Bottleneck)
        {
            return;
        }

        var candidates = DistinctWeights(_bestBottleneck, _upperBounds.Bottleneck);
        var search = new ThresholdRingSearch(_n);
        var ring = new int[_n];
        int low = 0;
        int high = candidates.Length - 1;
        while (low <= high)
        {
            int mid = (low + high) / 2;
            var outcome = search.Find(_weights, candidates[mid], _random, ThresholdExpansions, deadline, ring, _cancellationToken);
            if (outcome == ThresholdOutcome.Found)
            {
                Offer(ring);

                // The ring found may beat its threshold: continue above its own bottleneck.
                low = FirstAbove(candidates, _bestBottleneck);
            }
            else
            {
                if (outcome == ThresholdOutcome.NoneExists)
                {
                    double bound = mid > 0 ? Math.Max(candidates[mid - 1], _bestBottleneck) : _bestBottleneck;
                    _upperBounds.Bottleneck = Math.Min(_upperBounds.Bottleneck, bound);
                }

                high = mid - 1;
            }

            if (IsStopping() || Deadline.HasPassed(deadline))
            {
                return;
            }
        }
    }

    /// <summary>The distinct link weights w with <paramref name="above"/> &lt; w ≤ <paramref name="upTo"/>, ascending.</summary>
    private double[] DistinctWeights(double above, double upTo)
    {
        var weights = new List<double>();
        for (int i = 0; i < _n; i++)
        {
            for (int j = 0; j < _n; j++)
            {
                double w = _weights[(i * _n) + j];
                if (i != j && w > above && w <= upTo)
                {
                    weights.Add(w);
                }
            }
        }

        weights.Sort();
        int distinct = 0;
        for (int k = 0; k < weights.Count; k++)
        {
            if (k == 0 || weights[k] != weights[distinct - 1])
            {
                weights[distinct++] = weights[k];
            }
        }

        return weights.GetRange(0, distinct).ToArray();
    }

    private static int FirstAbove(double[] sorted, double value)
    {
        int index = Array.BinarySearch(sorted, value);
        return index >= 0 ? index + 1 : ~index;
    }
}
