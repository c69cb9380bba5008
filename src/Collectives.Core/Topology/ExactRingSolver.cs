using System.Buffers;
using System.Diagnostics;
using System.Numerics;

namespace Collectives.Topology;

/// <summary>
/// The optimal ring by dynamic programming over subsets, in two passes because the lexicographic objective has no
/// optimal substructure as a pair: first the largest bottleneck b (binary search over the distinct link weights, each
/// step a Hamiltonian-cycle test on the links of weight ≥ b, O(2^n·n) bit operations), then the largest total among
/// rings using only links ≥ b (Held–Karp, O(2^n·n²)).
/// </summary>
/// <remarks>
/// Peer 0 is fixed as the start of every path, so subsets range over the other n − 1 peers and the result comes out
/// already rotated to start at 0. Sums are accumulated in ring order from peer 0, the order
/// <see cref="RingWeights.Evaluate"/> uses, and rounding is monotonic, so the chosen ring maximises the very total
/// Evaluate reports.
/// </remarks>
internal static class ExactRingSolver
{
    /// <summary>The largest group solved: 2^(n−1)·(n−1) doubles (18 MB at 18 peers), about 50 ms at that size on a slow core.</summary>
    public const int MaxCount = 18;

    // Clock and cancellation are checked once per this many subsets: about a millisecond of work at the largest size.
    private const int MasksPerCheck = 4096;

    /// <summary>
    /// The optimal ring starting at peer 0, or null when <paramref name="deadline"/> passed first.
    /// <paramref name="lowerBound"/> must be the bottleneck of some ring (or 0); it narrows the search.
    /// </summary>
    public static int[]? Solve(double[] weights, int n, double lowerBound, long deadline, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, MaxCount);
        if (n < 3)
        {
            return Identity(n);
        }

