using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Collectives.Protocol;
using Collectives.Protocol.Messages;

namespace Collectives.Membership;

internal sealed partial class MasterState
{
    private long _reducedBytes;

    // Uncommenced ops (waiting for initiators, or rejected and waiting for the rest to be told), per group and tag.
    private readonly Dictionary<(uint Group, ulong Tag), CollectiveRecord> _initiating = [];

    // Commenced ops waiting for reports, by sequence number.
    private readonly Dictionary<ulong, CollectiveRecord> _commenced = [];

    private ulong _lastSeq;

    // Per group, the sequence number reserved for its next op (handed out with the last verdict): see CollectiveTicket.
    private readonly Dictionary<uint, CollectiveTicket> _tickets = [];

    private void OnInitiate(PeerRecord peer, InitiateCollective initiate)
    {
        string? refusal = peer switch
        {
            { State: not PeerLifecycle.Accepted } => "initiated a collective before being accepted",
            { Voted: true } => "initiated a collective while its topology vote is pending",
            { IsOptimizing: true } => "initiated a collective while in an optimize-topology call",
            _ when peer.InFlight.ContainsKey(initiate.Tag) => $"initiated tag {initiate.Tag} while it is still in flight",
            _ => null,
        };
        if (refusal is not null)
        {
            Kick(peer, ErrorCode.ProtocolViolation, refusal);
            return;
        }

        var key = (peer.Group, initiate.Tag);
        if (!_initiating.TryGetValue(key, out CollectiveRecord? op))
        {
            op = new CollectiveRecord(peer.Group, initiate.Tag, initiate.Descriptor);
            _initiating.Add(key, op);
        }

        op.Initiators.Add(peer.Id);
        if (initiate.IsClaim)
        {
            op.Claims[peer.Id] = (initiate.ClaimSeq, initiate.RingFingerprint);
        }

        if (op.Rejected)
        {
            SendMismatch(peer, op);
        }
        else if (op.Descriptor != initiate.Descriptor)
        {
            Reject(op, peer, initiate.Descriptor);
        }
        else
        {
            peer.InFlight.Add(op.Tag, op);
        }
    }

    /// <summary>Descriptors disagree: every initiator so far gets the mismatch verdict now, every later one at once.</summary>
    private void Reject(CollectiveRecord op, PeerRecord culprit, CollectiveDescriptor descriptor) =>
        Refuse(op, ErrorCode.DescriptorMismatch, $"tag {op.Tag} in group {op.Group}: peer {op.Initiators[0]} launched {Describe(op.Descriptor)}, "
            + $"peer {culprit.Id} launched {Describe(descriptor)}");

    /// <summary>Fails an uncommenced op: every initiator so far gets a seq-0 verdict now, every later one at once.</summary>
    private void Refuse(CollectiveRecord op, ErrorCode code, string reason)
    {
        op.RejectionCode = code;
        op.RejectionReason = reason;
        foreach (PeerId id in op.Initiators)
        {
            if (_peers.TryGetValue(id, out PeerRecord? initiator))
            {
                SendMismatch(initiator, op);
            }
        }
    }

    /// <summary>Ends <paramref name="op"/> for <paramref name="peer"/>; false if it was not in flight for it (no verdict due).</summary>
    private static bool ForgetInFlight(PeerRecord peer, CollectiveRecord op) =>
        peer.InFlight.TryGetValue(op.Tag, out CollectiveRecord? mine) && mine == op && peer.InFlight.Remove(op.Tag);

    private void SendMismatch(PeerRecord peer, CollectiveRecord op)
    {
        ForgetInFlight(peer, op);
        Send(peer, new CollectiveVerdict(op.Tag, 0, false, op.RejectionCode, op.RejectionReason!));
    }

    private static string Describe(CollectiveDescriptor d) =>
        $"{d.Kind} of {d.Count} x {d.DataType} with {d.Op}, quantization {d.Quantization} to {d.QuantizedType}";

