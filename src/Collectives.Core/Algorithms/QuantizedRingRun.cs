using Collectives.Algorithms.Kernels;
using Collectives.Quantization;
using Collectives.Transport;

namespace Collectives.Algorithms;

/// <summary>
/// The quantized ring (SPEC §5): every piece on the wire is [metadata][codes]. Reduce-scatter sends quantized partial
/// results; the receiver dequantizes and accumulates them in the accumulator type. The owner of a chunk finishes it,
/// quantizes it once, and replaces its own copy with the dequantized value; all-gather forwards those bytes
/// unchanged and everyone dequantizes them with the same function, so all peers hold identical bits.
/// Encoded pieces live in one wire buffer laid out like this peer's outgoing stream, so a received all-gather piece
/// lands exactly where it is forwarded from.
/// </summary>
internal sealed class QuantizedRingRun : RingRun
{
    private readonly QuantizationOptions _options;
    private readonly DataType _accumulatorType;
    private readonly int _accumulatorSize;
    private readonly Memory<byte> _accumulator;
    private readonly Memory<byte> _wire;

    /// <param name="run">The run.</param>
    /// <param name="options">Quantization (supported for the run's type, checked by the caller).</param>
    /// <param name="accumulator">Partial results in the accumulator type (the receive buffer when the types agree).</param>
    /// <param name="wireBuffer">Gives scratch of the requested size for the encoded pieces of this run's outgoing stream.</param>
    public QuantizedRingRun(AllReduceRun run, QuantizationOptions options, Memory<byte> accumulator, Func<long, Memory<byte>> wireBuffer)
        : base(run, PieceElementsFor(run, options), Sizes(options))
    {
        _options = options;
        _accumulatorType = DataTypes.AccumulatorOf(run.DataType);
        _accumulatorSize = DataTypes.SizeOf(_accumulatorType);
        _accumulator = accumulator;
        _wire = wireBuffer(SendLayout.TotalBytes);
    }

    protected override Memory<byte> OwnPiece(long start, int count, ulong offset)
    {
        Memory<byte> partial = Slice(_accumulator, start, count, _accumulatorSize);
        ReduceKernels.Widen(Run.DataType, Slice(Run.Send, start, count, ElementSize).Span, partial.Span);
        Memory<byte> wire = WireAt(offset, count);
        Quantizer.Quantize(_accumulatorType, _options, partial.Span, wire.Span);
        return wire;
    }

    protected override async ValueTask OnReducePieceAsync(IPayloadReader payload, int step, int piece, long start, int count, CancellationToken cancellationToken)
    {
        // A piece's encoded size is at most one stripe, which the connection's scratch always holds in one read.
        ReadOnlyMemory<byte> incoming = await payload.ReadPayloadChunkAsync(cancellationToken).ConfigureAwait(false);
        if (payload.PayloadRemaining != 0)
        {
            throw new ProtocolViolationException("a quantized piece larger than the receive scratch");
        }

        Memory<byte> partial = Slice(_accumulator, start, count, _accumulatorSize);
        ReduceKernels.Widen(Run.DataType, Slice(Run.Send, start, count, ElementSize).Span, partial.Span);
        Quantizer.DequantizeAccumulate(_accumulatorType, Run.Op, _options, incoming.Span, partial.Span);
        Memory<byte> wire = WireAt(SendLayout.OffsetOf(step + 1, piece), count);
        if (step < LastReduceStep)
        {
            Quantizer.Quantize(_accumulatorType, _options, partial.Span, wire.Span);
        }
        else
        {
            // Owner: finish, quantize once, and keep exactly what everyone else will decode.
            Memory<byte> result = Slice(Run.Receive, start, count, ElementSize);
            ReduceKernels.Finalize(Run.DataType, Run.Op, Run.WorldSize, partial.Span, result.Span);
            Quantizer.Quantize(Run.DataType, _options, result.Span, wire.Span);
            Quantizer.Dequantize(Run.DataType, _options, wire.Span, result.Span);
        }

        SendToNext(step + 1, piece, wire);
    }

    protected override async ValueTask OnGatherPieceAsync(IPayloadReader payload, int step, int piece, long start, int count, CancellationToken cancellationToken)
    {
        Memory<byte> result = Slice(Run.Receive, start, count, ElementSize);
        if (ForwardsGather(step))
        {
            Memory<byte> wire = WireAt(SendLayout.OffsetOf(step + 1, piece), count);
            await payload.ReadPayloadAsync(wire, cancellationToken).ConfigureAwait(false);
            Quantizer.Dequantize(Run.DataType, _options, wire.Span, result.Span);
            SendToNext(step + 1, piece, wire);
            return;
        }

        ReadOnlyMemory<byte> incoming = await payload.ReadPayloadChunkAsync(cancellationToken).ConfigureAwait(false);
        if (payload.PayloadRemaining != 0)
        {
            throw new ProtocolViolationException("a quantized piece larger than the receive scratch");
        }

        Quantizer.Dequantize(Run.DataType, _options, incoming.Span, result.Span);
    }

    private Memory<byte> WireAt(ulong offset, int count) => _wire.Slice((int)offset, Quantizer.EncodedSize(_options, count));

    private static int PieceElementsFor(AllReduceRun run, QuantizationOptions options)
    {
        int codeSize = DataTypes.SizeOf(options.QuantizedType);
        return Math.Max(1, (run.PieceBytes - Quantizer.MetadataSize) / codeSize);
    }

    private static PieceSizes Sizes(QuantizationOptions options) =>
        new(n => Quantizer.EncodedSize(options, n), n => Quantizer.EncodedSize(options, n));
}
