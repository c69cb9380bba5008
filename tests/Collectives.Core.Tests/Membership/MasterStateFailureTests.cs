using System.Collections.Immutable;
using Collectives.Membership;
using Collectives.Protocol.Messages;
using NUnit.Framework;
using static Collectives.Tests.Membership.MasterHarness;

namespace Collectives.Tests.Membership;

/// <summary>Kicks for illegal messages, graceful leave, disconnects and heartbeat timeouts.</summary>
public class MasterStateFailureTests
{
    private static IEnumerable<TestCaseData> IllegalMessages()
    {
        TestCaseData Case(string name, Func<MasterHarness, ConnectionId[], ConnectionId> act) =>
            new TestCaseData(act).SetName("Kicks_" + name);

        yield return Case("MessageBeforeRegister", (h, _) =>
        {
            var x = h.Connect();
            h.Send(x, new VoteUpdateTopology());
            return x;
        });
        yield return Case("InitiateBeforeRegister", (h, _) =>
        {
            var x = h.Connect();
            h.Send(x, new InitiateCollective(1, Floats));
            return x;
        });
        yield return Case("DuplicateRegister", (h, p) =>
        {
            h.Send(p[1], new Register(0, 1, null));
            return p[1];
        });
        yield return Case("PendingPeerVotes", (h, _) =>
        {
            var x = h.Connect();
            h.Register(x);
            h.Send(x, new VoteUpdateTopology());
            return x;
        });
        yield return Case("PendingPeerInitiates", (h, _) =>
        {
            var x = h.Connect();
            h.Register(x);
            h.Send(x, new InitiateCollective(1, Floats));
            return x;
        });
        yield return Case("VoteWithCollectiveInFlight", (h, p) =>
        {
            h.Send(p[0], new InitiateCollective(1, Floats));
            h.Send(p[0], new VoteUpdateTopology());
            return p[0];
        });
        yield return Case("InitiateSameTagTwice", (h, p) =>
        {
            h.Send(p[0], new InitiateCollective(1, Floats));
            h.Send(p[0], new InitiateCollective(1, Floats));
            return p[0];
        });
        yield return Case("InitiateWhileVoting", (h, p) =>
        {
            var x = h.Connect();
            h.Register(x);
            h.Send(p[0], new VoteUpdateTopology());
            h.Send(p[0], new InitiateCollective(1, Floats));
            return p[0];
        });
        yield return Case("QueryTwice", (h, p) =>
        {
            h.Send(p[0], new QueryPeersPending());
            h.Send(p[0], new QueryPeersPending());
            return p[0];
        });
        yield return Case("CompleteNeverIssuedSeq", (h, p) =>
        {
            h.Send(p[0], new CollectiveComplete(1, 99, true, ErrorCode.Success, ""));
            return p[0];
        });
        yield return Case("CompleteSeqZero", (h, p) =>
        {
            h.Send(p[0], new CollectiveComplete(1, 0, true, ErrorCode.Success, ""));
            return p[0];
        });
        yield return Case("CompleteWithWrongTag", (h, p) =>
        {
            h.Send(p[0], new InitiateCollective(1, Floats));
            h.Send(p[1], new InitiateCollective(1, Floats));
            h.Send(p[1], new CollectiveComplete(2, 1, true, ErrorCode.Success, ""));
            return p[1];
        });
        yield return Case("CompleteTwice", (h, p) =>
        {
            h.Send(p[0], new InitiateCollective(1, Floats));
            h.Send(p[1], new InitiateCollective(1, Floats));
            h.Send(p[1], new CollectiveComplete(1, 1, true, ErrorCode.Success, ""));
            h.Send(p[1], new CollectiveComplete(1, 1, true, ErrorCode.Success, ""));
            return p[1];
        });
        yield return Case("EstablishedFutureEpoch", (h, p) =>
        {
            h.Send(p[0], new ConnectionsEstablished(1000, []));
            return p[0];
        });
        yield return Case("EstablishedWithoutPhase", (h, p) =>
        {
            h.Send(p[0], new ConnectionsEstablished(h.State.GetStatus().Epoch, []));
            return p[0];
        });
    }

    [TestCaseSource(nameof(IllegalMessages))]
    public void IllegalMessageKicksOnlyItsSender(object scenario)
    {
        var act = (Func<MasterHarness, ConnectionId[], ConnectionId>)scenario;
        var h = new MasterHarness();
        var a = h.First();
        var b = h.Join([a], 0)[0];

        var sender = act(h, [a, b]);

        Assert.That(h.Closed.Keys, Is.EquivalentTo(new[] { sender }));
        Assert.That(h.Log.OfType<SendCommand>().Where(s => s.Message is Kicked).Select(s => s.Connection), Is.EquivalentTo(new[] { sender }));
        var kicked = h.Take(sender).OfType<Kicked>().Single();
        Assert.That(kicked.ErrorCode, Is.EqualTo(ErrorCode.ProtocolViolation));
        Assert.That(h.State.GetStatus().Peers.Select(p => p.Connection), Does.Not.Contain(sender));
    }