    private void OnComplete(PeerRecord peer, CollectiveComplete complete)
    {
        if (peer.State != PeerLifecycle.Accepted)
        {
            Kick(peer, ErrorCode.ProtocolViolation, "reported a collective before being accepted");
            return;
        }

        if (complete.Seq == 0 || complete.Seq > _lastSeq)
        {
            Kick(peer, ErrorCode.ProtocolViolation, $"reported collective seq {complete.Seq}, which was never issued");
            return;
        }

        if (!_commenced.TryGetValue(complete.Seq, out CollectiveRecord? op))
        {
            // A peer that started optimistically can finish before the last initiation reached us: keep its report
            // for the commencement. Otherwise the verdict is out already (a failure overtook this report).
            if (_initiating.TryGetValue((peer.Group, complete.Tag), out CollectiveRecord? pending) && !pending.Rejected
                && pending.Claims.TryGetValue(peer.Id, out var claim) && claim.Seq == complete.Seq)
            {
                if (!pending.EarlyReports.TryAdd(peer.Id, complete))
                {
                    Kick(peer, ErrorCode.ProtocolViolation, $"reported seq {complete.Seq} twice");
                }
                else if (!complete.Success)
                {
                    // Nobody waits for the commencement of an op that already failed somewhere.
                    Refuse(pending, complete.ErrorCode, $"peer {peer.Id} failed: {complete.Reason}");
                }
            }

            return;
        }

        string? refusal = complete switch
        {
            _ when !op.Participants.Contains(peer.Id) => $"reported seq {complete.Seq}, which it does not take part in",
            _ when complete.Tag != op.Tag => $"reported seq {complete.Seq} with tag {complete.Tag}, but it runs tag {op.Tag}",
            _ when op.Reported.Contains(peer.Id) => $"reported seq {complete.Seq} twice",
            _ => null,
        };
        if (refusal is not null)
        {
            Kick(peer, ErrorCode.ProtocolViolation, refusal);
            return;
        }

        Apply(op, peer.Id, complete);
    }

    private void Apply(CollectiveRecord op, PeerId reporter, CollectiveComplete complete)
    {
        op.Reported.Add(reporter);
        if (!complete.Success)
        {
            // One failed part fails the op; telling everyone now spares them waiting for their own timeouts.
            Decide(op, complete.ErrorCode, $"peer {reporter} failed: {complete.Reason}");
        }
        else if (op.Reported.Count == op.Participants.Count)
        {
            Decide(op, ErrorCode.Success, string.Empty);
        }
    }

    /// <summary>The one verdict of a commenced op, to every participant still present.</summary>
    private void Decide(CollectiveRecord op, ErrorCode code, string reason)
    {
        _commenced.Remove(op.Seq);
        if (code == ErrorCode.Success)
        {
            // The master never sees the data; the descriptor says how much each operation reduced (for the status view's rate).
            ulong bytes = op.Descriptor.Count * (ulong)DataTypes.SizeOf(op.Descriptor.DataType);
            _reducedBytes = (long)Math.Min((ulong)long.MaxValue, (ulong)_reducedBytes + bytes);
        }

        var verdict = new CollectiveVerdict(op.Tag, op.Seq, code == ErrorCode.Success, code, reason, IssueTicket(op, code == ErrorCode.Success));
        foreach (PeerId id in op.Participants)
        {
            if (_peers.TryGetValue(id, out PeerRecord? participant) && ForgetInFlight(participant, op))
            {
                Send(participant, verdict);
            }
        }
    }

    /// <summary>
    /// Reserves a sequence number for the group's likely next op: tag + 1 after a success, the same tag (its retry) after a
    /// failure, unless that op is already under way. Replaces the group's previous ticket.
    /// </summary>
    private CollectiveTicket IssueTicket(CollectiveRecord decided, bool succeeded)
    {
        _tickets.Remove(decided.Group);
        ulong next = succeeded ? decided.Tag + 1 : decided.Tag;
        if ((succeeded && decided.Tag == ulong.MaxValue)
            || !_rings.TryGetValue(decided.Group, out List<PeerId>? ring)
            || _initiating.ContainsKey((decided.Group, next))
            || _commenced.Values.Any(o => o.Group == decided.Group && o.Tag == next))
        {
            return default;
        }

        var ticket = new CollectiveTicket(next, ++_lastSeq, RingFingerprint.Of(CollectionsMarshal.AsSpan(ring)));
        _tickets[decided.Group] = ticket;
        return ticket;
    }

