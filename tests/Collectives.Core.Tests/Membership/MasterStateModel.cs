using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using Collectives.SharedState;
using NUnit.Framework;

namespace Collectives.Tests.Membership;

/// <summary>One generated step: <see cref="Kind"/> picks the action, the other numbers pick its target and options.</summary>
public sealed record ModelStep(StepKind Kind, int Peer, int Arg, int Option)
{
    public override string ToString() => $"{Kind}({Peer},{Arg},{Option})";
}

/// <summary>Counts of what a model run exercised.</summary>
internal sealed class ModelStats
{
    public int Commenced { get; set; }

    public int Succeeded { get; set; }

    public int Failed { get; set; }

    public int Mismatched { get; set; }

    public int Established { get; set; }

    public int VotesFailed { get; set; }

    public int Kicked { get; set; }

    public int TimedOut { get; set; }

    public int QuiesceRounds { get; set; }

    public int Initiations { get; set; }

    public int InitiationsIntoWaitingOps { get; set; }

    public int LargestGroup { get; set; }

    public int SyncRequests { get; set; }

    public int SyncRounds { get; set; }

    public int SyncSucceeded { get; set; }

    public int SyncRoundsFailed { get; set; }

    public int SyncUnavailable { get; set; }

    public int JumpersKicked { get; set; }

    public int Fetchers { get; set; }

    public int StripedTransfers { get; set; }
}

/// <summary>The actions of the model-based test.</summary>
public enum StepKind
{
    Connect,
    Register,
    Vote,
    Query,
    Initiate,
    Complete,
    Process,
    Leave,
    Disconnect,
    Stall,
    AdvanceTime,
    Garbage,

    /// <summary>A training loop's step end: read the inbox, finish commenced ops, and vote if nothing is in flight.</summary>
    EndOfStep,

    /// <summary>Every accepted peer reaches its step end, one after the other.</summary>
    EveryoneEndsStep,

    /// <summary>Every free-enough member of a group launches the same tag, as a training loop's all-reduce does.</summary>
    GroupInitiates,

    /// <summary>One peer asks for a shared-state sync (after a training step, or at the same revision).</summary>
    Sync,

    /// <summary>Every member of a group that can asks for a sync, as a training loop does after each step.</summary>
    GroupSyncs,

    /// <summary>A peer asks with a revision jumping ahead of its group's: the master must kick it when the round is decided.</summary>
    SyncAhead,

    /// <summary>A peer with a decision reports its transfers done (or failed).</summary>
    FinishTransfer,
}

/// <summary>
/// Runs a <see cref="MasterState"/> against simulated honest peers (plus occasional garbage) and checks the design's
/// invariants after every step, from the commands the master emits rather than from its internals.
/// </summary>
internal sealed partial class MasterStateModel
{
    public const int MaxPeers = 8;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly MasterState _master = new(MasterStateOptions.Default with
    {
        PeerIdSeed = 1u,
        PeerTimeout = Timeout,
        HeartbeatInterval = TimeSpan.FromSeconds(3),
    });

    private readonly List<SimulatedPeer> _peers = [];
    private readonly List<string> _trace = [];

    // What the master last told each connection, as seen in its commands.
    private readonly Dictionary<ConnectionId, (IReadOnlyList<PeerId> Ring, WorldSizes Sizes)> _lastTold = [];

    // Per connection: tags initiated and not yet given a verdict, with the seq once commenced (0 before).
    private readonly Dictionary<ConnectionId, Dictionary<ulong, ulong>> _awaiting = [];

    private long _nextConnection = 1;

    /// <summary>How often the interesting things happened, so tests can check the generator reaches them.</summary>
    public ModelStats Stats { get; } = new();
    private TimeSpan _now;

