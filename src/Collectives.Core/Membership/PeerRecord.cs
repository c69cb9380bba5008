using Collectives.Protocol;
using Collectives.SharedState;

namespace Collectives.Membership;

/// <summary>The master's mutable record of one control connection and its peer.</summary>
internal sealed class PeerRecord
{
    public PeerRecord(ConnectionId connection, PeerAddress? observedAddress, TimeSpan now)
    {
        Connection = connection;
        ObservedAddress = observedAddress;
        LastHeard = now;
        LastSent = now;
    }

    public ConnectionId Connection { get; }

    public PeerAddress? ObservedAddress { get; }

    public TimeSpan LastHeard { get; set; }

    public TimeSpan LastSent { get; set; }

    public PeerLifecycle State { get; set; } = PeerLifecycle.Connected;

    public PeerId Id { get; set; }

    public uint Group { get; set; }

    public PeerEndpoint Endpoint { get; set; }

    /// <summary>Order of registration; joiners enter rings in this order.</summary>
    public long RegistrationOrder { get; set; }

    /// <summary>Voted and not yet answered (TopologyUpdated or TopologyUpdateFailed).</summary>
    public bool Voted { get; set; }

    /// <summary>Asked the peers-pending query and not yet answered.</summary>
    public bool AskedPeersPending { get; set; }

    /// <summary>Its shared-state sync request while the round of its group collects requests; null otherwise.</summary>
    public SharedStateSubmission<PeerId>? PendingSync { get; set; }

    /// <summary>The round it takes part in after the decision, until it is told the outcome; null otherwise.</summary>
    public SharedStateRound? SyncRound { get; set; }

    /// <summary>Asked for a shared-state sync and not yet told its end (failed, or the round's outcome).</summary>
    public bool IsSyncing => PendingSync is not null || SyncRound is not null;

    /// <summary>Asked to optimise the topology and its group's run has not started yet.</summary>
    public bool AskedOptimize { get; set; }

    /// <summary>The optimisation run it takes part in, until it is told the new ring; null otherwise.</summary>
    public OptimizationRun? Optimization { get; set; }

    /// <summary>In an optimize-topology call: asked, and not yet told the outcome.</summary>
    public bool IsOptimizing => AskedOptimize || Optimization is not null;

    /// <summary>Ops this peer initiated that have no verdict for it yet, by tag (one op per tag at a time).</summary>
    public Dictionary<ulong, CollectiveRecord> InFlight { get; } = [];

    public bool IsRegistered => State != PeerLifecycle.Connected;

    public PeerInfo Info => new(Id, Endpoint);

    public override string ToString() => IsRegistered ? $"peer {Id}" : Connection.ToString();
}
