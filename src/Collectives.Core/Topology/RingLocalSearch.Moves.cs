namespace Collectives.Topology;

/// <summary>The neighbourhoods of <see cref="RingLocalSearch"/>: evaluating moves in O(1) and applying the chosen one.</summary>
internal sealed partial class RingLocalSearch
{
    private enum MoveKind : byte
    {
        None,
        Insert,
        InsertReversed,
        Reverse,
        Swap,
    }

    /// <summary>
    /// A move on the segment of <see cref="Length"/> peers from position <see cref="Start"/>. <see cref="Target"/> is the
    /// position of the link tail the segment goes after (insertions) or the other position (swaps).
    /// </summary>
    private readonly record struct Move(MoveKind Kind, int Start, int Length, int Target, double Gain);

    private static Move NoMove => new(MoveKind.None, 0, 0, 0, 0);

    /// <summary>Short segments at every insertion point, reversals of any length, and swaps, all anchored at <paramref name="position"/>.</summary>
    private Move BestCheapMove(int position)
    {
        var best = NoMove;
        for (int length = 1; length <= _n - 2; length++)
        {
            bool insert = length <= ShortSegmentLength;
            ConsiderSegment(ref best, position, length, insert);
            if (length > 1)
            {
                ConsiderSegment(ref best, position + _n - length + 1, length, insert);
            }
        }

        ConsiderSwaps(ref best, position);
        return best;
    }

    /// <summary>Long segments starting or ending at <paramref name="position"/>, inserted anywhere, either way round.</summary>
    private Move BestLongMove(int position)
    {
        var best = NoMove;
        int longest = Math.Min(_n - 2, LongSegmentLength);
        for (int length = ShortSegmentLength + 1; length <= longest; length++)
        {
            ConsiderSegment(ref best, position, length, insert: true);
            ConsiderSegment(ref best, position + _n - length + 1, length, insert: true);
        }

        return best;
    }

    /// <summary>
    /// The segment of <paramref name="length"/> peers from position <paramref name="start"/>, between a (before it) and b
    /// (after it): reversed in place, and when <paramref name="insert"/>, moved between any other linked pair c → d.
    /// </summary>
    private void ConsiderSegment(ref Move best, int start, int length, bool insert)
    {
        int n = _n;
        start %= n;
        int a = At(start + n - 1);
        int s = _ring[start];
        int e = At(start + length - 1);
        int b = At(start + length);
        int end = start + length - 1;
        double inner = (_reverseScore[end] - _reverseScore[start]) - (_forwardScore[end] - _forwardScore[start]);
        if (length >= 2)
        {
            // 2-opt: a → e … s → b.
            Consider(ref best, MoveKind.Reverse, start, length, start, Score(a, e) + Score(s, b) - Score(a, s) - Score(e, b) + inner);
        }

        if (!insert)
        {
            return;
        }

        // Cutting the segment out joins a → b; it then goes between c = ring[q] and d = ring[q + 1], any link of the rest.
        double cut = Score(a, b) - Score(a, s) - Score(e, b);
        for (int offset = 0; offset < n - length - 1; offset++)
        {
            int q = start + length + offset;
            int c = At(q);
            int d = At(q + 1);
            double opened = cut - Score(c, d);
            Consider(ref best, MoveKind.Insert, start, length, q % n, opened + Score(c, s) + Score(e, d));
            if (length >= 2)
            {
                Consider(ref best, MoveKind.InsertReversed, start, length, q % n, opened + Score(c, e) + Score(s, d) + inner);
            }
        }
    }

    /// <summary>Swaps of the peer at <paramref name="p"/> with every peer not adjacent to it.</summary>
    private void ConsiderSwaps(ref Move best, int p)
    {
        int n = _n;
        int x = _ring[p];
        int beforeX = At(p + n - 1);
        int afterX = At(p + 1);
        for (int gap = 2; gap <= n - 2; gap++)
        {
            int q = (p + gap) % n;
            int y = _ring[q];
            int beforeY = At(q + n - 1);
            int afterY = At(q + 1);
            Consider(ref best, MoveKind.Swap, p, 1, q,
                Score(beforeX, y) + Score(y, afterX) + Score(beforeY, x) + Score(x, afterY)
                    - Score(beforeX, x) - Score(x, afterX) - Score(beforeY, y) - Score(y, afterY));
        }
    }

    private void Consider(ref Move best, MoveKind kind, int start, int length, int target, double gain)
    {
        if (gain > _epsilon && gain > best.Gain)
        {
            best = new Move(kind, start, length, target, gain);
        }
    }

    private void Apply(Move move)
    {
        int n = _n;

        // Every peer whose links change goes back into the queues: the segment's ends, its old neighbours, and the
        // link it moved into (or the swapped peers and their neighbours).
        MarkDirty(At(move.Start + n - 1));
        MarkDirty(_ring[move.Start]);
        MarkDirty(At(move.Start + move.Length - 1));
        MarkDirty(At(move.Start + move.Length));
        MarkDirty(_ring[move.Target]);
        MarkDirty(At(move.Target + 1));
        MarkDirty(At(move.Target + n - 1));
        switch (move.Kind)
        {
            case MoveKind.Swap:
                (_ring[move.Start], _ring[move.Target]) = (_ring[move.Target], _ring[move.Start]);
                Rebuild();
                return;
            case MoveKind.Reverse:
                _ring.AsSpan().CopyTo(_scratch);
                for (int k = 0; k < move.Length; k++)
                {
                    _scratch[(move.Start + k) % n] = At(move.Start + move.Length - 1 - k);
                }

                break;
            default:
                // Walk the rest of the ring from just after the segment to the insertion link's tail c, then the
                // segment, then the rest back to just before the segment.
                int write = 0;
                int afterSegment = move.Start + move.Length;
                int upToTarget = ((move.Target - afterSegment + n) % n) + 1;
                for (int k = 0; k < upToTarget; k++)
                {
                    _scratch[write++] = At(afterSegment + k);
                }

                for (int k = 0; k < move.Length; k++)
                {
                    int fromSegment = move.Kind == MoveKind.InsertReversed ? move.Length - 1 - k : k;
                    _scratch[write++] = At(move.Start + fromSegment);
                }

                for (int k = upToTarget; k < n - move.Length; k++)
                {
                    _scratch[write++] = At(afterSegment + k);
                }

                break;
        }

        (_ring, _scratch) = (_scratch, _ring);
        Rebuild();
    }
}
