namespace Collectives.Algorithms;

/// <summary>
/// How a ring all-reduce cuts a buffer and what travels over one link: the buffer is split into one chunk per peer,
/// each chunk into pieces (the unit of pipelining, at most one stripe); the link from a sender carries the
/// sender's reduce-scatter steps then its all-gather steps, back to back, as one offset-addressed byte stream.
/// Sender and receiver derive the same layout from the same descriptor, so an offset names exactly one piece.
/// </summary>
internal sealed class RingLayout
{
    private readonly long _count;
    private readonly int _worldSize;
    private readonly int _sender;
    private readonly long[] _stepBase;       // stream offset where each step's region starts
    private readonly int[] _pieceIndexBase;  // index of each step's first piece in a flat per-piece array

    public RingLayout(long count, int worldSize, int sender, int pieceElements, PieceSizes sizes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pieceElements, 1);
        _count = count;
        _worldSize = worldSize;
        _sender = sender;
        PieceElements = pieceElements;
        Sizes = sizes;
        int steps = StepsPerPhase * 2;
        _stepBase = new long[steps + 1];
        _pieceIndexBase = new int[steps + 1];
        for (int k = 0; k < steps; k++)
        {
            int chunk = ChunkOfStep(k);
            _stepBase[k + 1] = _stepBase[k] + StepBytes(k, chunk);
            _pieceIndexBase[k + 1] = checked(_pieceIndexBase[k] + PiecesIn(chunk));
        }
    }

    /// <summary>Elements per full piece.</summary>
    public int PieceElements { get; }

    /// <summary>Bytes per piece in each phase.</summary>
    public PieceSizes Sizes { get; }

    /// <summary>Reduce-scatter (and all-gather) steps: world size − 1.</summary>
    public int StepsPerPhase => _worldSize - 1;

    /// <summary>Total bytes the sender puts on this link.</summary>
    public long TotalBytes => _stepBase[^1];

    /// <summary>Total pieces the sender puts on this link.</summary>
    public int TotalPieces => _pieceIndexBase[^1];

    /// <summary>Elements in chunk <paramref name="chunk"/> (the first <c>count % W</c> chunks get one extra).</summary>
    public long ChunkCount(int chunk) => (_count / _worldSize) + (chunk < _count % _worldSize ? 1 : 0);

    /// <summary>First element of chunk <paramref name="chunk"/>.</summary>
    public long ChunkStart(int chunk) => (chunk * (_count / _worldSize)) + Math.Min(chunk, _count % _worldSize);

    /// <summary>Pieces in chunk <paramref name="chunk"/>.</summary>
    public int PiecesIn(int chunk) => checked((int)((ChunkCount(chunk) + PieceElements - 1) / PieceElements));

    /// <summary>First element and element count of piece <paramref name="piece"/> of <paramref name="chunk"/>.</summary>
    public (long Start, int Count) Piece(int chunk, int piece)
    {
        long offset = (long)piece * PieceElements;
        return (ChunkStart(chunk) + offset, (int)Math.Min(PieceElements, ChunkCount(chunk) - offset));
    }

    /// <summary>True for steps 0..W−2 (reduce-scatter); all-gather steps follow.</summary>
    public bool IsReduceScatter(int step) => step < StepsPerPhase;

    /// <summary>
    /// The chunk the sender sends at step <paramref name="step"/>: reduce-scatter step s sends chunk (sender − s),
    /// all-gather step s sends chunk (sender + 1 − s), all mod W. After reduce-scatter the sender owns chunk sender + 1.
    /// </summary>
    public int ChunkOfStep(int step) => IsReduceScatter(step)
        ? Mod(_sender - step, _worldSize)
        : Mod(_sender + 1 - (step - StepsPerPhase), _worldSize);

    /// <summary>Stream offset of a piece.</summary>
    public ulong OffsetOf(int step, int piece) => (ulong)(_stepBase[step] + ((long)piece * FullPieceBytes(step)));

    /// <summary>Bytes of a piece with <paramref name="elements"/> elements at <paramref name="step"/>.</summary>
    public int PieceBytes(int step, int elements) => IsReduceScatter(step) ? Sizes.ReduceScatter(elements) : Sizes.AllGather(elements);

    /// <summary>Index of a piece in a flat array over all pieces of this link.</summary>
    public int PieceIndex(int step, int piece) => _pieceIndexBase[step] + piece;

    /// <summary>Maps a received frame back to its piece; a frame that does not name exactly one piece is a protocol violation.</summary>
    public (int Step, int Chunk, int Piece) Decode(ulong offset, uint length)
    {
        if (offset >= (ulong)TotalBytes)
        {
            throw new ProtocolViolationException($"data at offset {offset} beyond the {TotalBytes}-byte stream");
        }

        // The last step whose region starts at or before the offset; empty steps share their start with the next one.
        int low = 0, high = _stepBase.Length - 2;
        while (low < high)
        {
            int mid = (low + high + 1) / 2;
            if (_stepBase[mid] <= (long)offset)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        int step = low;
        int chunk = ChunkOfStep(step);
        long relative = (long)offset - _stepBase[step];
        int full = FullPieceBytes(step);
        int piece = (int)(relative / full);
        if (relative % full != 0 || piece >= PiecesIn(chunk) || length != (uint)PieceBytes(step, Piece(chunk, piece).Count))
        {
            throw new ProtocolViolationException($"data at offset {offset} with {length} bytes does not match any piece");
        }

        return (step, chunk, piece);
    }

    private int FullPieceBytes(int step) => PieceBytes(step, PieceElements);

    private long StepBytes(int step, int chunk)
    {
        long elements = ChunkCount(chunk);
        long fullPieces = elements / PieceElements;
        int rest = (int)(elements % PieceElements);
        return (fullPieces * FullPieceBytes(step)) + (rest > 0 ? PieceBytes(step, rest) : 0);
    }

    private static int Mod(int value, int modulus) => ((value % modulus) + modulus) % modulus;
}

/// <summary>Bytes on the wire for a piece of n elements, per phase (plain: n × type size; quantized: metadata + codes).</summary>
internal sealed record PieceSizes(Func<int, int> ReduceScatter, Func<int, int> AllGather);