    public void Run(IEnumerable<ModelStep> steps, Action<string>? log = null)
    {
        foreach (ModelStep step in steps)
        {
            _trace.Add(step.ToString());
            Apply(step);
            CheckStateInvariants();
            log?.Invoke($"{step,-28} {string.Join(" ", _master.GetStatus().Peers.Select(p => $"{p.Connection}:{p.State}:g{p.Group}{(p.VotedForTopology ? "V" : "")}"))} | {string.Join(" ", _peers.Where(p => p.Alive).Select(p => $"{p.State}/{p.Inbox.Count}/{p.Ops.Count}{(p.Voting ? "V" : "")}"))}");
        }

        Quiesce();
    }

    private IEnumerable<SimulatedPeer> Acting => _peers.Where(p => p.CanAct);

    private SimulatedPeer? Pick(int index, Func<SimulatedPeer, bool> eligible)
    {
        var candidates = Acting.Where(eligible).ToList();
        return candidates.Count == 0 ? null : candidates[index % candidates.Count];
    }

    private void Apply(ModelStep step)
    {
        switch (step.Kind)
        {
            case StepKind.Connect when _peers.Count(p => p.Alive) < MaxPeers:
                // Skewed towards group 0 so that groups have several members and collectives have something to agree on.
                uint group = (step.Arg % 6) switch { < 3 => 0u, < 5 => 1u, _ => 2u };
                var peer = new SimulatedPeer(new ConnectionId(_nextConnection++), group, _now);
                _peers.Add(peer);
                _awaiting[peer.Connection] = [];
                InitialContent(peer, step.Option % 3);
                _master.Connected(peer.Connection, new PeerEndpoint(PeerAddress.FromBytes([10, 0, 0, (byte)peer.Connection.Value]), 1), _now);
                Drain(allowedCloses: []);
                break;
            case StepKind.Register when Pick(step.Peer, p => p.State == SimulatedPeer.View.Connected) is { } p:
                p.State = SimulatedPeer.View.Registering;
                Honest(p, new Register(p.Group, (ushort)(1000 + p.Connection.Value), null));
                break;
            case StepKind.Vote when Pick(step.Peer, p => p.IsFree) is { } p:
                p.Voting = true;
                Honest(p, new VoteUpdateTopology());
                break;
            case StepKind.Query when Pick(step.Peer, p => p.State == SimulatedPeer.View.Accepted && !p.Voting && !p.Querying) is { } p:
                p.Querying = true;
                Honest(p, new QueryPeersPending());
                break;
            case StepKind.Initiate when Pick(step.Peer, p => p.State == SimulatedPeer.View.Accepted && !p.Voting) is { } p:
                // Mostly agreeing descriptors, sometimes not, so that mismatches happen but ops also commence.
                Initiate(p, (ulong)(step.Arg % 3), step.Option % 5 == 0 ? MasterHarness.Doubles : MasterHarness.Floats);
                break;
            case StepKind.Complete when Pick(step.Peer, p => p.Ops.Values.Any(o => o.Seq != 0 && !o.Reported)) is { } p:
                var (opTag, op) = p.Ops.Where(o => o.Value.Seq != 0 && !o.Value.Reported).OrderBy(o => o.Key).ElementAt(step.Arg % p.Ops.Count(o => o.Value.Seq != 0 && !o.Value.Reported));
                p.Ops[opTag] = op with { Reported = true };
                bool ok = step.Option % 5 != 0;
                Honest(p, new CollectiveComplete(opTag, op.Seq, ok, ok ? ErrorCode.Success : ErrorCode.RankConnectionLost, ok ? "" : "link to next broke"));
                break;
            case StepKind.Process when Pick(step.Peer, p => p.Inbox.Count > 0) is { } p:
                ProcessInbox(p, 1 + (step.Arg % 4), reportUnreachable: step.Option % 12 == 0);
                break;
            case StepKind.Leave when Pick(step.Peer, _ => true) is { } p:
                Say(p);
                _master.Received(p.Connection, new Leave(), _now);
                Drain(allowedCloses: [p.Connection]);
                Ensure(!p.Alive, () => $"{p} left but its connection stayed open");
                break;
            case StepKind.Disconnect when Pick(step.Peer, _ => true) is { } p:
                Forget(p);
                _master.Disconnected(p.Connection, "connection reset", _now);
                Drain(allowedCloses: []);
                break;
            case StepKind.Stall when Pick(step.Peer, _ => true) is { } p:
                p.Silent = true;
                break;
            case StepKind.AdvanceTime:
                AdvanceTime(TimeSpan.FromMilliseconds(step.Arg % 6000));
                break;
            case StepKind.Garbage when Pick(step.Peer, _ => true) is { } p:
                SendGarbage(p, step.Option);
                break;
            case StepKind.EndOfStep when Pick(step.Peer, p => p.State == SimulatedPeer.View.Accepted) is { } p:
                EndOfStep(p);
                break;
            case StepKind.EveryoneEndsStep:
                foreach (SimulatedPeer p in Acting.Where(p => p.State == SimulatedPeer.View.Accepted).ToList())
                {
                    EndOfStep(p);
                }

                break;
            case StepKind.GroupInitiates when Pick(step.Peer, p => p.State == SimulatedPeer.View.Accepted) is { } first:
                var members = Acting.Where(p => p.Group == first.Group && p.State == SimulatedPeer.View.Accepted && !p.Voting).ToList();
                for (int i = 0; i < members.Count; i++)
                {
                    // One member in a while launches it differently: the whole group must then get the mismatch.
                    Initiate(members[i], (ulong)(step.Arg % 3), i == 1 && step.Option % 6 == 0 ? MasterHarness.Doubles : MasterHarness.Floats);
                }

                break;
            case StepKind.Sync when Pick(step.Peer, CanSync) is { } p:
                Sync(p, advance: step.Arg % 3 != 0, step.Option % 5 == 0 ? SharedStateStrategy.ReceiveOnly : SharedStateStrategy.EnforcePopular, diverge: step.Option % 7 == 0);
                break;
            case StepKind.GroupSyncs when Pick(step.Peer, CanSync) is { } first:
                GroupSyncs(first, step.Arg, step.Option);
                break;
            case StepKind.SyncAhead when Pick(step.Peer, CanSync) is { } p:
                SyncAhead(p, step.Arg);
                break;
            case StepKind.FinishTransfer when Pick(step.Peer, p => p.Decision is not null && !p.AnsweredTransfer) is { } p:
                FinishTransfer(p, ok: step.Option % 6 != 0);
                break;
        }
    }

