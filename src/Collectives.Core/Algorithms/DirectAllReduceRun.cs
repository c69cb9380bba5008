using Collectives.Algorithms.Kernels;
using Collectives.Transport;

namespace Collectives.Algorithms;

/// <summary>
/// The latency-optimal all-reduce for small buffers (<see cref="AllReducePlan"/> decides when): every peer sends its
/// whole input to every other peer at once, then folds all inputs in rank order into the result. One network hop
/// instead of the ring's 2(N−1), at the price of (N−1)× the input on the wire, which is nothing for a few KiB.
/// Every peer folds the same inputs in the same order with the same kernels, so all peers hold identical bits.
/// Inputs land in a gather buffer of N slots (this peer's own input is copied into its slot first, so an in-place
/// call may overwrite its buffer with the result while the copy is still being sent).
/// </summary>
internal sealed class DirectAllReduceRun : CollectiveRun
{
    private readonly DirectAllReduce _run;
    private readonly Memory<byte> _gather;
    private readonly Memory<byte> _accumulator;
    private readonly long[] _slotBytes;
    private readonly int _inputBytes;

    /// <param name="run">The run.</param>
    /// <param name="accumulator">Count elements of the accumulator type (the receive buffer when the types agree).</param>
    /// <param name="gather">Scratch of WorldSize × input bytes.</param>
    public DirectAllReduceRun(DirectAllReduce run, Memory<byte> accumulator, Memory<byte> gather)
        : base(ExpectedBytes(run))
    {
        _run = run;
        _inputBytes = run.Send.Length;
        _accumulator = accumulator;
        _gather = gather;
        _slotBytes = new long[run.WorldSize];
        if (gather.Length < (long)_inputBytes * run.WorldSize)
        {
            throw new ArgumentException("the gather buffer is smaller than one slot per peer", nameof(gather));
        }
    }

    /// <summary>Every peer this run receives from (all but this one): what the router must accept for it.</summary>
    public IReadOnlyList<Guid> Senders => _run.Sources.Where((_, rank) => rank != _run.Rank).ToArray();

    protected override bool StartCore()
    {
        Memory<byte> own = Slot(_run.Rank);
        _run.Send.Span.CopyTo(own.Span);
        if (_run.WorldSize == 1)
        {
            Fold();
            return true;
        }

        ulong offset = (ulong)_run.Rank * (ulong)_inputBytes;
        for (int rank = 0; rank < _run.WorldSize; rank++)
        {
            if (rank != _run.Rank && _inputBytes > 0)
            {
                _run.Peers[rank]!.Send(_run.Tag, _run.Sequence, offset, own, Tracker);
            }
        }

        return false;
    }

    protected override async ValueTask<int> OnPieceAsync(IPayloadReader payload, FrameHeader header, CancellationToken cancellationToken)
    {
        // The sender stripes its input over its pool: a piece is any range of the sender's slot.
        int length = (int)header.PayloadLength;
        int rank = _inputBytes == 0 ? -1 : (int)Math.Min(header.Offset / (ulong)_inputBytes, int.MaxValue);
        int within = rank < 0 ? 0 : (int)(header.Offset % (ulong)_inputBytes);
        if (rank < 0 || rank >= _run.WorldSize || rank == _run.Rank || within + (long)length > _inputBytes
            || payload.RemoteId != _run.Sources[rank])
        {
            throw new ProtocolViolationException(
                $"direct all-reduce piece at offset {header.Offset} ({length} bytes) from {payload.RemoteId} does not fit {_run.WorldSize} slots of {_inputBytes} bytes");
        }

        if (Interlocked.Add(ref _slotBytes[rank], length) > _inputBytes)
        {
            throw new ProtocolViolationException($"more than {_inputBytes} bytes arrived for slot {rank}");
        }

        await payload.ReadPayloadAsync(Slot(rank).Slice(within, length), cancellationToken).ConfigureAwait(false);
        return length;
    }

    protected override void OnAllPiecesArrived() => Fold();

    /// <summary>Folds slots 0, 1, …, N−1 in that order and finishes (average, rounding) once.</summary>
    private void Fold()
    {
        DataType type = _run.DataType;
        Span<byte> accumulator = _accumulator.Span;
        ReduceKernels.Widen(type, Slot(0).Span, accumulator);
        for (int rank = 1; rank < _run.WorldSize; rank++)
        {
            ReduceKernels.CombineInput(type, _run.Op, Slot(rank).Span, accumulator, accumulator);
        }

        ReduceKernels.Finalize(type, _run.Op, _run.WorldSize, accumulator, _run.Receive.Span);
    }

    private Memory<byte> Slot(int rank) => _gather.Slice(rank * _inputBytes, _inputBytes);

    private static long ExpectedBytes(DirectAllReduce run) => (long)run.Send.Length * (run.WorldSize - 1);
}

/// <summary>Everything one peer needs for its part of a direct all-reduce run.</summary>
/// <param name="Tag">The operation's tag.</param>
/// <param name="Sequence">The run's sequence number from the master.</param>
/// <param name="DataType">Element type.</param>
/// <param name="Op">Reduction operator.</param>
/// <param name="Rank">This peer's position in the ring (the fold order).</param>
/// <param name="WorldSize">Peers in the run.</param>
/// <param name="Send">The caller's input.</param>
/// <param name="Receive">The caller's output (may be the same memory as <paramref name="Send"/>).</param>
/// <param name="Peers">Links to every peer by rank (null at this peer's own rank).</param>
/// <param name="Sources">Identity of every peer by rank (data from rank r must come from Sources[r]).</param>
internal sealed record DirectAllReduce(
    ulong Tag,
    ulong Sequence,
    DataType DataType,
    ReduceOp Op,
    int Rank,
    int WorldSize,
    Memory<byte> Send,
    Memory<byte> Receive,
    IReadOnlyList<IDataSender?> Peers,
    IReadOnlyList<Guid> Sources);
