using System.Buffers;
using System.Runtime.InteropServices;
using Collectives.Algorithms;
using Collectives.Diagnostics;
using Collectives.Internal;
using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using Collectives.Quantization;

namespace Collectives;

public sealed partial class Communicator
{
    private readonly Dictionary<ulong, CollectiveOperation> _operations = [];
    private long _reportsOnReceipt;
    private long _localWaitRounds;

    /// <summary>Times a caller waited for its local part (one per wake-up; tests check that nothing spins).</summary>
    internal long LocalWaitRounds => Interlocked.Read(ref _localWaitRounds);

    /// <summary>Completion reports sent by the thread that folded the last piece (tests, diagnostics).</summary>
    internal long ReportsOnReceipt => Interlocked.Read(ref _reportsOnReceipt);

    /// <summary>
    /// All-reduces <paramref name="send"/> into <paramref name="receive"/> over this peer's group (pipelined ring).
    /// Every peer of the group must call it with the same tag, count, type, op and quantization. On success every peer
    /// holds bit-identical results. On failure the receive buffer is undefined and the send buffer is unchanged (also
    /// when both are the same memory: the input is restored), so the call can simply be retried. Returns when the
    /// master's verdict arrived; a dead or stalled peer makes it fail within the progress deadline or the master's
    /// heartbeat timeout.
    /// </summary>
    /// <typeparam name="T">Element type: byte, sbyte, short, ushort, int, uint, long, ulong, float, double, Half (ushort with <see cref="AllReduceOptions.DataType"/> = BFloat16 for bfloat16).</typeparam>
    /// <exception cref="CollectivesException">
    /// RankConnectionLost (transient: retry) when a peer died, left or stalled; Timeout; DescriptorMismatch when peers
    /// disagree on the descriptor; InvalidArgument for unequal lengths or an unsupported type; InvalidUsage when the
    /// tag is already in flight or the communicator is not accepted; MasterConnectionFailed.
    /// </exception>
    public Task<AllReduceInfo> AllReduceAsync<T>(ReadOnlyMemory<T> send, Memory<T> receive, ReduceOp op, ulong tag,
        AllReduceOptions? options = null, CancellationToken cancellationToken = default) where T : unmanaged
    {
        if (send.Length != receive.Length)
        {
            throw new CollectivesException(ErrorCode.InvalidArgument, $"send has {send.Length} elements, receive {receive.Length}");
        }

        DataType type = options?.DataType ?? ElementTypes.Of<T>();
        if (!DataTypes.IsDefined(type))
        {
            throw new CollectivesException(ErrorCode.InvalidArgument, $"unknown data type {(int)type}");
        }

        // Raw byte buffers may carry any type (the element count follows from the type); otherwise sizes must agree.
        int elementSize = DataTypes.SizeOf(type);
        int bufferElementSize = Marshal.SizeOf<T>();
        if (bufferElementSize != elementSize && (bufferElementSize != 1 || send.Length % elementSize != 0))
        {
            throw new CollectivesException(ErrorCode.InvalidArgument, $"{type} does not fit buffers of {typeof(T).Name}");
        }

        return PinnedAllReduceAsync(send, receive, type, op, tag, options?.Quantization ?? QuantizationOptions.None, cancellationToken);
    }

    /// <summary>In-place all-reduce: <paramref name="buffer"/> is both input and output (restored on failure).</summary>
    /// <exception cref="CollectivesException">As <see cref="AllReduceAsync{T}(ReadOnlyMemory{T}, Memory{T}, ReduceOp, ulong, AllReduceOptions?, CancellationToken)"/>.</exception>
    public Task<AllReduceInfo> AllReduceAsync<T>(Memory<T> buffer, ReduceOp op, ulong tag,
        AllReduceOptions? options = null, CancellationToken cancellationToken = default) where T : unmanaged =>
        AllReduceAsync((ReadOnlyMemory<T>)buffer, buffer, op, tag, options, cancellationToken);