    /// <summary>A legal message from an honest peer must never get anyone kicked.</summary>
    private void Honest(SimulatedPeer peer, ClientMessage message)
    {
        Say(peer);
        _master.Received(peer.Connection, message, _now);
        Drain(allowedCloses: []);
    }

    private void Initiate(SimulatedPeer peer, ulong tag, Collectives.Protocol.CollectiveDescriptor descriptor)
    {
        if (peer.Ops.ContainsKey(tag))
        {
            return;
        }

        peer.Ops[tag] = new LocalOp(descriptor, 0, false);
        _awaiting[peer.Connection][tag] = 0;
        Stats.Initiations++;
        Stats.InitiationsIntoWaitingOps += _master.GetStatus().Collectives.Any(c => c.Tag == tag && c.Sequence == 0 && c.Group == peer.Group) ? 1 : 0;
        Honest(peer, new InitiateCollective(tag, descriptor));
    }

    private void EndOfStep(SimulatedPeer peer)
    {
        ProcessInbox(peer, peer.Inbox.Count, reportUnreachable: false);
        foreach (var (tag, op) in peer.Ops.Where(o => o.Value.Seq != 0 && !o.Value.Reported).ToList())
        {
            peer.Ops[tag] = op with { Reported = true };
            Honest(peer, new CollectiveComplete(tag, op.Seq, true, ErrorCode.Success, ""));
        }

        ProcessInbox(peer, peer.Inbox.Count, reportUnreachable: false);
        if (peer.Alive && peer.IsFree)
        {
            peer.Voting = true;
            Honest(peer, new VoteUpdateTopology());
        }
    }

