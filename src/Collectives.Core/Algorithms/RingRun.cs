using Collectives.Transport;

namespace Collectives.Algorithms;

/// <summary>
/// One peer's part of one pipelined ring all-reduce run (one sequence number). Reduce-scatter: at step s the peer
/// receives chunk (rank − 1 − s) from its predecessor, folds its own input into it and forwards it; the last step
/// leaves it owning chunk (rank + 1), which it finishes (average, rounding, quantization) exactly once. All-gather:
/// finished chunks travel around the ring unchanged. Every piece is handled on the receive loop of the connection it
/// arrived on and forwarded at once, so sending, receiving and reducing overlap, and nothing is allocated per piece.
/// Each chunk is reduced along one fixed path and then copied, so all peers hold identical bits.
/// The life cycle (start, completion, failure, quiescence) is <see cref="CollectiveRun"/>'s; this class lays the
/// ring out, and subclasses say what travels.
/// </summary>
internal abstract class RingRun : CollectiveRun
{
    private readonly byte[] _pieceSeen;

    protected RingRun(AllReduceRun run, int pieceElements, PieceSizes sizes)
        : base(ExpectedPieces(run, pieceElements, sizes))
    {
        Run = run;
        int previousRank = (run.Rank + run.WorldSize - 1) % run.WorldSize;
        SendLayout = new RingLayout(run.Count, run.WorldSize, run.Rank, pieceElements, sizes);
        ReceiveLayout = new RingLayout(run.Count, run.WorldSize, previousRank, pieceElements, sizes);
        _pieceSeen = new byte[ReceiveLayout.TotalPieces];
        ElementSize = DataTypes.SizeOf(run.DataType);
    }

    protected AllReduceRun Run { get; }

    protected RingLayout SendLayout { get; }

    protected RingLayout ReceiveLayout { get; }

    protected int ElementSize { get; }

    /// <summary>The last reduce-scatter step: after it this peer owns the chunk it received.</summary>
    protected int LastReduceStep => ReceiveLayout.StepsPerPhase - 1;

    /// <summary>Sends this peer's own chunk (reduce-scatter step 0). With a single peer the result is the input.</summary>
    protected override bool StartCore()
    {
        if (Run.WorldSize == 1)
        {
            if (!Run.InPlace)
            {
                Run.Send.Span.CopyTo(Run.Receive.Span);
            }

            return true;
        }

        int chunk = Run.Rank;
        for (int p = 0; p < SendLayout.PiecesIn(chunk); p++)
        {
            (long start, int count) = SendLayout.Piece(chunk, p);
            SendToNext(0, p, OwnPiece(start, count, SendLayout.OffsetOf(0, p)));
        }

        return false;
    }

    protected override async ValueTask<int> OnPieceAsync(IPayloadReader payload, FrameHeader header, CancellationToken cancellationToken)
    {
        (int step, int chunk, int piece) = ReceiveLayout.Decode(header.Offset, header.PayloadLength);
        if (Interlocked.Exchange(ref _pieceSeen[ReceiveLayout.PieceIndex(step, piece)], 1) != 0)
        {
            throw new ProtocolViolationException($"piece {piece} of step {step} arrived twice");
        }

        (long start, int count) = ReceiveLayout.Piece(chunk, piece);
        if (ReceiveLayout.IsReduceScatter(step))
        {
            await OnReducePieceAsync(payload, step, piece, start, count, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await OnGatherPieceAsync(payload, step, piece, start, count, cancellationToken).ConfigureAwait(false);
        }

        return 1;
    }

    /// <summary>The wire form of this peer's own piece for reduce-scatter step 0 (<paramref name="offset"/>: its place in the stream).</summary>
    protected abstract Memory<byte> OwnPiece(long start, int count, ulong offset);

    /// <summary>Folds a reduce-scatter piece in, then forwards it (or, at the last step, finishes it and starts its all-gather).</summary>
    protected abstract ValueTask OnReducePieceAsync(IPayloadReader payload, int step, int piece, long start, int count, CancellationToken cancellationToken);

    /// <summary>Places an all-gather piece in the result and forwards it unless this is the last step.</summary>
    protected abstract ValueTask OnGatherPieceAsync(IPayloadReader payload, int step, int piece, long start, int count, CancellationToken cancellationToken);

    /// <summary>Queues a piece for the next peer at its place in this peer's stream.</summary>
    protected void SendToNext(int step, int piece, ReadOnlyMemory<byte> wire) =>
        Run.Next.Send(Run.Tag, Run.Sequence, SendLayout.OffsetOf(step, piece), wire, Tracker);

    /// <summary>True when an all-gather step's pieces go on to the next peer.</summary>
    protected bool ForwardsGather(int step) => step - ReceiveLayout.StepsPerPhase < ReceiveLayout.StepsPerPhase - 1;

    protected static Memory<byte> Slice(Memory<byte> buffer, long start, int count, int size) =>
        buffer.Slice(checked((int)(start * size)), count * size);

    private static int ExpectedPieces(AllReduceRun run, int pieceElements, PieceSizes sizes)
    {
        if (run.WorldSize == 1)
        {
            return 0;
        }

        int previousRank = (run.Rank + run.WorldSize - 1) % run.WorldSize;
        return new RingLayout(run.Count, run.WorldSize, previousRank, pieceElements, sizes).TotalPieces;
    }
}
