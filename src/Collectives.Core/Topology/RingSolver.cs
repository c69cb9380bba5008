using System.Diagnostics;

namespace Collectives.Topology;

/// <summary>
/// Chooses the ring order of a group from its <see cref="BandwidthMatrix"/>.
/// </summary>
/// <remarks>
/// <para>Data flows <c>ring[k]</c> → <c>ring[k + 1]</c>, wrapping around. A ring all-reduce moves at the pace of its slowest
/// directed link, so the objective is lexicographic: maximise the ring's minimum link bandwidth (the bottleneck), then the
/// sum of its link bandwidths. Unknown links count as 0 bytes/s, so a ring avoids unmeasured links whenever some ring
/// can; the answer is only meaningful once the links that matter are measured.</para>
/// <para>Rings equal under rotation are the same ring; every returned order starts at peer 0. A reversed ring is a
/// different ring, because links are asymmetric.</para>
/// <para>When a current ring is given and nothing strictly better is found, the current ring is returned, so a
/// re-optimisation never reshuffles peers for nothing.</para>
/// </remarks>
internal static class RingSolver
{
    /// <summary>
    /// Up to this size <see cref="Solve"/> runs the exact solver outright: it takes well under a millisecond.
    /// </summary>
    public const int InstantExactCount = 12;

    /// <summary>The largest group <see cref="SolveExact"/> accepts; its memory and time grow as 2^n·n².</summary>
    public const int MaxExactCount = ExactRingSolver.MaxCount;

    // The heuristic run that precedes the exact search of mid-sized groups: long enough to find a good fallback ring
    // (and a feasible bottleneck that prunes the exact search), short next to the exact search itself.
    private static readonly TimeSpan ExactHeadStart = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// The best ring found within <paramref name="budget"/>: exact (and proven optimal) for small groups,
    /// exact if it finishes in time up to <see cref="MaxExactCount"/>, heuristic beyond.
    /// Never worse than <paramref name="currentRing"/> when one is given.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="currentRing"/> is neither empty nor a permutation of the peers.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="budget"/> is negative.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static RingSolution Solve(BandwidthMatrix matrix, TimeSpan budget, int seed = 0, ReadOnlySpan<int> currentRing = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ThrowIfInvalidBudget(budget);
        ThrowIfInvalidRing(matrix.Count, currentRing, nameof(currentRing));
        cancellationToken.ThrowIfCancellationRequested();
        long start = Stopwatch.GetTimestamp();
        int n = matrix.Count;
        if (n <= InstantExactCount)
        {
            return KeepCurrentUnlessWorse(matrix, SolveExact(matrix), currentRing);
        }

        if (n > MaxExactCount)
        {
            return SolveHeuristic(matrix, budget, seed, currentRing, cancellationToken);
        }

        // Between the two sizes the exact solver may or may not fit in the budget: a short heuristic run first gives a
        // fallback and a proven-feasible bottleneck that narrows the exact search.
        var headStart = budget / 4 < ExactHeadStart ? budget / 4 : ExactHeadStart;
        var heuristic = SolveHeuristic(matrix, headStart, seed, currentRing, cancellationToken);
        if (heuristic.IsOptimal)
        {
            return heuristic;
        }

