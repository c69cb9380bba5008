using Collectives.Algorithms;
using Collectives.Protocol;
using Collectives.Protocol.Messages;

namespace Collectives;

/// <summary>
/// Optimistic start of small all-reduces. With every verdict the master may hand the group a ticket: the sequence
/// number the group's next op will get if it is tag + 1 (or the same tag, retried) over the same ring. A peer with
/// nothing else in flight that launches exactly that tag starts its run at once on the ticket's number instead of
/// waiting a master round trip for the commence; the master checks every such claim when the last peer initiated
/// and refuses the op (a transient failure: retry) if any claim does not match the ring and number it commences
/// with. The one verdict per op is unchanged, so all-or-nothing and bit parity hold either way.
/// </summary>
public sealed partial class Communicator
{
    // The latest ticket from the master (guarded by _gate); its number is reserved in the router until used or replaced.
    private CollectiveTicket _ticket;
    private long _optimisticStarts;

    /// <summary>Operations this peer started on a ticket, without waiting for the commence (tests, diagnostics).</summary>
    internal long OptimisticStarts => Interlocked.Read(ref _optimisticStarts);

    /// <summary>Called on the control loop before the verdict completes the operation, so the caller's next launch sees it.</summary>
    private void KeepTicket(CollectiveTicket ticket)
    {
        if (!ticket.IsPresent)
        {
            return;
        }

        ulong replaced;
        lock (_gate)
        {
            replaced = _ticket.Seq;
            _ticket = ticket;
            _router.Reserve(ticket.Seq);
        }

        if (replaced != 0)
        {
            _router.Release(replaced);
        }
    }

    /// <summary>
    /// Under _gate, at launch: the ticket when this launch may start optimistically (nothing else in flight, the
    /// ticket's tag and ring, a direct-plan size), else null. A taken ticket is gone; the ring is the one to run on.
    /// </summary>
    private (CollectiveTicket Ticket, PeerId[] Ring)? TakeTicketLocked(ulong tag, int bytes, bool quantized, bool idle)
    {
        CollectiveTicket ticket = _ticket;
        if (!idle || !ticket.IsPresent || ticket.Tag != tag
            || AllReducePlan.Choose(bytes, _ring.Length, quantized) != AllReduceAlgorithm.Direct
            || RingFingerprint.Of(_ring) != ticket.RingFingerprint || Array.IndexOf(_ring, _self) < 0)
        {
            return null;
        }

        _ticket = default;
        return (ticket, _ring.ToArray());
    }

    /// <summary>Sets up and registers the run on the ticket's number, exactly as a commence would.</summary>
    private void StartOnTicket(CollectiveOperation operation, CollectiveTicket ticket, PeerId[] ring)
    {
        int rank = Array.IndexOf(ring, _self);
        Interlocked.Increment(ref _optimisticStarts);
        (CollectiveRun run, LinkSlot?[] slots) = CreateRun(operation, ticket.Seq, ring, rank);
        RegisterRun(run, ticket.Seq, operation.Tag, ring, rank);
        operation.OnCommenced(ticket.Seq, ring, run, slots);
    }
}