    [Test]
    public void MalformedPayloadKicksTheSenderWithTheDecodersReason()
    {
        var h = new MasterHarness();
        var a = h.First();
        var b = h.Join([a], 0)[0];
        h.State.ReceivedMalformed(b, "bad frame", h.Now);
        h.Send(a, new PeerHeartbeat()); // drains
        Assert.That(h.Closed[b].Reason, Is.EqualTo("bad frame"));
        Assert.That(h.Take(a).OfType<MembershipChanged>().Single().Ring.Count, Is.EqualTo(1));
    }

    [Test]
    public void MessagesOnAClosedConnectionAreIgnored()
    {
        var h = new MasterHarness();
        var a = h.First();
        var b = h.Join([a], 0)[0];
        h.Send(b, new Leave());
        h.Take(a);
        h.Send(b, new VoteUpdateTopology());
        h.Disconnect(b);
        h.AssertNothingFor(a);
        Assert.That(h.Closed[b].ErrorCode, Is.EqualTo(ErrorCode.Success));
    }

    [Test]
    public void GracefulLeaveTellsTheOthersTheirNewWorld()
    {
        var h = new MasterHarness();
        var a = h.First();
        var joiners = h.Join([a], 0, 0);
        h.Send(joiners[0], new Leave());

        foreach (var peer in new[] { a, joiners[1] })
        {
            var changed = h.TakeSingle<MembershipChanged>(peer);
            Assert.That(changed.WorldSizes.Global, Is.EqualTo(2));
            Assert.That(changed.Ring.Select(p => p.Id), Is.EqualTo(new[] { h.Ids[a], h.Ids[joiners[1]] }));
        }

        Assert.That(h.Log.OfType<SendCommand>().Any(s => s.Message is Kicked), Is.False, "a leave is not a kick");
    }

    [Test]
    public void HeartbeatTimeoutRemovesASilentPeer()
    {
        var options = MasterStateOptions.Default with { PeerIdSeed = 7u, PeerTimeout = TimeSpan.FromSeconds(10), HeartbeatInterval = TimeSpan.FromSeconds(3) };
        var h = new MasterHarness(options);
        var a = h.First();
        var b = h.Join([a], 0)[0];
        h.Send(a, new InitiateCollective(1, Floats));
        h.Send(b, new InitiateCollective(1, Floats));
        h.Take(a);
        h.Take(b);

        for (int second = 1; second <= 10; second++)
        {
            h.Now = TimeSpan.FromSeconds(second);
            h.Send(a, new PeerHeartbeat());
            h.Tick(h.Now);
        }

        Assert.That(h.Closed, Is.Empty, "10 s of silence is not more than the 10 s timeout");
        h.Take(a);
        Assert.That(h.Take(b).OfType<MasterHeartbeat>().Count(), Is.EqualTo(3), "a quiet connection gets a heartbeat every 3 s");

        h.Now = TimeSpan.FromSeconds(10.5);
        h.Send(a, new PeerHeartbeat());
        h.Tick(h.Now);
        Assert.That(h.Closed[b].ErrorCode, Is.EqualTo(ErrorCode.Timeout));
        Assert.That(h.Take(b).OfType<Kicked>().Single().Reason, Does.Contain("silent"));
        var toA = h.Take(a);
        Assert.That(toA.OfType<CollectiveVerdict>().Single().ErrorCode, Is.EqualTo(ErrorCode.RankConnectionLost));
        Assert.That(toA.OfType<MembershipChanged>().Single().WorldSizes.Global, Is.EqualTo(1));
    }

    [Test]
    public void SilentUnregisteredConnectionsTimeOutToo()
    {
        var h = new MasterHarness(MasterStateOptions.Default with { PeerTimeout = TimeSpan.FromSeconds(1) });
        var x = h.Connect();
        h.Tick(TimeSpan.FromSeconds(2));
        Assert.That(h.Closed.Keys, Is.EquivalentTo(new[] { x }));
    }

    [Test]
    public void UnreachableReportsKickTheUnreachableNotTheReporter()
    {
        var h = new MasterHarness();
        var a = h.First();
        var joiners = h.Join([a], 0, 0);
        var (b, c) = (joiners[0], joiners[1]);
        var d = h.Connect();
        h.Register(d);
        foreach (var member in new[] { a, b, c })
        {
            h.Send(member, new VoteUpdateTopology());
        }

        ulong epoch = h.Take(a).OfType<EstablishConnections>().Single().Epoch;
        h.Send(a, new ConnectionsEstablished(epoch, ImmutableArray.Create(h.Ids[b]))); // both accepted: b goes
        Assert.That(h.Closed.Keys, Is.EquivalentTo(new[] { b }));
        Assert.That(h.Closed[b].ErrorCode, Is.EqualTo(ErrorCode.RankConnectionFailed));
    }
}