    /// <summary>
    /// The sequence number for <paramref name="op"/>, commenced over <paramref name="ring"/>: the group's ticket when it is
    /// for this tag and ring, else a fresh one. Null when a claimant started on anything else (the op is then refused).
    /// </summary>
    private ulong? SequenceFor(CollectiveRecord op, List<PeerId> ring)
    {
        ulong fingerprint = RingFingerprint.Of(CollectionsMarshal.AsSpan(ring));
        ulong seq = _tickets.TryGetValue(op.Group, out CollectiveTicket ticket) && ticket.Tag == op.Tag && ticket.RingFingerprint == fingerprint
            ? ticket.Seq
            : 0;
        if (seq != 0)
        {
            _tickets.Remove(op.Group);
        }

        foreach ((ulong claimed, ulong claimedRing) in op.Claims.Values)
        {
            if (claimed != seq || claimedRing != fingerprint)
            {
                return null;
            }
        }

        return seq != 0 ? seq : ++_lastSeq;
    }

    /// <summary>Commences every op all members of its group initiated, and forgets rejected ops everyone was told about.</summary>
    private void SettleCollectives()
    {
        foreach (CollectiveRecord op in _initiating.Values.ToList())
        {
            bool everyoneInitiated = _rings.TryGetValue(op.Group, out List<PeerId>? ring) && ring.TrueForAll(op.Initiators.Contains);
            if (op.Rejected)
            {
                // Told everyone who will ever ask (every member, or the group is gone): the tag is free again.
                if (everyoneInitiated || ring is null)
                {
                    _initiating.Remove((op.Group, op.Tag));
                }

                continue;
            }

            if (!everyoneInitiated)
            {
                continue;
            }

            if (SequenceFor(op, ring!) is not { } seq)
            {
                // Someone started on a ticket the group no longer holds (the ring changed, or another op took it):
                // its run cannot be trusted to match the others', so the op fails everywhere and is simply retried.
                Refuse(op, ErrorCode.RankConnectionLost,
                    $"tag {op.Tag} in group {op.Group}: a peer started it optimistically on a reservation that no longer holds (the group changed); retry");
                continue;
            }

            _initiating.Remove((op.Group, op.Tag));
            op.Seq = seq;
            op.Participants.AddRange(ring!);
            _commenced.Add(op.Seq, op);
            // Claimants already run on this number over this ring (SequenceFor refused any claim that does not match),
            // so only peers that waited get the commence: for a loop of small ops on tickets that is no message at all.
            CommenceCollective? commence = null;
            foreach (PeerId id in op.Participants)
            {
                if (!op.Claims.ContainsKey(id))
                {
                    commence ??= new CommenceCollective(op.Tag, op.Seq, op.Participants.ToImmutableArray());
                    Send(_peers[id], commence);
                }
            }

            foreach ((PeerId reporter, CollectiveComplete early) in op.EarlyReports)
            {
                if (!_commenced.ContainsKey(op.Seq))
                {
                    break; // an early failure report decided it already
                }

                Apply(op, reporter, early);
            }
        }
    }

    private void DropRejectedCollectives()
    {
        foreach (CollectiveRecord op in _initiating.Values.Where(op => op.Rejected).ToList())
        {
            _initiating.Remove((op.Group, op.Tag));
        }
    }

    /// <summary>A departing member fails its commenced ops at once and stops being waited for by uncommenced ones.</summary>
    private void ReleaseCollectives(PeerRecord peer, string reason)
    {
        foreach (CollectiveRecord op in peer.InFlight.Values.ToList())
        {
            peer.InFlight.Remove(op.Tag);
            if (op.IsCommenced)
            {
                if (_commenced.ContainsKey(op.Seq))
                {
                    Decide(op, ErrorCode.RankConnectionLost, $"peer {peer.Id} {reason}");
                }
            }
            else
            {
                op.Initiators.Remove(peer.Id);
                op.Claims.Remove(peer.Id);
                op.EarlyReports.Remove(peer.Id);
                if (op.Initiators.Count == 0)
                {
                    _initiating.Remove((op.Group, op.Tag));
                }
            }
        }
    }
}