        int others = n - 1;
        var reach = ArrayPool<uint>.Shared.Rent(1 << others);
        try
        {
            double bottleneck = LargestFeasibleBottleneck(weights, n, lowerBound, reach, deadline, cancellationToken, out bool timedOut);
            if (timedOut)
            {
                return null;
            }

            // Rerun at the answer to leave reach[] describing the links ≥ bottleneck: it prunes Held–Karp to reachable states.
            bool feasible = HasHamiltonianCycle(weights, n, bottleneck, reach, deadline, cancellationToken, out timedOut);
            if (timedOut)
            {
                return null;
            }

            Debug.Assert(feasible, "The bottleneck search returns a feasible threshold.");

            return LargestTotal(weights, n, bottleneck, reach, deadline, cancellationToken);
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(reach);
        }
    }

    private static double LargestFeasibleBottleneck(double[] weights, int n, double lowerBound, uint[] reach, long deadline, CancellationToken cancellationToken, out bool timedOut)
    {
        var (upperBound, _) = RingWeights.UpperBounds(weights, n);
        var candidates = new SortedSet<double>();
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double w = weights[(i * n) + j];
                if (i != j && w >= lowerBound && w <= upperBound)
                {
                    candidates.Add(w);
                }
            }
        }

        // The smallest candidate is feasible: either the caller's ring achieves it, or it is the smallest weight of all
        // and every ring of a complete graph achieves at least that.
        var sorted = candidates.ToArray();
        Debug.Assert(sorted.Length > 0, "The lower bound is a ring's bottleneck, hence a weight no larger than the upper bound.");
        int low = 0;
        int high = sorted.Length - 1;
        timedOut = false;
        while (low < high)
        {
            int mid = (low + high + 1) / 2;
            bool feasible = HasHamiltonianCycle(weights, n, sorted[mid], reach, deadline, cancellationToken, out timedOut);
            if (timedOut)
            {
                return double.NaN;
            }

            if (feasible)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return sorted[low];
    }

    /// <summary>
    /// Whether a ring uses only links ≥ <paramref name="threshold"/>. Fills <paramref name="reach"/>: bit k of
    /// reach[S] is set when some path from peer 0 visits exactly the set S of other peers and ends at peer k + 1.
    /// </summary>
    private static bool HasHamiltonianCycle(double[] weights, int n, double threshold, uint[] reach, long deadline, CancellationToken cancellationToken, out bool timedOut)
    {
        int others = n - 1;
        Span<uint> predecessors = stackalloc uint[MaxCount];
        uint fromStart = 0;
        uint toStart = 0;
        for (int k = 0; k < others; k++)
        {
            fromStart |= weights[k + 1] >= threshold ? 1u << k : 0;
            toStart |= weights[(k + 1) * n] >= threshold ? 1u << k : 0;
            uint preds = 0;
            for (int j = 0; j < others; j++)
            {
                preds |= j != k && weights[((j + 1) * n) + k + 1] >= threshold ? 1u << j : 0;
            }

            predecessors[k] = preds;
        }

        uint full = (1u << others) - 1;
        reach[0] = 0;
        timedOut = false;
        for (uint mask = 1; mask <= full; mask++)
        {
            if ((mask % MasksPerCheck) == 0 && IsOutOfTime(deadline, cancellationToken))
            {
                timedOut = true;
                return false;
            }

            uint ends = 0;
            if (BitOperations.IsPow2(mask))
            {
                ends = mask & fromStart;
            }
            else
            {
                for (uint rest = mask; rest != 0; rest &= rest - 1)
                {
                    int k = BitOperations.TrailingZeroCount(rest);
                    if ((reach[mask ^ (1u << k)] & predecessors[k]) != 0)
                    {
                        ends |= 1u << k;
                    }
                }
            }

            reach[mask] = ends;
        }

        return (reach[full] & toStart) != 0;
    }

    /// <summary>Held–Karp over links ≥ <paramref name="bottleneck"/>, visiting only states <paramref name="reach"/> marks reachable.</summary>
    private static int[]? LargestTotal(double[] weights, int n, double bottleneck, uint[] reach, long deadline, CancellationToken cancellationToken)
    {
        int others = n - 1;
        int states = (1 << others) * others;
        var best = ArrayPool<double>.Shared.Rent(states);
        var previous = ArrayPool<sbyte>.Shared.Rent(states);
        try
        {
            uint full = (1u << others) - 1;
            for (uint mask = 1; mask <= full; mask++)
            {
                if ((mask % MasksPerCheck) == 0 && IsOutOfTime(deadline, cancellationToken))
                {
                    return null;
                }

                int row = (int)mask * others;
                for (uint ends = reach[mask]; ends != 0; ends &= ends - 1)
                {
                    int k = BitOperations.TrailingZeroCount(ends);
                    uint before = mask ^ (1u << k);
                    if (before == 0)
                    {
                        best[row + k] = weights[k + 1];
                        previous[row + k] = -1;
                        continue;
                    }

                    // Every end of reach[before] has a finite best total; keep the first maximum for determinism.
                    double bestTotal = double.NegativeInfinity;
                    int bestPrevious = -1;
                    int beforeRow = (int)before * others;
                    for (uint candidates = reach[before]; candidates != 0; candidates &= candidates - 1)
                    {
                        int j = BitOperations.TrailingZeroCount(candidates);
                        double w = weights[((j + 1) * n) + k + 1];
                        if (w >= bottleneck)
                        {
                            double total = best[beforeRow + j] + w;
                            if (total > bestTotal)
                            {
                                bestTotal = total;
                                bestPrevious = j;
                            }
                        }
                    }

                    best[row + k] = bestTotal;
                    previous[row + k] = (sbyte)bestPrevious;
                }
            }

            return Reconstruct(weights, n, bottleneck, reach, best, previous);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(best);
            ArrayPool<sbyte>.Shared.Return(previous);
        }
    }

    private static int[] Reconstruct(double[] weights, int n, double bottleneck, uint[] reach, double[] best, sbyte[] previous)
    {
        int others = n - 1;
        uint full = (1u << others) - 1;
        double bestTotal = double.NegativeInfinity;
        int last = -1;
        for (uint ends = reach[full]; ends != 0; ends &= ends - 1)
        {
            int k = BitOperations.TrailingZeroCount(ends);
            double w = weights[(k + 1) * n];
            double total = best[((int)full * others) + k] + w;
            if (w >= bottleneck && total > bestTotal)
            {
                bestTotal = total;
                last = k;
            }
        }

        var order = new int[n];
        uint mask = full;
        for (int position = n - 1; position >= 1; position--)
        {
            order[position] = last + 1;
            int before = previous[((int)mask * others) + last];
            mask ^= 1u << last;
            last = before;
        }

        return order;
    }

    private static bool IsOutOfTime(long deadline, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Deadline.HasPassed(deadline);
    }

    private static int[] Identity(int n)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        return order;
    }
}
