using System.Collections.Immutable;
using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;

namespace Collectives.Tests.Membership;

/// <summary>
/// An honest peer for the model-based test: it reads its inbox only when told to (so its view lags the master's,
/// as over a real network) and only ever sends what is legal from its own view.
/// </summary>
internal sealed class SimulatedPeer
{
    public SimulatedPeer(ConnectionId connection, uint group, TimeSpan now)
    {
        Connection = connection;
        Group = group;
        LastSpoke = now;
    }

    public enum View
    {
        Connected,
        Registering,
        Pending,
        Joining,
        Accepted,
    }

    public ConnectionId Connection { get; }

    public uint Group { get; }

    public View State { get; set; } = View.Connected;

    public PeerId Id { get; set; }

    public bool Alive { get; set; } = true;

    /// <summary>Stalled: sends nothing, not even heartbeats.</summary>
    public bool Silent { get; set; }

    public TimeSpan LastSpoke { get; set; }

    public bool Voting { get; set; }

    public bool Querying { get; set; }

    /// <summary>Ops it launched and has no verdict for: tag → (descriptor, seq once commenced, reported).</summary>
    public Dictionary<ulong, LocalOp> Ops { get; } = [];

    public Queue<ServerMessage> Inbox { get; } = new();

    public bool CanAct => Alive && !Silent;

    /// <summary>The shared-state revision it adopted at its last decision (0 before any).</summary>
    public ulong Revision { get; set; }

    /// <summary>Content hashes of <see cref="SharedStateModel.Schema"/>'s entries.</summary>
    public ulong[] Hashes { get; } = new ulong[SharedStateModel.Schema.Length];

    /// <summary>Asked for a sync and has heard neither a decision nor a failure yet.</summary>
    public bool Syncing { get; set; }

    /// <summary>The decision it is acting on until it hears the round's outcome; null otherwise.</summary>
    public SharedStateDecision? Decision { get; set; }

    /// <summary>Sent its transfer-done answer for <see cref="Decision"/>.</summary>
    public bool AnsweredTransfer { get; set; }

    public bool InSync => Syncing || Decision is not null;

    public bool IsFree => State == View.Accepted && !Voting && !Querying && Ops.Count == 0 && !InSync;

    public override string ToString() => $"{Connection}/{(State >= View.Pending ? Id.ToString() : "-")}/g{Group}";

    /// <summary>Reads one message and returns the reply an honest peer sends, if any.</summary>
    public ClientMessage? Process(bool reportNextNeighbourUnreachable)
    {
        ServerMessage message = Inbox.Dequeue();
        switch (message)
        {
            case Registered registered:
                Id = registered.PeerId;
                State = View.Pending;
                return null;
            case EstablishConnections establish:
                if (State == View.Pending)
                {
                    State = View.Joining;
                }

                var ring = establish.Ring.Select(p => p.Id).ToList();
                int index = ring.IndexOf(Id);
                var unreachable = reportNextNeighbourUnreachable && ring.Count > 1
                    ? ImmutableArray.Create(ring[(index + 1) % ring.Count])
                    : [];
                return new ConnectionsEstablished(establish.Epoch, unreachable);
            case TopologyUpdated:
                State = View.Accepted;
                Voting = false;
                return null;
            case TopologyUpdateFailed:
                Voting = false;
                return null;
            case PeersPendingAnswer:
                Querying = false;
                return null;
            case CommenceCollective commence:
                Ops[commence.Tag] = Ops[commence.Tag] with { Seq = commence.Seq };
                return null;
            case CollectiveVerdict verdict:
                Ops.Remove(verdict.Tag);
                return null;
            case SharedStateDecision decision:
                // Adopts the revision at once; the content changes only when the transfers succeed (FinishTransfer).
                Syncing = false;
                Decision = decision;
                AnsweredTransfer = false;
                Revision = decision.Revision;
                return null;
            case SharedStateSyncFailed:
                Syncing = false;
                return null;
            case SharedStateSyncComplete:
                Decision = null;
                return null;
            default:
                return null;
        }
    }
}

internal sealed record LocalOp(CollectiveDescriptor Descriptor, ulong Seq, bool Reported);
