using Collectives.Protocol.Messages;

namespace Collectives.Membership;

internal sealed partial class MasterState
{
    private void OnQueryPeersPending(PeerRecord peer)
    {
        string? refusal = peer switch
        {
            { State: not PeerLifecycle.Accepted } => "asked the peers-pending query before being accepted",
            { AskedPeersPending: true } => "asked the peers-pending query again while waiting for the answer",
            { Voted: true } => "asked the peers-pending query while its topology vote is pending",
            { IsOptimizing: true } => "asked the peers-pending query while in an optimize-topology call",
            _ => null,
        };
        if (refusal is not null)
        {
            Kick(peer, ErrorCode.ProtocolViolation, refusal);
            return;
        }

        peer.AskedPeersPending = true;
    }

    /// <summary>The query is collective over all accepted peers: once every one asked, all get the same answer.</summary>
    private void SettlePeersPendingQuery()
    {
        var accepted = AcceptedPeers().ToList();
        if (accepted.Count == 0 || !accepted.TrueForAll(p => p.AskedPeersPending))
        {
            return;
        }

        var answer = new PeersPendingAnswer(PendingPeers().Any());
        foreach (PeerRecord peer in accepted)
        {
            peer.AskedPeersPending = false;
            Send(peer, answer);
        }
    }
}
