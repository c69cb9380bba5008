using Collectives.Algorithms;
using Collectives.Diagnostics;
using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;

namespace Collectives;

public sealed partial class Communicator
{
    void IMasterListener.OnMasterMessage(ServerMessage message)
    {
        switch (message)
        {
            case Registered registered:
                _self = registered.PeerId;
                _links.SetSelf(registered.PeerId);
                _registration?.TrySetResult(registered.AcceptedImmediately);
                break;
            case EstablishConnections establish:
                RememberEndpoints(establish.Ring.AsImmutableArray());
                _ = EstablishConnectionsAsync(establish);
                break;
            case TopologyUpdated updated:
                OnTopologyUpdated(updated);
                break;
            case TopologyUpdateFailed failed:
                Volatile.Read(ref _topologyWaiter)?.TrySetException(new CollectivesException(failed.ErrorCode, $"update topology failed: {failed.Reason}"));
                break;
            case PeersPendingAnswer answer:
                Volatile.Read(ref _pendingQuery)?.TrySetResult(answer.Pending);
                break;
            case MembershipChanged changed:
                OnMembershipChanged(changed);
                break;
            case CommenceCollective commence:
                OnCommence(commence);
                break;
            case CollectiveVerdict verdict:
                OnVerdict(verdict);
                break;
            case SharedStateDecision decision:
                Volatile.Read(ref _sync)?.OnDecision(decision);
                break;
            case SharedStateSyncFailed failed:
                Volatile.Read(ref _sync)?.OnFailed(failed);
                break;
            case SharedStateSyncComplete complete:
                Volatile.Read(ref _sync)?.OnComplete(complete);
                break;
            case MeasureBandwidth measure:
                OnMeasureBandwidth(measure);
                break;
            case TopologyOptimized optimized:
                OnTopologyOptimized(optimized);
                break;
            case TopologyOptimizationFailed failed:
                OnTopologyOptimizationFailed(failed);
                break;
            case Kicked kicked:
                PeerLog.Kicked(_logger, kicked.ErrorCode, kicked.Reason);
                _master?.Break(new CollectivesException(ErrorCode.Kicked, $"kicked by the master ({kicked.ErrorCode}): {kicked.Reason}"));
                break;
        }
    }

    void IMasterListener.OnMasterLost(CollectivesException reason)
    {
        if (Volatile.Read(ref _state) != 3)
        {
            PeerLog.MasterLost(_logger, reason.Message);
        }

        FailEverything(reason);
    }

    private void FailEverything(CollectivesException reason)
    {
        List<CollectiveOperation> operations;
        lock (_gate)
        {
            _lost ??= reason;
            _accepted = false;
            operations = _operations.Values.ToList();
        }

        _registration?.TrySetException(reason);
        Volatile.Read(ref _topologyWaiter)?.TrySetException(reason);
        Volatile.Read(ref _pendingQuery)?.TrySetException(reason);
        foreach (CollectiveOperation operation in operations)
        {
            operation.Fail(reason);
        }

        Volatile.Read(ref _sync)?.Fail(reason);
        FailOptimization(reason);
    }

    private void RememberEndpoints(IEnumerable<PeerInfo> peers)
    {
        lock (_gate)
        {
            foreach (PeerInfo peer in peers)
            {
                _endpoints[peer.Id] = peer.Endpoint;
            }
        }
    }

    private async Task EstablishConnectionsAsync(EstablishConnections establish)
    {
        // Pre-warm the link to our successor so the first collective does not pay for the dial, and so an
        // unreachable peer is found now (the master removes it) rather than in the middle of an operation.
        List<PeerId> unreachable = [];
        PeerId[] ring = establish.Ring.AsImmutableArray().Select(p => p.Id).ToArray();
        int rank = Array.IndexOf(ring, _self);
        if (rank >= 0 && ring.Length > 1)
        {
            PeerInfo next = establish.Ring[(rank + 1) % ring.Length];
            try
            {
                await _links.GetAsync(next.Id, next.Endpoint).ConfigureAwait(false);
            }
            catch (CollectivesException e)
            {
                PeerLog.PeerUnreachable(_logger, next.Id.ToString(), next.Endpoint.ToString(), e.Message);
                unreachable.Add(next.Id);
            }
        }

        try
        {
            _master?.Send(new ConnectionsEstablished(establish.Epoch, new EquatableArray<PeerId>([.. unreachable])));
        }
        catch (CollectivesException)
        {
            // The master is gone; FailEverything already ran.
        }
    }

    private void OnTopologyUpdated(TopologyUpdated updated)
    {
        lock (_gate)
        {
            _accepted = true;
            _epoch = updated.Epoch;
            _worldSizes = updated.WorldSizes;
            _ring = updated.Ring.AsImmutableArray().ToArray();
            _links.Retain(new HashSet<PeerId>(_ring));
            SignalMembershipLocked();
        }

        PeerLog.TopologyUpdated(_logger, updated.Epoch, updated.WorldSizes.Global, updated.WorldSizes.PeerGroup);
        LibraryMetrics.RecordWorldSizes(updated.WorldSizes);
        Volatile.Read(ref _topologyWaiter)?.TrySetResult();
    }

    private void OnMembershipChanged(MembershipChanged changed)
    {
        RememberEndpoints(changed.Ring.AsImmutableArray());
        lock (_gate)
        {
            _worldSizes = changed.WorldSizes;
            _ring = changed.Ring.AsImmutableArray().Select(p => p.Id).ToArray();
            _links.Retain(new HashSet<PeerId>(_ring));
            SignalMembershipLocked();
        }

        PeerLog.MembershipChanged(_logger, changed.WorldSizes.Global, changed.WorldSizes.PeerGroup);
        LibraryMetrics.RecordWorldSizes(changed.WorldSizes);
    }
}
