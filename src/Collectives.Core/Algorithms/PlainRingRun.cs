using Collectives.Algorithms.Kernels;
using Collectives.Transport;

namespace Collectives.Algorithms;

/// <summary>
/// The unquantized ring: partial results travel in the accumulator type (float32 for float16/bfloat16 inputs, the
/// input type otherwise), finished chunks in the input type, received straight into the caller's receive buffer.
/// </summary>
internal sealed class PlainRingRun : RingRun
{
    private readonly DataType _accumulatorType;
    private readonly int _accumulatorSize;
    private readonly Memory<byte> _accumulator;

    /// <param name="run">The run.</param>
    /// <param name="accumulator">
    /// Where partial results of the accumulator type live: the receive buffer itself when the accumulator type is the
    /// input type, otherwise scratch of <c>Count × 4</c> bytes.
    /// </param>
    public PlainRingRun(AllReduceRun run, Memory<byte> accumulator)
        : base(run, PieceElementsFor(run), Sizes(run))
    {
        _accumulatorType = DataTypes.AccumulatorOf(run.DataType);
        _accumulatorSize = DataTypes.SizeOf(_accumulatorType);
        _accumulator = accumulator;
    }

    protected override Memory<byte> OwnPiece(long start, int count, ulong offset)
    {
        if (_accumulatorType == Run.DataType)
        {
            return Slice(Run.Send, start, count, ElementSize); // zero-copy from the caller's input
        }

        Memory<byte> widened = Slice(_accumulator, start, count, _accumulatorSize);
        ReduceKernels.Widen(Run.DataType, Slice(Run.Send, start, count, ElementSize).Span, widened.Span);
        return widened;
    }

    protected override async ValueTask OnReducePieceAsync(IPayloadReader payload, int step, int piece, long start, int count, CancellationToken cancellationToken)
    {
        // The connection's scratch size is a multiple of 8, so every part holds whole elements.
        long position = start;
        while (payload.PayloadRemaining > 0)
        {
            ReadOnlyMemory<byte> incoming = await payload.ReadPayloadChunkAsync(cancellationToken).ConfigureAwait(false);
            int n = incoming.Length / _accumulatorSize;
            ReduceKernels.CombineInput(Run.DataType, Run.Op, Slice(Run.Send, position, n, ElementSize).Span, incoming.Span,
                Slice(_accumulator, position, n, _accumulatorSize).Span);
            position += n;
        }

        Memory<byte> partial = Slice(_accumulator, start, count, _accumulatorSize);
        if (step < LastReduceStep)
        {
            SendToNext(step + 1, piece, partial);
            return;
        }

        // This peer owns the chunk now: finish it once, then start it around the ring.
        Memory<byte> result = Slice(Run.Receive, start, count, ElementSize);
        ReduceKernels.Finalize(Run.DataType, Run.Op, Run.WorldSize, partial.Span, result.Span);
        SendToNext(step + 1, piece, result);
    }

    protected override async ValueTask OnGatherPieceAsync(IPayloadReader payload, int step, int piece, long start, int count, CancellationToken cancellationToken)
    {
        Memory<byte> result = Slice(Run.Receive, start, count, ElementSize);
        await payload.ReadPayloadAsync(result, cancellationToken).ConfigureAwait(false);
        if (ForwardsGather(step))
        {
            SendToNext(step + 1, piece, result);
        }
    }

    private static int PieceElementsFor(AllReduceRun run) =>
        Math.Max(1, run.PieceBytes / Math.Max(DataTypes.SizeOf(run.DataType), DataTypes.SizeOf(DataTypes.AccumulatorOf(run.DataType))));

    private static PieceSizes Sizes(AllReduceRun run)
    {
        int accumulator = DataTypes.SizeOf(DataTypes.AccumulatorOf(run.DataType));
        int element = DataTypes.SizeOf(run.DataType);
        return new PieceSizes(n => n * accumulator, n => n * element);
    }
}
