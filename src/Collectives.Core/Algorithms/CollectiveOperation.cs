using System.Buffers;
using Collectives.Internal;
using Collectives.Protocol.Messages;
using Collectives.Protocol;

namespace Collectives.Algorithms;

/// <summary>
/// One all-reduce call on this peer, from initiate to verdict: what the master said (commence, verdict) and the
/// run it started. Retries of a failed run are new operations with new sequence numbers.
/// </summary>
internal sealed class CollectiveOperation
{
    private readonly TaskCompletionSource<(ulong Sequence, PeerId[] Ring)> _commenced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<CollectiveVerdict> _verdict = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _reported;
    private bool _reportedOnReceipt;

    public CollectiveOperation(ulong tag, CollectiveDescriptor descriptor, Memory<byte> send, Memory<byte> receive, bool inPlace)
    {
        Tag = tag;
        Descriptor = descriptor;
        Send = send;
        Receive = receive;
        InPlace = inPlace;
        // Fail faults both; a caller waits on one of them at a time.
        _commenced.Task.ObserveFaults();
        _verdict.Task.ObserveFaults();
    }

    public ulong Tag { get; }

    public CollectiveDescriptor Descriptor { get; }

    public Memory<byte> Send { get; }

    public Memory<byte> Receive { get; }

    public bool InPlace { get; }

    public ulong Sequence { get; private set; }

    public CollectiveRun? Run { get; private set; }

    /// <summary>The links the run sends on, by rank (null where it sends nothing), filled in after commencing.</summary>
    public LinkSlot?[] Slots { get; private set; } = [];

    /// <summary>Float16/bfloat16 partials in float32, rented for the run.</summary>
    public byte[]? AccumulatorScratch { get; set; }

    /// <summary>Encoded pieces of a quantized run, or the gathered inputs of a direct run, rented for the run.</summary>
    public byte[]? WireScratch { get; set; }

    public Task<(ulong Sequence, PeerId[] Ring)> Commenced => _commenced.Task;

    public Task<CollectiveVerdict> Verdict => _verdict.Task;

    /// <summary>Completes when the call has returned and the caller's buffers are released.</summary>
    public Task Done => _done.Task;

    public void MarkDone() => _done.TrySetResult();

    /// <summary>
    /// True exactly once: the caller of this gets to send this peer's one completion report (success from the thread
    /// that folded the last piece, or the caller's outcome, whichever comes first).
    /// </summary>
    public bool TryClaimReport() => Interlocked.Exchange(ref _reported, 1) == 0;

    /// <summary>Set (before the report is sent) when the receiving thread reported this peer's success.</summary>
    public bool ReportedOnReceipt
    {
        get => Volatile.Read(ref _reportedOnReceipt);
        set => Volatile.Write(ref _reportedOnReceipt, value);
    }

    /// <summary>Called on the control loop when the master commences this operation.</summary>
    public void OnCommenced(ulong sequence, PeerId[] ring, CollectiveRun? run, LinkSlot?[] slots)
    {
        Sequence = sequence;
        Run = run;
        Slots = slots;
        _commenced.TrySetResult((sequence, ring));
    }

    /// <summary>Called on the control loop with the master's verdict (seq 0: rejected before commencing).</summary>
    public void OnVerdict(CollectiveVerdict verdict)
    {
        if (verdict.Seq == 0)
        {
            _commenced.TrySetException(new CollectivesException(verdict.ErrorCode, verdict.Reason));
        }

        _verdict.TrySetResult(verdict);
        if (!verdict.Success)
        {
            Run?.Fail(new CollectivesException(verdict.ErrorCode, verdict.Reason));
        }
    }

    /// <summary>The master is gone or the communicator closes: fail whatever stage we are in.</summary>
    public void Fail(CollectivesException reason)
    {
        _commenced.TrySetException(reason);
        _verdict.TrySetException(reason);
        Run?.Fail(reason);
    }

    public void ReturnScratch()
    {
        if (AccumulatorScratch is { } scratch)
        {
            ArrayPool<byte>.Shared.Return(scratch);
            AccumulatorScratch = null;
        }

        if (WireScratch is { } wire)
        {
            ArrayPool<byte>.Shared.Return(wire);
            WireScratch = null;
        }
    }
}
