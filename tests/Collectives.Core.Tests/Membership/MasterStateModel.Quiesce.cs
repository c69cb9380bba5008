using Collectives.Membership;
using Collectives.Protocol.Messages;
using NUnit.Framework;

namespace Collectives.Tests.Membership;

internal sealed partial class MasterStateModel
{
    /// <summary>
    /// Lets the run settle the way well-behaved peers would: stalled peers time out, everyone reads its inbox,
    /// finishes commenced ops and shared-state transfers, joins the syncs, ops and queries others wait in, registers,
    /// and votes until nobody is pending. Then nothing may be left waiting: every initiation got its verdict, every
    /// sync ended, every peer that jumped ahead was kicked, and no peer stays pending.
    /// </summary>
    private void Quiesce()
    {
        _trace.Add("quiesce");
        AdvanceTime(Timeout + TimeSpan.FromSeconds(1));
        foreach (SimulatedPeer peer in Acting.Where(p => p.State == SimulatedPeer.View.Connected).ToList())
        {
            peer.State = SimulatedPeer.View.Registering;
            Honest(peer, new Register(peer.Group, (ushort)(1000 + peer.Connection.Value), null));
        }

        for (int round = 0; round < 200; round++)
        {
            Stats.QuiesceRounds++;
            if (!MakeProgress())
            {
                break;
            }
        }

        MasterStatus status = _master.GetStatus();
        Ensure(status.Peers.All(p => p.State == PeerLifecycle.Accepted), () => "peers stayed pending");
        Ensure(!status.Peers.Any(p => p.VotedForTopology || p.AskedPeersPending), () => "a vote or query never ended");
        Ensure(status.Collectives.All(c => c.Rejected), () => $"an op never ended");
        CheckSyncsEnded(status);
        foreach (SimulatedPeer peer in Acting)
        {
            Ensure(peer.Ops.Count == 0, () => $"{peer} never got a verdict for tags {string.Join(",", peer.Ops.Keys)}");
            Ensure(_awaiting[peer.Connection].Count == 0, () => $"{peer} was never sent a verdict");
            Ensure(!(peer.Voting || peer.Querying), () => $"{peer} still waits for a vote or query answer");
        }
    }

    private bool MakeProgress()
    {
        bool progress = false;
        foreach (SimulatedPeer peer in Acting.ToList())
        {
            if (peer.Inbox.Count > 0)
            {
                ProcessInbox(peer, peer.Inbox.Count, reportUnreachable: false);
                progress = true;
            }
        }

        foreach (SimulatedPeer peer in Acting.ToList())
        {
            foreach (var (tag, op) in peer.Ops.Where(o => o.Value.Seq != 0 && !o.Value.Reported).ToList())
            {
                peer.Ops[tag] = op with { Reported = true };
                Honest(peer, new CollectiveComplete(tag, op.Seq, true, ErrorCode.Success, ""));
                progress = true;
            }
        }

        progress |= FinishOpenTransfers();
        progress |= JoinWaitingSyncs();
        progress |= JoinWaitingOps();
        progress |= JoinWaitingQuery();
        if (!progress && _master.GetStatus().Peers.Any(p => p.State is PeerLifecycle.Registered or PeerLifecycle.Joining))
        {
            foreach (SimulatedPeer peer in Acting.Where(p => p.IsFree).ToList())
            {
                peer.Voting = true;
                Honest(peer, new VoteUpdateTopology());
                progress = true;
            }
        }

        return progress;
    }

    /// <summary>Members that have not launched a tag another member waits in launch it with the same descriptor.</summary>
    private bool JoinWaitingOps()
    {
        bool progress = false;
        var waiting = Acting.SelectMany(p => p.Ops.Where(o => o.Value.Seq == 0).Select(o => (p.Group, Tag: o.Key, o.Value.Descriptor))).Distinct().ToList();
        foreach (var (group, tag, descriptor) in waiting)
        {
            foreach (SimulatedPeer peer in Acting.Where(p => p.Group == group && p.State == SimulatedPeer.View.Accepted && !p.Voting && !p.Ops.ContainsKey(tag)).ToList())
            {
                peer.Ops[tag] = new LocalOp(descriptor, 0, false);
                _awaiting[peer.Connection][tag] = 0;
                Honest(peer, new InitiateCollective(tag, descriptor));
                progress = true;
            }
        }

        return progress;
    }

    private bool JoinWaitingQuery()
    {
        bool progress = false;
        if (Acting.Any(p => p.Querying))
        {
            foreach (SimulatedPeer peer in Acting.Where(p => p.State == SimulatedPeer.View.Accepted && !p.Querying && !p.Voting).ToList())
            {
                peer.Querying = true;
                Honest(peer, new QueryPeersPending());
                progress = true;
            }
        }

        return progress;
    }
}
