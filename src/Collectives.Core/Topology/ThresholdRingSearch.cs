using System.Numerics;

namespace Collectives.Topology;

/// <summary>How a <see cref="ThresholdRingSearch"/> ended.</summary>
internal enum ThresholdOutcome
{
    /// <summary>A ring using only links ≥ t was written to the output.</summary>
    Found,

    /// <summary>Every path was explored: no ring uses only links ≥ t.</summary>
    NoneExists,

    /// <summary>The budget or the deadline ran out first: there may or may not be such a ring.</summary>
    GaveUp,
}

/// <summary>
/// Looks for a ring that uses only links ≥ a threshold t: a Hamiltonian cycle of the directed graph of those links.
/// </summary>
/// <remarks>
/// <para>The bottleneck question "is there a ring no slower than t?" is a Hamiltonian-cycle question, and the hard
/// thresholds are the ones just below the optimum, where the graph barely has a cycle: many peers then have one or two
/// usable incoming or outgoing links. Local search wanders on such graphs (every ring has about the same number of bad
/// links), whereas a depth-first search that propagates these constraints is nearly forced: it extends a path from a
/// start peer and, after every step, checks that each unvisited peer still has a possible predecessor (the path's end or
/// another unvisited peer) and a possible successor (another unvisited peer or the start), takes a peer whose only
/// possible predecessor is the end at once, and otherwise tries the successors with the fewest onward links first
/// (Warnsdorff's rule), ties broken at random.</para>
/// <para>A search is bounded by a number of expansions; it restarts (from a random start peer after the first attempt,
/// and another random order) with limits following the Luby sequence until the budget is spent, because unlucky early
/// choices make depth-first search heavy-tailed. An attempt that ends without
/// reaching its limit has explored every path from its start peer, which proves that no ring exists at t.</para>
/// <para>Neighbour sets are bitsets (one 64-bit word per 64 peers), so one expansion costs O(n·⌈n/64⌉) word operations.</para>
/// </remarks>
internal sealed partial class ThresholdRingSearch
{
    // Attempts get this many expansions times the Luby sequence (1, 1, 2, 1, 1, 2, 4, …): mostly short attempts, because
    // a path that went wrong early rarely recovers, and now and then a long one for the graphs that need deep backtracking.
    private const long AttemptUnit = 128;

    // The clock is read once per this many expansions: a few microseconds of work at 64 peers.
    private const int ExpansionsPerClockCheck = 64;

    // FindForcedOrDeadEnd's answer when the path cannot be completed.
    private const int DeadEnd = -2;

    private readonly int _n;
    private readonly int _words;
    private readonly ulong[] _successors;
    private readonly ulong[] _predecessors;
    private readonly ulong[] _unvisited;
    private readonly ulong[] _reached;
    private readonly ulong[] _frontier;
    private readonly int[] _path;
    private readonly int[] _candidates;
    private readonly int[] _candidateCount;
    private readonly int[] _cursor;
    private readonly int[] _sortKeys;
    private long _expansions;

    public ThresholdRingSearch(int n)
    {
        _n = n;
        _words = (n + 63) / 64;
        _successors = new ulong[n * _words];
        _predecessors = new ulong[n * _words];
        _unvisited = new ulong[_words];
        _reached = new ulong[_words];
        _frontier = new ulong[_words];
        _path = new int[n];
        _candidates = new int[n * n];
        _candidateCount = new int[n];
        _cursor = new int[n];
        _sortKeys = new int[n];
    }

    /// <summary>
    /// Searches for a ring over the peers of row-major <paramref name="weights"/> whose every link
    /// (from, to) has weight ≥ <paramref name="threshold"/>, writing it to <paramref name="ring"/> on success.
    /// At most <paramref name="maxExpansions"/> path extensions are tried in all.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ThresholdOutcome Find(double[] weights, double threshold, Random random, long maxExpansions, long deadline, Span<int> ring, CancellationToken cancellationToken)
    {
        int n = _n;
        if (n < 2)
        {
            for (int k = 0; k < n; k++)
            {
                ring[k] = k;
            }

            return ThresholdOutcome.Found;
        }

        BuildGraph(weights, threshold);
        _expansions = 0;
        for (int attempt = 0; _expansions < maxExpansions; attempt++)
        {
            long attemptLimit = Math.Min(_expansions + (AttemptUnit * Luby(attempt + 1)), maxExpansions);
            int start = attempt == 0 ? LeastEnteredPeer(random) : random.Next(n);
            var outcome = Attempt(start, random, attemptLimit, deadline, ring, cancellationToken, out bool stoppedByClock);

            // An attempt that ran to its end explored every path, whichever attempt it was.
            if (outcome != ThresholdOutcome.GaveUp)
            {
                return outcome;
            }

            if (stoppedByClock)
            {
                return ThresholdOutcome.GaveUp;
            }

        }

        return ThresholdOutcome.GaveUp;
    }