    private void ProcessInbox(SimulatedPeer peer, int count, bool reportUnreachable)
    {
        for (int i = 0; i < count && peer.Alive && peer.Inbox.Count > 0; i++)
        {
            bool isEstablish = peer.Inbox.Peek() is EstablishConnections;
            ClientMessage? reply = peer.Process(reportUnreachable);
            if (reply is ConnectionsEstablished { UnreachablePeers.Count: > 0 } report)
            {
                // The reporter or the reported peer may go, depending on who is a joiner; nobody else.
                // The reported peer may not have read its own id yet: find its connection from the master's view.
                var suspects = _master.GetStatus().Peers.Where(p => p.Id == report.UnreachablePeers[0]).Select(p => p.Connection)
                    .Append(peer.Connection).ToArray();
                bool stale = report.Epoch < _master.GetStatus().Epoch;
                Say(peer);
                _master.Received(peer.Connection, reply, _now);
                Drain(allowedCloses: suspects);
                Ensure(stale || suspects.Any(c => !_peers.Single(p => p.Connection == c).Alive),
                    () => "an unreachable report removed nobody");
            }
            else if (reply is not null)
            {
                Ensure(isEstablish, () => "a reply to something other than EstablishConnections");
                Honest(peer, reply);
            }
        }
    }

    private void SendGarbage(SimulatedPeer peer, int option)
    {
        Say(peer);
        switch (option % 6)
        {
            case 0 when peer.State != SimulatedPeer.View.Connected:
                _master.Received(peer.Connection, new Register(peer.Group, 1, null), _now);
                break;
            case 1:
                _master.Received(peer.Connection, new CollectiveComplete(0, ulong.MaxValue, true, ErrorCode.Success, ""), _now);
                break;
            case 2:
                _master.Received(peer.Connection, new ConnectionsEstablished(ulong.MaxValue, []), _now);
                break;
            case 3:
                _master.Received(peer.Connection, new SharedStateTransferDone(ulong.MaxValue, true, ErrorCode.Success, ""), _now);
                break;
            case 4:
                _master.Received(peer.Connection, new SyncSharedState(1, 9, SharedStateModel.Entries(peer.Hashes)), _now);
                break;
            default:
                _master.ReceivedMalformed(peer.Connection, "garbage bytes", _now);
                break;
        }

        Drain(allowedCloses: [peer.Connection]);
        Ensure(!peer.Alive, () => $"garbage from {peer} did not get it kicked");
    }

    private void AdvanceTime(TimeSpan delta)
    {
        _now += delta;
        foreach (SimulatedPeer peer in Acting.ToList())
        {
            Say(peer);
            _master.Received(peer.Connection, new PeerHeartbeat(), _now);
            Drain(allowedCloses: []);
        }

        var overdue = _peers.Where(p => p.Alive && p.Silent && _now - p.LastSpoke > Timeout).Select(p => p.Connection).ToHashSet();
        _master.Tick(_now);
        Drain(allowedCloses: overdue);
        foreach (SimulatedPeer peer in _peers.Where(p => overdue.Contains(p.Connection)))
        {
            Ensure(!peer.Alive, () => $"{peer} was silent past the timeout and not removed");
        }
    }

    private void Say(SimulatedPeer peer) => peer.LastSpoke = _now;

    private void Forget(SimulatedPeer peer)
    {
        peer.Alive = false;
        peer.Inbox.Clear();
        _lastTold.Remove(peer.Connection);
        _awaiting.Remove(peer.Connection);
        ForgetSharedState(peer);
    }

    /// <summary>Fails with the message and the recent steps; the message is built only on failure, which keeps runs fast.</summary>
    private void Ensure(bool condition, Func<string> message)
    {
        if (!condition)
        {
            throw new AssertionException(message() + TraceText());
        }
    }

    private string TraceText() => Environment.NewLine + "steps: " + string.Join(" ", _trace.TakeLast(60));
}
