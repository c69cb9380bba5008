using Collectives.Protocol;
using Collectives.Protocol.Messages;

namespace Collectives.Membership;

/// <summary>
/// The master's decisions as a pure state machine: registration, the accept-new-peers vote and the
/// establish-connections phase, the peers-pending query, collectives (initiate, commence, verdict), shared-state sync
/// rounds, kicks and failure handling. Events go in with the time passed in; commands come out of <see cref="DrainOutbox"/>. It never reads a
/// clock or touches a socket, and it is not thread-safe: the server feeds it from one loop.
/// See docs/design/control-protocol.md for the rules.
/// </summary>
/// <remarks>
/// Topology optimisation (MasterState.Optimization.cs) applies its ring within the call; <see cref="HasQueuedRingChange"/>
/// remains the hook for a ring improved in the background and adopted by the next vote's establish phase.
/// </remarks>
internal sealed partial class MasterState
{
    private readonly MasterStateOptions _options;
    private readonly PeerIdGenerator _ids;
    private readonly List<MasterCommand> _outbox = [];
    private readonly Dictionary<ConnectionId, PeerRecord> _connections = [];
    private readonly Dictionary<PeerId, PeerRecord> _peers = [];

    // Accepted peers in ring order, per group; a group is present only while it has accepted peers.
    private readonly Dictionary<uint, List<PeerId>> _rings = [];

    private TimeSpan _now;
    private ulong _epoch;
    private long _registrations;
    private EstablishPhase? _phase;
    private bool _membershipChanged;

    public MasterState(MasterStateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _ids = new PeerIdGenerator(options.PeerIdSeed);
    }

    public MasterStateOptions Options => _options;

    /// <summary>A control connection completed its handshake. <paramref name="observedEndpoint"/>'s address is where the peer is dialled unless it advertises another.</summary>
    /// <exception cref="ArgumentException">The connection is already known (a bug of the server).</exception>
    public void Connected(ConnectionId connection, PeerEndpoint? observedEndpoint, TimeSpan now)
    {
        Advance(now);
        if (_connections.ContainsKey(connection))
        {
            throw new ArgumentException($"{connection} is already connected", nameof(connection));
        }

        _connections.Add(connection, new PeerRecord(connection, observedEndpoint?.Address, _now));
    }

    /// <summary>A message arrived. Messages for connections the state has closed or forgotten are ignored.</summary>
    public void Received(ConnectionId connection, ClientMessage message, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(message);
        Advance(now);
        if (!_connections.TryGetValue(connection, out PeerRecord? peer))
        {
            return;
        }

        peer.LastHeard = _now;
        switch (message)
        {
            case Register register:
                OnRegister(peer, register);
                break;
            case VoteUpdateTopology:
                OnVote(peer);
                break;
            case ConnectionsEstablished established:
                OnConnectionsEstablished(peer, established);
                break;
            case QueryPeersPending:
                OnQueryPeersPending(peer);
                break;
            case InitiateCollective initiate:
                OnInitiate(peer, initiate);
                break;
            case CollectiveComplete complete:
                OnComplete(peer, complete);
                break;
            case SyncSharedState sync:
                OnSyncSharedState(peer, sync);
                break;
            case SharedStateTransferDone done:
                OnTransferDone(peer, done);
                break;
            case OptimizeTopology:
                OnOptimizeTopology(peer);
                break;
            case BandwidthMeasured measured:
                OnBandwidthMeasured(peer, measured);
                break;
            case PeerHeartbeat:
                break;
            case Leave:
                Close(peer, ErrorCode.Success, "left");
                Remove(peer, "left");
                break;
            default:
                Kick(peer, ErrorCode.ProtocolViolation, $"unexpected {message.Type}");
                break;
        }

        Settle();
    }

    /// <summary>The server could not decode a message on <paramref name="connection"/>: the sender is kicked.</summary>
    public void ReceivedMalformed(ConnectionId connection, string reason, TimeSpan now)
    {
        Advance(now);
        if (_connections.TryGetValue(connection, out PeerRecord? peer))
        {
            Kick(peer, ErrorCode.ProtocolViolation, reason);
            Settle();
        }
    }

    /// <summary>The connection broke or the peer closed it.</summary>
    public void Disconnected(ConnectionId connection, string reason, TimeSpan now)
    {
        Advance(now);
        if (_connections.TryGetValue(connection, out PeerRecord? peer))
        {
            Remove(peer, "disconnected: " + reason);
            Settle();
        }
    }

    /// <summary>Time passed: silent peers are removed, and quiet connections get a heartbeat.</summary>
    public void Tick(TimeSpan now)
    {
        Advance(now);
        var silent = _connections.Values.Where(p => _now - p.LastHeard > _options.PeerTimeout).ToList();
        foreach (PeerRecord peer in silent)
        {
            Kick(peer, ErrorCode.Timeout, $"silent for {(_now - peer.LastHeard).TotalSeconds:F1} s (timeout {_options.PeerTimeout.TotalSeconds:F1} s)");
        }

        foreach (PeerRecord peer in _connections.Values)
        {
            if (_now - peer.LastSent >= _options.HeartbeatInterval)
            {
                Send(peer, new MasterHeartbeat());
            }
        }

        Settle();
    }

    /// <summary>The commands produced since the last call, in the order they must be carried out.</summary>
    public IReadOnlyList<MasterCommand> DrainOutbox()
    {
        if (_outbox.Count == 0)
        {
            return [];
        }

        var commands = _outbox.ToArray();
        _outbox.Clear();
        return commands;
    }

    private void Advance(TimeSpan now)
    {
        // Time is monotonic by contract; a late timestamp must not make peers look older than they are.
        if (now > _now)
        {
            _now = now;
        }
    }

    private void Send(PeerRecord peer, ServerMessage message)
    {
        peer.LastSent = _now;
        _outbox.Add(new SendCommand(peer.Connection, message));
    }

    private void Close(PeerRecord peer, ErrorCode code, string reason) =>
        _outbox.Add(new CloseCommand(peer.Connection, code, reason));

    /// <summary>
    /// Carries out everything the last event made possible, in an order where no step can enable an earlier one:
    /// shared-state rounds are decided, removals are announced, topology optimisations gather, probe and finish
    /// (a finished one changes only its group's ring order, which no later step depends on), the establish phase advances, orphaned pending peers
    /// are let in, collectives commence, the query is answered, and votes complete, pass or fail. Deciding a round
    /// goes first because it can kick peers, whose removal the later steps must see; none of them can complete a
    /// round's collection (that needs requests from every accepted member, and only removals change who that is while
    /// members wait in a sync).
    /// </summary>
    private void Settle()
    {
        SettleSharedStateSync();
        AnnounceMembershipChange();
        SettleOptimizations();
        AdvanceEstablishPhase();
        AdmitOrphanedPeers();
        SettleCollectives();
        SettlePeersPendingQuery();
        SettleVotes();
    }
}