    private async Task<AllReduceInfo> PinnedAllReduceAsync<T>(ReadOnlyMemory<T> send, Memory<T> receive, DataType type, ReduceOp op,
        ulong tag, QuantizationOptions quantization, CancellationToken cancellationToken) where T : unmanaged
    {
        using MemoryHandle sendPin = send.Pin();
        using MemoryHandle receivePin = receive.Pin();
        int bytes = checked(send.Length * Marshal.SizeOf<T>());
        Memory<byte> sendBytes;
        Memory<byte> receiveBytes;
        unsafe
        {
            sendBytes = new UnmanagedMemory(sendPin.Pointer, bytes).Memory;
            receiveBytes = new UnmanagedMemory(receivePin.Pointer, bytes).Memory;
        }

        bool inPlace;
        unsafe
        {
            inPlace = sendPin.Pointer == receivePin.Pointer;
        }

        return await AllReduceBytesAsync(sendBytes, receiveBytes, inPlace, bytes / DataTypes.SizeOf(type), type, op, tag, quantization, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>The byte-level all-reduce every front end (generic, pointers, C ABI) ends in.</summary>
    internal async Task<AllReduceInfo> AllReduceBytesAsync(Memory<byte> send, Memory<byte> receive, bool inPlace, long count,
        DataType type, ReduceOp op, ulong tag, QuantizationOptions quantization, CancellationToken cancellationToken)
    {
        ValidateDescriptor(type, op, quantization);
        MasterClient master = RequireAccepted();
        var descriptor = new CollectiveDescriptor(CollectiveKind.AllReduce, (ulong)count, type, op, quantization.Algorithm, quantization.QuantizedType);
        var operation = new CollectiveOperation(tag, descriptor, send, receive, inPlace);
        (CollectiveTicket Ticket, PeerId[] Ring)? claim;
        lock (_gate)
        {
            if (_topologyWaiter is { Task.IsCompleted: false })
            {
                throw new CollectivesException(ErrorCode.InvalidUsage, "a topology update is in progress");
            }

            bool idle = _operations.Count == 0;
            if (!_operations.TryAdd(tag, operation))
            {
                throw new CollectivesException(ErrorCode.InvalidUsage, $"tag {tag} is already in flight on this peer");
            }

            claim = TakeTicketLocked(tag, send.Length, quantization.IsEnabled, idle);
        }

        byte[]? backup = null;
        var measurement = OperationMeasurement.StartAllReduce(op, quantization.Algorithm);
        try
        {
            if (inPlace && receive.Length > 0)
            {
                // The ring overwrites the input as it goes; keep it so a failed run can hand it back unchanged.
                backup = ArrayPool<byte>.Shared.Rent(receive.Length);
                receive.Span.CopyTo(backup);
            }

            if (claim is { } ticket)
            {
                // Registered before the master hears of it, so the commence (which all peers still get) finds it running.
                StartOnTicket(operation, ticket.Ticket, ticket.Ring);
                try
                {
                    master.Send(new InitiateCollective(tag, descriptor, ticket.Ticket.Seq, ticket.Ticket.RingFingerprint));
                }
                catch
                {
                    _router.Unregister(ticket.Ticket.Seq); // the run never started; nothing else will unregister it
                    throw;
                }
            }
            else
            {
                master.Send(new InitiateCollective(tag, descriptor));
            }

            (ulong sequence, PeerId[] ring) = await operation.Commenced.ConfigureAwait(false);
            long txBytes = 0, rxBytes = 0;
            CollectiveRun run = operation.Run!;
            try
            {
                await RunLocallyAsync(operation, ring, cancellationToken).ConfigureAwait(false);
                if (operation.TryClaimReport())
                {
                    master.Send(new CollectiveComplete(tag, sequence, true, ErrorCode.Success, string.Empty));
                }
            }
            catch (CollectivesException e)
            {
                PeerLog.CollectiveFailed(_logger, tag, sequence, e.Message);
                run.Fail(e);
                if (operation.TryClaimReport())
                {
                    TrySend(new CollectiveComplete(tag, sequence, false, e.ErrorCode, e.Message));
                }
            }

            CollectiveVerdict verdict;
            try
            {
                verdict = await operation.Verdict.ConfigureAwait(false);
            }
            finally
            {
                await SettleAsync(operation).ConfigureAwait(false);
                txBytes = run.Tracker.BytesWritten;
                rxBytes = run.ReceivedBytes;
                LibraryMetrics.RecordPeerBytes(txBytes, rxBytes);
            }

            if (!verdict.Success)
            {
                throw new CollectivesException(verdict.ErrorCode == ErrorCode.Success ? ErrorCode.RankConnectionLost : verdict.ErrorCode,
                    $"all-reduce tag {tag} failed: {verdict.Reason}");
            }

            backup = ReturnBackup(backup, restoreInto: null);
            measurement.Succeeded();
            return new AllReduceInfo(ring.Length, txBytes, rxBytes);
        }
        catch (Exception e) when (measurement.Failed(e))
        {
            throw; // never reached: the filter only counts the failure
        }
        finally
        {
            measurement.End();
            ReturnBackup(backup, restoreInto: receive);
            operation.ReturnScratch();
            lock (_gate)
            {
                _operations.Remove(tag);
            }

            operation.MarkDone();
        }
    }

    private static byte[]? ReturnBackup(byte[]? backup, Memory<byte>? restoreInto)
    {
        if (backup is not null)
        {
            if (restoreInto is { } target)
            {
                backup.AsSpan(0, target.Length).CopyTo(target.Span);
            }

            ArrayPool<byte>.Shared.Return(backup);
        }

        return null;
    }

    private static void ValidateDescriptor(DataType type, ReduceOp op, QuantizationOptions quantization)
    {
        if (!DataTypes.IsDefined(type))
        {
            throw new CollectivesException(ErrorCode.InvalidArgument, $"unknown data type {(int)type}");
        }

        if (op is < ReduceOp.Sum or > ReduceOp.Min)
        {
            throw new CollectivesException(ErrorCode.InvalidArgument, $"unknown reduce op {(int)op}");
        }

        if (quantization.IsEnabled && !Quantizer.IsSupported(type, quantization))
        {
            throw new CollectivesException(ErrorCode.InvalidArgument,
                $"{type} cannot be quantized with {quantization.Algorithm} to {quantization.QuantizedType} (float32/64/16 and bfloat16 to uint8/uint16 only)");
        }
    }

    /// <summary>Called on the control loop: registers the run at once so its data is routed, not dropped.</summary>
    private void OnCommence(CommenceCollective commence)
    {
        CollectiveOperation? operation;
        lock (_gate)
        {
            _operations.TryGetValue(commence.Tag, out operation);
        }

        if (operation is not null && operation.Sequence == commence.Seq)
        {
            return; // started optimistically on this number already (the master accepted the claim)
        }

        PeerId[] ring = commence.Ring.AsImmutableArray().ToArray();
        int rank = Array.IndexOf(ring, _self);
        if (operation is null || rank < 0 || operation.Sequence != 0)
        {
            _router.Announce(commence.Seq);
            TrySend(new CollectiveComplete(commence.Tag, commence.Seq, false, ErrorCode.InvalidUsage, "this peer has no such operation"));
            return;
        }

        (CollectiveRun run, LinkSlot?[] slots) = CreateRun(operation, commence.Seq, ring, rank);
        RegisterRun(run, commence.Seq, commence.Tag, ring, rank);
        operation.OnCommenced(commence.Seq, ring, run, slots);
    }

    /// <summary>Routes the run's inbound data: from its ring predecessor, or from every peer for a direct run.</summary>
    private void RegisterRun(CollectiveRun run, ulong sequence, ulong tag, PeerId[] ring, int rank)
    {
        if (ring.Length == 1)
        {
            _router.Announce(sequence);
        }
        else if (run is DirectAllReduceRun direct)
        {
            _router.Register(sequence, tag, direct.Senders, run);
        }
        else
        {
            _router.Register(sequence, tag, ring[(rank + ring.Length - 1) % ring.Length].ToGuid(), run);
        }
    }

    private void OnVerdict(CollectiveVerdict verdict)
    {
        CollectiveOperation? operation;
        lock (_gate)
        {
            _operations.TryGetValue(verdict.Tag, out operation);
        }

        KeepTicket(verdict.Ticket);
        if (operation is not null && (verdict.Seq == 0 || verdict.Seq == operation.Sequence))
        {
            operation.OnVerdict(verdict);
        }
    }

    /// <summary>Dials the peers the run sends to, starts the run, and waits for it under the progress deadline.</summary>
    private async Task RunLocallyAsync(CollectiveOperation operation, PeerId[] ring, CancellationToken cancellationToken)
    {
        CollectiveRun run = operation.Run!;
        await Task.WhenAll(operation.Slots.Select((slot, rank) => slot is null ? Task.CompletedTask : ConnectSlotAsync(slot, ring[rank])))
            .ConfigureAwait(false);
        run.LocalSuccess = () => ReportLocalSuccess(operation);
        run.Start();
        TimeSpan check = TimeSpan.FromMilliseconds(Math.Clamp(_options.ProgressTimeout.TotalMilliseconds / 4, 10, 1000));
        // Cancelled when the wait ends, so a finished op leaves no progress timer behind to fire later.
        using CancellationTokenSource poll = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)
            : new CancellationTokenSource();
        try
        {
            // Waits while the local part runs; leaves to fail, or to drain and report. A success the receiving thread
            // already reported needs nothing more from this caller than the verdict: it waits for that alone (a source
            // connection breaking afterwards changes nothing, and a deadline no longer applies).
            while (!operation.Verdict.IsCompleted)
            {
                Task local = run.LocalCompletion;
                if (local.IsCompletedSuccessfully && operation.ReportedOnReceipt)
                {
                    await ((Task)operation.Verdict).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    break;
                }

                if (local.IsCompleted)
                {
                    break;
                }

                Interlocked.Increment(ref _localWaitRounds);
                await Task.WhenAny(run.Attention, operation.Verdict, Task.Delay(check, poll.Token)).ConfigureAwait(false);
                if (run.LocalCompletion.IsCompleted)
                {
                    continue;
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    throw new CollectivesException(ErrorCode.Cancelled, "the all-reduce was cancelled");
                }

                long silentMs = Environment.TickCount64 - run.LastProgress;
                if (silentMs > _options.ProgressTimeout.TotalMilliseconds)
                {
                    throw new CollectivesException(ErrorCode.Timeout, $"no data for {silentMs} ms (progress deadline {_options.ProgressTimeout.TotalMilliseconds:F0} ms)");
                }
            }
        }
        finally
        {
            poll.Cancel(); // synchronously: the pending delay completes here, not on another thread
        }

        if (operation.Verdict is { IsCompletedSuccessfully: true } verdictTask && !verdictTask.Result.Success)
        {
            throw new CollectivesException(verdictTask.Result.ErrorCode, verdictTask.Result.Reason);
        }

        if (operation.ReportedOnReceipt)
        {
            return; // the data is in and this peer's frames have left: nothing to wait for
        }

        try
        {
            await run.LocalCompletion.ConfigureAwait(false);
            await run.Tracker.DrainAsync().ConfigureAwait(false);
        }
        catch (CollectivesException)
        {
            throw;
        }
        catch (Exception e)
        {
            throw new CollectivesException(ErrorCode.RankConnectionLost, e.Message, e);
        }
    }

    /// <summary>
    /// On the receiving thread, the moment the last piece was folded: reports success to the master without waiting
    /// for the caller's continuation to be scheduled (one thread hop less on every op's critical path). Only when every
    /// frame this peer sent has left too; otherwise the caller reports after the drain, as it always can.
    /// </summary>
    private bool ReportLocalSuccess(CollectiveOperation operation)
    {
        if (operation.Run?.Tracker is not { Outstanding: 0, Failure: null } || operation.Verdict.IsCompleted || !operation.TryClaimReport())
        {
            return false;
        }

        operation.ReportedOnReceipt = true;
        Interlocked.Increment(ref _reportsOnReceipt);
        TrySend(new CollectiveComplete(operation.Tag, operation.Sequence, true, ErrorCode.Success, string.Empty));
        return true;
    }

    /// <summary>Makes sure nothing touches the caller's buffers any more before the call returns.</summary>
    private async Task SettleAsync(CollectiveOperation operation)
    {
        CollectiveRun? run = operation.Run;
        if (run is null)
        {
            return;
        }

        if (!await run.QuiesceAsync(TimeSpan.FromMilliseconds(250)).ConfigureAwait(false))
        {
            // Something is stuck on a stalled socket: breaking the links ends it.
            PeerLog.QuiesceTimeout(_logger, operation.Sequence, operation.Tag);
            foreach (LinkSlot? slot in operation.Slots)
            {
                if (slot?.Target is Transport.OutboundLink link)
                {
                    link.Break(new ConnectionLostException(ErrorCode.RankConnectionLost, "run did not quiesce"));
                }
            }

            _router.BreakAll(new ConnectionLostException(ErrorCode.RankConnectionLost, "run did not quiesce"));
            await run.QuiesceAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }

        _router.Unregister(operation.Sequence);
    }

    private void TrySend(ClientMessage message)
    {
        try
        {
            _master?.Send(message);
        }
        catch (CollectivesException)
        {
            // The master is gone; every operation fails through OnMasterLost.
        }
    }

    private async Task WaitForOperationsAsync(TimeSpan timeout)
    {
        Task[] running;
        lock (_gate)
        {
            running = _operations.Values.Select(o => o.Done).ToArray();
        }

        try
        {
            await Task.WhenAll(running).WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Disposal goes on; the runs' links are closed next, which ends them.
        }
    }
}
