namespace Collectives.Topology;

/// <summary>
/// One ring under local search for a target t. Its objective is lexicographic: fewest links slower than t ("bad" links),
/// then the largest total. With t above the best known bottleneck, reaching zero bad links gives a better bottleneck;
/// with t equal to it, the search raises the total without dropping below it.
/// </summary>
/// <remarks>
/// <para>Moves, all evaluated in O(1) for a directed (asymmetric) matrix: segment insertion (Or-opt generalised to any
/// segment length: the orientation-preserving 3-opt move), the same with the segment reversed, in-place reversal (2-opt),
/// and swapping two non-adjacent peers. Reversal changes the direction of every link inside the segment, so prefix sums
/// over the ring's forward and backward links give its cost in O(1).</para>
/// <para>The search is a variable-neighbourhood descent driven by "don't look" queues: only peers next to a recent change
/// are examined, first with the cheap moves (short segments, reversals, swaps: O(n) per peer), then with long-segment
/// insertion (O(n²) per peer). At each peer it applies the best improving move anchored there (the segment starts or
/// ends at it, or it is swapped), and re-queues the peers whose links changed.</para>
/// </remarks>
internal sealed partial class RingLocalSearch
{
    // Segments up to this long are tried at every insertion point in the cheap pass (classic Or-opt).
    private const int ShortSegmentLength = 3;

    // Caps the long-segment pass at O(n·128) moves per peer so that one examination stays well under a millisecond
    // even for the largest groups; rings that long are better rearranged by kicks than by moving half the ring at once.
    private const int LongSegmentLength = 128;

    private readonly double[] _weights;
    private readonly int _n;
    private readonly double _epsilon;
    private readonly int[] _position;
    private readonly DirtyQueue _cheapQueue;
    private readonly DirtyQueue _longQueue;
    private int[] _ring;
    private int[] _scratch;

    // The score of a link folds the lexicographic (bad, total) objective into one number, weight − penalty·[weight < t],
    // so that a move's gain is one sum: the penalty exceeds any change of total a single move can make.
    private readonly double[] _scores;
    private readonly double _penalty;
    private bool _bottleneckOnly;

    // Prefix sums over positions 0..2n of the scores of links ring[p] → ring[p+1] (forward) and ring[p+1] → ring[p] (reverse).
    private readonly double[] _forwardScore;
    private readonly double[] _reverseScore;
    private double _threshold;

    public RingLocalSearch(double[] weights, int n)
    {
        _weights = weights;
        _n = n;
        double maxWeight = 0;
        foreach (double w in weights)
        {
            maxWeight = Math.Max(maxWeight, w);
        }

        // A move changes at most 2n links (a reversal flips a whole segment), so its total changes by less than 2n·max.
        _penalty = (4.0 * n * maxWeight) + 1;

        // Prefix sums reach about 2n·penalty and carry rounding of that times 2^-52; gains below this bound are noise
        // and could make the search cycle. It is still negligible next to any real link (≈ 1e-7 of the largest).
        _epsilon = 2 * n * _penalty * 1e-14;
        _ring = new int[n];
        _scratch = new int[n];
        _position = new int[n];
        _cheapQueue = new DirtyQueue(n);
        _longQueue = new DirtyQueue(n);
        _scores = new double[n * n];
        _forwardScore = new double[(2 * n) + 1];
        _reverseScore = new double[(2 * n) + 1];
        RebuildScores();
    }

    /// <summary>Links of the ring slower than the threshold.</summary>
    public int Bad { get; private set; }

    /// <summary>Sum of the ring's link weights.</summary>
    public double Total { get; private set; }

    public ReadOnlySpan<int> Ring => _ring;

    /// <summary>Replaces the ring, keeping the target; every peer will be examined.</summary>
    public void Load(ReadOnlySpan<int> ring)
    {
        ring.CopyTo(_ring);
        Rebuild();
        MarkAllDirty();
    }

    /// <summary>
    /// Sets the target threshold. With <paramref name="bottleneckOnly"/>, links count at most t in the total
    /// (min(weight, t)): every fast link is then as good as another, so the search spends its moves on the slow links
    /// rather than on the total, which it only needs once the bottleneck stops rising.
    /// </summary>
    /// <remarks>
    /// Raising the threshold in the same mode only makes moves that remove a newly bad ring link attractive, so only the
    /// ends of bad links are re-examined; any other change can open moves anywhere, so every peer is.
    /// </remarks>
    public void SetTarget(double threshold, bool bottleneckOnly)
    {
        bool raised = threshold > _threshold && bottleneckOnly == _bottleneckOnly;
        _threshold = threshold;
        _bottleneckOnly = bottleneckOnly;
        RebuildScores();
        Rebuild();
        if (!raised)
        {
            MarkAllDirty();
            return;
        }

        for (int p = 0; p < _n; p++)
        {
            if (IsBad(_ring[p], At(p + 1)))
            {
                MarkDirty(_ring[p]);
                MarkDirty(At(p + 1));
            }
        }
    }

