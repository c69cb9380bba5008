namespace Collectives.Topology;

/// <summary>
/// Iterated local search for the ring with the largest (bottleneck, total), under a deadline.
/// </summary>
/// <remarks>
/// <para>Bottleneck objectives are flat (most moves leave the minimum unchanged), so the search never optimises the
/// minimum directly. It asks yes/no questions instead: "is there a ring with no link slower than t?", minimising the
/// number of links slower than t (<see cref="RingLocalSearch"/>). It first tries t = the bottleneck bound of the best
/// cycle cover (<see cref="SearchCoverBound"/>), starting from that cover patched into a ring: on unstructured
/// matrices the bound is usually attained, and reaching it proves the bottleneck optimal. Then it raises t one weight at a
/// time above the best bottleneck found; when the answer stays no for a while, t drops to the best bottleneck and the
/// search raises the total instead.</para>
/// <para>Each epoch starts from a ring (the best one first, then alternately a patched random cycle cover and a
/// randomised greedy ring) and alternates local search with double-bridge kicks, keeping a kicked ring when it is at
/// least as good. An epoch ends after <see cref="StagnationKicks"/> kicks without progress. The run ends at the
/// deadline, after the kick limit, or when the best ring meets both upper bounds (then it is proven optimal).</para>
/// </remarks>
internal sealed partial class HeuristicRingSolver
{
    // Attempts at the cover bound either succeed within a few kicks or the bound is not attainable (typically with
    // clustered peers, where it is far too optimistic); more kicks there would only starve the rest of the search.
    private const int BoundAttemptKicks = 10;

    private readonly double[] _weights;
    private readonly int _n;
    private readonly Random _random;
    private readonly long _deadline;
    private readonly long _maxKicks;
    private readonly CancellationToken _cancellationToken;
    private readonly MatchingScratch _matching;
    private RingLocalSearch? _lazySearch;
    private (double Bottleneck, double Total) _upperBounds;
    private int[] _best = [];
    private double _bestBottleneck = double.NegativeInfinity;
    private double _bestTotal = double.NegativeInfinity;
    private long _kicks;

    public HeuristicRingSolver(double[] weights, int n, int seed, long deadline, long maxKicks, CancellationToken cancellationToken)
    {
        _weights = weights;
        _n = n;
        _random = new Random(seed);
        _deadline = deadline;
        _maxKicks = maxKicks;
        _cancellationToken = cancellationToken;
        _matching = new MatchingScratch(n);
        _upperBounds = RingWeights.UpperBounds(weights, n);
    }

    // Built on first use: its n² scores are wasted work when the budget is already spent on the greedy rings.
    private RingLocalSearch Search => _lazySearch ??= new RingLocalSearch(_weights, _n);

    /// <summary>Kicks without progress before an epoch gives up: more for larger groups, whose basins are wider.</summary>
    private int StagnationKicks => 20 + _n;

    /// <summary>The best ring found and whether it is proven optimal. A given current ring is only replaced by a strictly better one.</summary>
    public (int[] Order, bool IsOptimal) Run(ReadOnlySpan<int> currentRing)
    {
        if (!currentRing.IsEmpty)
        {
            Offer(currentRing);
        }

        // The first greedy ring is built even with no time left, so that there is always an answer.
        int greedyStarts = Math.Min(GreedyStarts, _n);
        for (int start = 0; start < greedyStarts && (start == 0 || !IsStopping()); start++)
        {
            Offer(Greedy(start * _n / greedyStarts, choices: 1));
        }

        if (!IsStopping())
        {
            SearchCoverBound();
        }

        if (!IsStopping())
        {
            SearchThresholds();
        }

        for (int epoch = 0; !IsStopping() && !IsProvenOptimal(); epoch++)
        {
            if (epoch == 0)
            {
                TryBottleneckBound();
            }
            else
            {
                Search.Load(StartingRing(epoch));
            }

            RaiseBottleneck();
            RaiseTotal();
        }

        return (_best, IsProvenOptimal());
    }

    /// <summary>Searches for a ring at the cover bound from the cover itself; loads the best ring if that fails.</summary>
    private void TryBottleneckBound()
    {
        var patched = _bestBottleneck < _upperBounds.Bottleneck ? PatchedCover(_upperBounds.Bottleneck) : null;
        if (patched is null)
        {
            Search.Load(_best);
            return;
        }

        Search.Load(patched);
        Search.SetTarget(_upperBounds.Bottleneck, bottleneckOnly: true);
        Improve(stopWhenNoneBad: true, BoundAttemptKicks);
        if (Search.Bad != 0)
        {
            Search.Load(_best);
        }
    }

    private void RaiseBottleneck()
    {
        while (!IsStopping() && _bestBottleneck < _upperBounds.Bottleneck)
        {
            Search.SetTarget(SmallestWeightAbove(_bestBottleneck), bottleneckOnly: true);
            if (!Improve(stopWhenNoneBad: true, StagnationKicks) || Search.Bad != 0)
            {
                return;
            }
        }
    }

    private void RaiseTotal()
    {
        if (!IsStopping() && !IsProvenOptimal())
        {
            Search.SetTarget(_bestBottleneck, bottleneckOnly: false);
            Improve(stopWhenNoneBad: false, StagnationKicks);
        }
    }

    /// <summary>
    /// Local search plus kicks at the current target until <paramref name="stagnationKicks"/> kicks bring no progress,
    /// the deadline, or (if asked) a ring with no bad link. Leaves the best ring of the run loaded. Returns false when
    /// time ran out.
    /// </summary>
    private bool Improve(bool stopWhenNoneBad, int stagnationKicks)
    {
        bool finished = Search.Descend(_deadline, stopWhenNoneBad, _cancellationToken);
        Offer(Search.Ring);
        if (!finished)
        {
            return false;
        }

        var kept = Search.Ring.ToArray();
        double keptObjective = Search.Objective;
        int failures = 0;
        while (failures < stagnationKicks)
        {
            if (stopWhenNoneBad && Search.Bad == 0)
            {
                return true;
            }

            if (IsStopping())
            {
                return false;
            }

            _kicks++;
            Search.Kick(_random);
            finished = Search.Descend(_deadline, stopWhenNoneBad, _cancellationToken);
            Offer(Search.Ring);
            failures = Search.IsBetterThan(keptObjective) ? 0 : failures + 1;

            // Accepting equally good rings lets the search drift across the plateaus the bad-link count creates.
            if (Search.IsAtLeast(keptObjective))
            {
                Search.Ring.CopyTo(kept);
                keptObjective = Search.Objective;
            }
            else
            {
                Search.Load(kept);
            }

            if (!finished)
            {
                return false;
            }
        }

        return true;
    }

    private void Offer(ReadOnlySpan<int> ring)
    {
        var (bottleneck, total) = RingWeights.Evaluate(_weights, _n, ring);
        if (_best.Length == 0 || RingScore.IsBetter(bottleneck, total, _bestBottleneck, _bestTotal))
        {
            _best = ring.ToArray();
            _bestBottleneck = bottleneck;
            _bestTotal = total;
        }
    }

    private bool IsProvenOptimal() =>
        _bestBottleneck >= _upperBounds.Bottleneck && _bestTotal >= _upperBounds.Total;

    private bool IsStopping()
    {
        _cancellationToken.ThrowIfCancellationRequested();
        return _kicks >= _maxKicks || Deadline.HasPassed(_deadline);
    }
}
