using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using NUnit.Framework;

namespace Collectives.Tests.Membership;

/// <summary>
/// Drives a <see cref="MasterState"/> by hand for example tests: owns the clock and connection numbers, drains the
/// outbox after every event into per-connection inboxes, and offers the common flows (join, vote, establish).
/// </summary>
internal sealed class MasterHarness
{
    public static readonly CollectiveDescriptor Floats = new(CollectiveKind.AllReduce, 1024, DataType.Float32, ReduceOp.Sum, QuantizationAlgorithm.None, DataType.Float32);
    public static readonly CollectiveDescriptor Doubles = Floats with { DataType = DataType.Float64, QuantizedType = DataType.Float64 };

    private readonly Dictionary<ConnectionId, List<ServerMessage>> _inboxes = [];
    private long _nextConnection = 1;

    public MasterHarness(MasterStateOptions? options = null) =>
        State = new MasterState(options ?? MasterStateOptions.Default with { PeerIdSeed = 42u });

    public MasterState State { get; }

    public TimeSpan Now { get; set; }

    public List<MasterCommand> Log { get; } = [];

    public Dictionary<ConnectionId, CloseCommand> Closed { get; } = [];

    public Dictionary<ConnectionId, PeerId> Ids { get; } = [];

    public ConnectionId Connect(string address = "10.0.0.1")
    {
        var connection = new ConnectionId(_nextConnection++);
        _inboxes[connection] = [];
        State.Connected(connection, new PeerEndpoint(PeerAddress.FromIPAddress(System.Net.IPAddress.Parse(address)), 50000), Now);
        Drain();
        return connection;
    }

    public void Send(ConnectionId connection, ClientMessage message)
    {
        State.Received(connection, message, Now);
        Drain();
    }

    public void Disconnect(ConnectionId connection)
    {
        State.Disconnected(connection, "connection reset", Now);
        Drain();
    }

    public void Tick(TimeSpan now)
    {
        Now = now;
        State.Tick(now);
        Drain();
    }

    /// <summary>Messages sent to <paramref name="connection"/> since the last call.</summary>
    public List<ServerMessage> Take(ConnectionId connection)
    {
        var messages = _inboxes[connection].ToList();
        _inboxes[connection].Clear();
        return messages;
    }

    public T TakeSingle<T>(ConnectionId connection)
        where T : ServerMessage
    {
        var messages = Take(connection);
        Assert.That(messages, Has.Count.EqualTo(1), $"{connection} got {string.Join(", ", messages)}");
        Assert.That(messages[0], Is.InstanceOf<T>());
        return (T)messages[0];
    }

    public void AssertNothingFor(params ConnectionId[] connections)
    {
        foreach (var connection in connections)
        {
            Assert.That(_inboxes[connection], Is.Empty, $"{connection} got {string.Join(", ", _inboxes[connection])}");
        }
    }

    public PeerId Register(ConnectionId connection, uint group = 0, ushort port = 48149)
    {
        Send(connection, new Register(group, port, null));
        var registered = (Registered)_inboxes[connection].First(m => m is Registered);
        Ids[connection] = registered.PeerId;
        return registered.PeerId;
    }

    /// <summary>Connects and registers the first peer of a run (accepted at once) and clears its inbox.</summary>
    public ConnectionId First(uint group = 0)
    {
        var connection = Connect();
        Register(connection, group);
        Take(connection);
        return connection;
    }

    /// <summary>Makes every connection that got an EstablishConnections answer it with no unreachable peers.</summary>
    public void AnswerEstablish(params ConnectionId[] connections)
    {
        foreach (var connection in connections)
        {
            var request = _inboxes[connection].OfType<EstablishConnections>().Last();
            Send(connection, new ConnectionsEstablished(request.Epoch, []));
        }
    }

    /// <summary>Registers new peers and runs a full vote by <paramref name="members"/>; returns the joiners' connections.</summary>
    public ConnectionId[] Join(ConnectionId[] members, params uint[] groups)
    {
        var joiners = groups.Select((group, i) =>
        {
            var connection = Connect($"10.0.1.{i + 1}");
            Register(connection, group);
            return connection;
        }).ToArray();
        foreach (var member in members)
        {
            Send(member, new VoteUpdateTopology());
        }

        var everyone = members.Concat(joiners).ToArray();
        AnswerEstablish(everyone);
        foreach (var connection in everyone)
        {
            Assert.That(Take(connection).OfType<TopologyUpdated>().Count(), Is.EqualTo(1), $"{connection} was not told the new topology");
        }

        return joiners;
    }

    public PeerStatus StatusOf(ConnectionId connection) => State.GetStatus().Peers.Single(p => p.Connection == connection);

    private void Drain()
    {
        foreach (var command in State.DrainOutbox())
        {
            Log.Add(command);
            switch (command)
            {
                case SendCommand send:
                    Assert.That(Closed.ContainsKey(send.Connection), Is.False, $"sent {send.Message} on closed {send.Connection}");
                    _inboxes[send.Connection].Add(send.Message);
                    break;
                case CloseCommand close:
                    Closed.Add(close.Connection, close);
                    break;
            }
        }
    }
}