    /// <summary>The search's objective: the ring's link scores summed (larger is better).</summary>
    public double Objective => _forwardScore[_n];

    /// <summary>True when <see cref="Objective"/> beats <paramref name="score"/> beyond rounding noise.</summary>
    public bool IsBetterThan(double score) => Objective > score + _epsilon;

    /// <summary>True when <see cref="Objective"/> is no worse than <paramref name="score"/> within rounding noise.</summary>
    public bool IsAtLeast(double score) => Objective >= score - _epsilon;

    /// <summary>
    /// Improves the ring to a local optimum of both neighbourhoods. Returns false when the deadline passed first
    /// (the ring is still valid, just not locally optimal).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public bool Descend(long deadline, bool stopWhenNoneBad, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (stopWhenNoneBad && Bad == 0)
            {
                return true;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (Deadline.HasPassed(deadline))
            {
                return false;
            }

            Move move;
            if (_cheapQueue.TryDequeue(out int peer))
            {
                move = BestCheapMove(_position[peer]);
            }
            else if (_longQueue.TryDequeue(out peer))
            {
                move = BestLongMove(_position[peer]);
            }
            else
            {
                return true;
            }

            if (move.Kind != MoveKind.None)
            {
                Apply(move);
            }
        }
    }

    /// <summary>
    /// Double-bridge perturbation: cuts the ring into A B C D and reconnects A C B D. It keeps every link's direction and
    /// cannot be undone by one segment move, so the search leaves its basin.
    /// </summary>
    public void Kick(Random random)
    {
        int n = _n;
        int offset = random.Next(n);
        int first = 1 + random.Next(n - 2);
        int second = first + 1 + random.Next(n - first - 1);
        int third = second + 1 + random.Next(n - second);
        int write = 0;
        CopyRange(0, first, ref write, offset);
        CopyRange(second, third, ref write, offset);
        CopyRange(first, second, ref write, offset);
        CopyRange(third, n, ref write, offset);
        (_ring, _scratch) = (_scratch, _ring);
        Rebuild();

        // The ring now reads A C B D from position 0; the new links sit at the junctions A→C, C→B, B→D and D→A
        // (B→A when D is empty, where the third junction wraps onto position 0).
        Span<int> junctions = [first, first + third - second, third, 0];
        foreach (int junction in junctions)
        {
            MarkDirty(At(junction + n - 1));
            MarkDirty(At(junction));
        }
    }

    private void CopyRange(int from, int to, ref int write, int offset)
    {
        for (int k = from; k < to; k++)
        {
            _scratch[write++] = _ring[(k + offset) % _n];
        }
    }

    private void MarkAllDirty()
    {
        for (int p = 0; p < _n; p++)
        {
            MarkDirty(_ring[p]);
        }
    }

    private void MarkDirty(int peer)
    {
        _cheapQueue.Enqueue(peer);
        _longQueue.Enqueue(peer);
    }

    private bool IsBad(int from, int to) => _weights[(from * _n) + to] < _threshold;

    private double Score(int from, int to) => _scores[(from * _n) + to];

    private int At(int position) => _ring[position % _n];

    private void RebuildScores()
    {
        for (int i = 0; i < _scores.Length; i++)
        {
            double w = _weights[i];
            double counted = _bottleneckOnly ? Math.Min(w, _threshold) : w;
            _scores[i] = w < _threshold ? counted - _penalty : counted;
        }
    }

    private void Rebuild()
    {
        int n = _n;
        int bad = 0;
        double total = 0;
        for (int p = 0; p < 2 * n; p++)
        {
            int from = _ring[p % n];
            int to = _ring[(p + 1) % n];
            _forwardScore[p + 1] = _forwardScore[p] + Score(from, to);
            _reverseScore[p + 1] = _reverseScore[p] + Score(to, from);
        }

        for (int p = 0; p < n; p++)
        {
            int from = _ring[p];
            _position[from] = p;
            double w = _weights[(from * n) + At(p + 1)];
            bad += w < _threshold ? 1 : 0;
            total += w;
        }

        Bad = bad;
        Total = total;
    }
}