        long deadline = Deadline.After(start, budget);
        var weights = RingWeights.From(matrix);
        var exact = ExactRingSolver.Solve(weights, n, heuristic.Bottleneck, deadline, cancellationToken);
        return exact is null ? heuristic : KeepCurrentUnlessWorse(matrix, ToSolution(weights, n, exact, isOptimal: true), heuristic.Order);
    }

    /// <summary>The optimal ring, by exhaustive dynamic programming over subsets.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The matrix has more than <see cref="MaxExactCount"/> peers.</exception>
    public static RingSolution SolveExact(BandwidthMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(matrix.Count, MaxExactCount, nameof(matrix));
        int n = matrix.Count;
        var weights = RingWeights.From(matrix);
        var order = ExactRingSolver.Solve(weights, n, lowerBound: 0, Deadline.None, CancellationToken.None)!;
        return ToSolution(weights, n, order, isOptimal: true);
    }

    /// <summary>
    /// A good ring found by randomised local search within <paramref name="budget"/>. The clock is read often enough that
    /// the call overruns by about a millisecond for groups of up to a few hundred peers, plus a few O(n²) passes of setup
    /// that always run (about 10 ms of one core at 1024 peers). The same <paramref name="seed"/> replays the same search,
    /// but how far it gets depends on the machine's speed. Never worse than <paramref name="currentRing"/>; proven optimal
    /// only when the ring meets the upper bounds on both bottleneck and total, which is rare beyond degenerate matrices.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="currentRing"/> is neither empty nor a permutation of the peers.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="budget"/> is negative.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static RingSolution SolveHeuristic(BandwidthMatrix matrix, TimeSpan budget, int seed, ReadOnlySpan<int> currentRing = default, CancellationToken cancellationToken = default) =>
        SolveHeuristic(matrix, budget, seed, currentRing, maxKicks: long.MaxValue, cancellationToken);

    /// <summary>As the public overload, also stopping after <paramref name="maxKicks"/> perturbations: with an ample budget the result is then reproducible.</summary>
    internal static RingSolution SolveHeuristic(BandwidthMatrix matrix, TimeSpan budget, int seed, ReadOnlySpan<int> currentRing, long maxKicks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ThrowIfInvalidBudget(budget);
        ThrowIfInvalidRing(matrix.Count, currentRing, nameof(currentRing));
        long deadline = Deadline.After(Stopwatch.GetTimestamp(), budget);
        int n = matrix.Count;
        if (n <= 2)
        {
            return Trivial(matrix);
        }

        var weights = RingWeights.From(matrix);
        var search = new HeuristicRingSolver(weights, n, seed, deadline, maxKicks, cancellationToken);
        var (order, isOptimal) = search.Run(currentRing);
        return ToSolution(weights, n, order, isOptimal);
    }

    /// <summary>The bottleneck (slowest link) and total bandwidth of <paramref name="ring"/>; the same for every rotation of it.</summary>
    /// <exception cref="ArgumentException"><paramref name="ring"/> is not a permutation of the matrix's peers.</exception>
    public static (double Bottleneck, double Total) Evaluate(BandwidthMatrix matrix, ReadOnlySpan<int> ring)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (ring.Length != matrix.Count)
        {
            throw new ArgumentException($"A ring of {matrix.Count} peers must list each once; got {ring.Length} entries.", nameof(ring));
        }

        ThrowIfInvalidRing(matrix.Count, ring, nameof(ring));
        return RingWeights.Evaluate(matrix.AsSpan(), matrix.Count, ring);
    }

    private static RingSolution Trivial(BandwidthMatrix matrix)
    {
        int n = matrix.Count;
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        return ToSolution(RingWeights.From(matrix), n, order, isOptimal: true);
    }

    private static RingSolution ToSolution(double[] weights, int n, int[] order, bool isOptimal)
    {
        var normalized = RingWeights.Normalize(order);
        var (bottleneck, total) = RingWeights.Evaluate(weights, n, normalized);
        return new RingSolution(normalized, bottleneck, total, isOptimal);
    }

    private static RingSolution KeepCurrentUnlessWorse(BandwidthMatrix matrix, RingSolution found, ReadOnlySpan<int> currentRing)
    {
        if (currentRing.IsEmpty)
        {
            return found;
        }

        var normalized = RingWeights.Normalize(currentRing);
        var (bottleneck, total) = RingWeights.Evaluate(matrix.AsSpan(), matrix.Count, normalized);
        var current = new RingSolution(normalized, bottleneck, total, found.IsOptimal);
        return found.IsBetterThan(current.Bottleneck, current.Total) ? found : current;
    }

    private static void ThrowIfInvalidBudget(TimeSpan budget)
    {
        if (budget < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(budget), budget, "The time budget must not be negative.");
        }
    }

    private static void ThrowIfInvalidRing(int count, ReadOnlySpan<int> ring, string paramName)
    {
        // An empty current ring means "none"; Evaluate has already required a full-length ring.
        if (ring.IsEmpty)
        {
            return;
        }

        if (ring.Length != count)
        {
            throw new ArgumentException($"A ring of {count} peers must list each once; got {ring.Length} entries.", paramName);
        }

        Span<bool> seen = stackalloc bool[BandwidthMatrix.MaxCount];
        seen = seen[..count];
        seen.Clear();
        foreach (int peer in ring)
        {
            if ((uint)peer >= (uint)count || seen[peer])
            {
                throw new ArgumentException($"A ring must be a permutation of 0..{count - 1}; {peer} is out of range or repeated.", paramName);
            }

            seen[peer] = true;
        }
    }
}