    /// <summary>The Luby sequence, 1-based: 1, 1, 2, 1, 1, 2, 4, 1, 1, 2, 1, 1, 2, 4, 8, … (optimal restarts for unknown run-time distributions).</summary>
    internal static long Luby(int i)
    {
        while (true)
        {
            // Find k with 2^(k−1) ≤ i < 2^k: i = 2^k − 1 ends a block, whose last term is 2^(k−1); otherwise recurse
            // into the repeated prefix.
            int k = 1;
            while ((1 << k) - 1 < i)
            {
                k++;
            }

            if (i == (1 << k) - 1)
            {
                return 1L << (k - 1);
            }

            i -= (1 << (k - 1)) - 1;
        }
    }

    private void BuildGraph(double[] weights, double threshold)
    {
        int n = _n;
        Array.Clear(_successors);
        Array.Clear(_predecessors);
        for (int from = 0; from < n; from++)
        {
            for (int to = 0; to < n; to++)
            {
                if (from != to && weights[(from * n) + to] >= threshold)
                {
                    _successors[(from * _words) + (to >> 6)] |= 1UL << to;
                    _predecessors[(to * _words) + (from >> 6)] |= 1UL << from;
                }
            }
        }
    }

    /// <summary>One depth-first search up to <paramref name="limit"/> expansions; NoneExists only when it ran to the end.</summary>
    private ThresholdOutcome Attempt(int start, Random random, long limit, long deadline, Span<int> ring, CancellationToken cancellationToken, out bool stoppedByClock)
    {
        stoppedByClock = false;
        int n = _n;
        Array.Fill(_unvisited, ulong.MaxValue);
        if ((n & 63) != 0)
        {
            _unvisited[_words - 1] = (1UL << (n & 63)) - 1;
        }

        Clear(_unvisited, start);
        _path[0] = start;
        int depth = 0;
        PrepareCandidates(depth, random);
        while (depth >= 0)
        {
            if (depth == n - 1 && _candidateCount[depth] == 1)
            {
                _path.AsSpan().CopyTo(ring);
                return ThresholdOutcome.Found;
            }

            if (_cursor[depth] >= _candidateCount[depth])
            {
                // Every continuation failed: give the end back and try the next candidate one level up.
                if (depth > 0)
                {
                    Set(_unvisited, _path[depth]);
                }

                depth--;
                continue;
            }

            if (++_expansions >= limit)
            {
                return ThresholdOutcome.GaveUp;
            }

            if (_expansions % ExpansionsPerClockCheck == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (Deadline.HasPassed(deadline))
                {
                    stoppedByClock = true;
                    return ThresholdOutcome.GaveUp;
                }
            }

            int next = _candidates[(depth * n) + _cursor[depth]++];
            depth++;
            _path[depth] = next;
            Clear(_unvisited, next);
            PrepareCandidates(depth, random);
        }

        return ThresholdOutcome.NoneExists;
    }

    /// <summary>A peer with the fewest incoming links (random among equals): the ring's last link must reach it.</summary>
    private int LeastEnteredPeer(Random random)
    {
        int best = 0;
        int bestDegree = int.MaxValue;
        int ties = 0;
        for (int peer = 0; peer < _n; peer++)
        {
            int degree = Count(Row(_predecessors, peer));
            if (degree < bestDegree)
            {
                (best, bestDegree, ties) = (peer, degree, 1);
            }
            else if (degree == bestDegree && random.Next(++ties) == 0)
            {
                best = peer;
            }
        }

        return best;
    }

    /// <summary>
    /// Fills the candidate list of the path's end at <paramref name="depth"/>: empty when some unvisited peer can no
    /// longer be fitted in, a single peer when one is forced, else its unvisited successors, fewest onward links first.
    /// At the last depth the list holds the start when the closing link exists.
    /// </summary>
    private void PrepareCandidates(int depth, Random random)
    {
        int n = _n;
        int end = _path[depth];
        int start = _path[0];
        _cursor[depth] = 0;
        _candidateCount[depth] = 0;
        var candidates = _candidates.AsSpan(depth * n, n);
        if (depth == n - 1)
        {
            if (Has(Row(_successors, end), start))
            {
                candidates[0] = start;
                _candidateCount[depth] = 1;
            }

            return;
        }

        int forced = FindForcedOrDeadEnd(end, start);
        if (forced == DeadEnd)
        {
            return;
        }

        if (forced >= 0)
        {
            candidates[0] = forced;
            _candidateCount[depth] = 1;
            return;
        }

        int count = 0;
        var endSuccessors = Row(_successors, end);
        for (int word = 0; word < _words; word++)
        {
            ulong bits = endSuccessors[word] & _unvisited[word];
            while (bits != 0)
            {
                int peer = (word << 6) + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;

                // Fewer onward links first; the low bits hold a random tie-breaker.
                int key = (CountAnd(Row(_successors, peer), _unvisited) << 16) | random.Next(1 << 16);
                InsertSorted(candidates, count++, peer, key);
            }
        }

        _candidateCount[depth] = count;
    }

    private void InsertSorted(Span<int> candidates, int count, int peer, int key)
    {
        int position = count;
        while (position > 0 && _sortKeys[position - 1] > key)
        {
            candidates[position] = candidates[position - 1];
            _sortKeys[position] = _sortKeys[position - 1];
            position--;
        }

        candidates[position] = peer;
        _sortKeys[position] = key;
    }
}
