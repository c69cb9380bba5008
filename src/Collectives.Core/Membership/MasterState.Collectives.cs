using System.Collections.Immutable;
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
    private void Reject(CollectiveRecord op, PeerRecord culprit, CollectiveDescriptor descriptor)
    {
        op.RejectionReason = $"tag {op.Tag} in group {op.Group}: peer {op.Initiators[0]} launched {Describe(op.Descriptor)}, "
            + $"peer {culprit.Id} launched {Describe(descriptor)}";
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
        Send(peer, new CollectiveVerdict(op.Tag, 0, false, ErrorCode.DescriptorMismatch, op.RejectionReason!));
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
            return; // The verdict is out already (a failure overtook this report): nothing left to decide.
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

        op.Reported.Add(peer.Id);
        if (!complete.Success)
        {
            // One failed part fails the op; telling everyone now spares them waiting for their own timeouts.
            Decide(op, complete.ErrorCode, $"peer {peer.Id} failed: {complete.Reason}");
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

        var verdict = new CollectiveVerdict(op.Tag, op.Seq, code == ErrorCode.Success, code, reason);
        foreach (PeerId id in op.Participants)
        {
            if (_peers.TryGetValue(id, out PeerRecord? participant) && ForgetInFlight(participant, op))
            {
                Send(participant, verdict);
            }
        }
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

            _initiating.Remove((op.Group, op.Tag));

            op.Seq = ++_lastSeq;
            op.Participants.AddRange(ring!);
            _commenced.Add(op.Seq, op);
            var commence = new CommenceCollective(op.Tag, op.Seq, op.Participants.ToImmutableArray());
            foreach (PeerId id in op.Participants)
            {
                Send(_peers[id], commence);
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
                if (op.Initiators.Count == 0)
                {
                    _initiating.Remove((op.Group, op.Tag));
                }
            }
        }
    }
}
