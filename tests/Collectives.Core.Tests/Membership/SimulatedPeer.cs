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

    public bool IsFree => State == View.Accepted && !Voting && !Querying && Ops.Count == 0;

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
            default:
                return null;
        }
    }
}

internal sealed record LocalOp(CollectiveDescriptor Descriptor, ulong Seq, bool Reported);
