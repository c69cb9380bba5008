using Collectives.Protocol;
using Collectives.Protocol.Messages;

namespace Collectives.Membership;

internal sealed partial class MasterState
{
    private void OnRegister(PeerRecord peer, Register register)
    {
        if (peer.IsRegistered)
        {
            Kick(peer, ErrorCode.ProtocolViolation, "registered twice");
            return;
        }

        PeerAddress? address = register.AdvertisedAddress ?? peer.ObservedAddress;
        if (address is null)
        {
            Kick(peer, ErrorCode.InvalidArgument, "no address to reach the peer at: none advertised and none observed");
            return;
        }

        if (register.P2PPort == 0)
        {
            Kick(peer, ErrorCode.InvalidArgument, "data port 0 cannot be dialled");
            return;
        }

        // Pending and joining peers will enter the ring, so they count against its limit now.
        int groupSize = _peers.Values.Count(p => p.Group == register.PeerGroup);
        if (groupSize >= _options.Limits.MaxPeersPerRing)
        {
            Kick(peer, ErrorCode.InvalidUsage, $"peer group {register.PeerGroup} is full ({groupSize} peers)");
            return;
        }

        peer.Id = _ids.Next();
        peer.Group = register.PeerGroup;
        peer.Endpoint = new PeerEndpoint(address.Value, register.P2PPort);
        peer.RegistrationOrder = ++_registrations;
        _peers.Add(peer.Id, peer);

        // The first peer of a run has nobody to ask; while a phase runs, its joiners are not accepted yet but will be,
        // so a newcomer then is not first and waits for the next vote.
        if (_rings.Count == 0 && _phase is null)
        {
            peer.State = PeerLifecycle.Accepted;
            _rings.Add(peer.Group, [peer.Id]);
            _epoch++;
            Send(peer, new Registered(peer.Id, AcceptedImmediately: true));
            SendTopologyUpdated(peer);
            return;
        }

        peer.State = PeerLifecycle.Registered;
        Send(peer, new Registered(peer.Id, AcceptedImmediately: false));
    }

    /// <summary>
    /// With no accepted peer left and no phase running, nobody can vote the pending peers in: they let themselves in
    /// (the vote of zero accepted peers passes), through a normal establish phase among them.
    /// </summary>
    private void AdmitOrphanedPeers()
    {
        if (_rings.Count == 0 && _phase is null && PendingPeers().Any())
        {
            StartEstablishPhase();
        }
    }

    private IEnumerable<PeerRecord> PendingPeers() =>
        _peers.Values.Where(p => p.State == PeerLifecycle.Registered).OrderBy(p => p.RegistrationOrder);

    private IEnumerable<PeerRecord> AcceptedPeers() =>
        _peers.Values.Where(p => p.State == PeerLifecycle.Accepted);
}
