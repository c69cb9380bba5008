using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using Collectives.Tests.Topology;
using Collectives.Topology;
using NUnit.Framework;
using static Collectives.Tests.Membership.MasterHarness;

namespace Collectives.Tests.Membership;

/// <summary>The master's optimize-topology call: gather, probe the unknown links in rounds, solve, and tell everyone one ring.</summary>
public class MasterStateOptimizationTests
{
    // Ring 0→1→2→3→0 (the join order) has one slow link, 3→0. Among the links of at least 80, peer 0 can only leave
    // by 0→1 and only be entered by 2→0, so 0→1→3→2→0 is the unique ring whose slowest link is 80; every other ring uses
    // a link of 10 or less.
    internal static BandwidthMatrix SlowLinkInJoinOrder()
    {
        var matrix = RingSolverExactTests.Complete(4, 10);
        matrix[0, 1] = 100;
        matrix[1, 2] = 100;
        matrix[2, 3] = 100;
        matrix[3, 0] = 1;
        matrix[1, 3] = 90;
        matrix[3, 2] = 80;
        matrix[2, 0] = 95;
        return matrix;
    }

    [Test]
    public void NothingHappensUntilEveryMemberAsked()
    {
        var (h, peers) = OptimizationDriver.Group(3);
        h.Send(peers[0], new OptimizeTopology());
        h.Send(peers[1], new OptimizeTopology());
        h.AssertNothingFor(peers);
        h.Send(peers[2], new OptimizeTopology());
        Assert.That(peers.Sum(p => h.Take(p).OfType<MeasureBandwidth>().Count()), Is.EqualTo(3), "every peer sends in the first round");
    }

    [Test]
    public void ProbesCoverEveryLinkOnceAndNoPeerSendsOrReceivesTwiceInARound()
    {
        var (h, peers) = OptimizationDriver.Group(5);
        var driver = new OptimizationDriver(h);
        driver.Run(peers, (_, _) => 1e6);

        var ids = peers.Select(p => h.Ids[p]).ToList();
        var all = ids.SelectMany(a => ids.Where(b => b != a).Select(b => (a, b))).ToList();
        Assert.That(driver.AssignedLinks(), Is.EquivalentTo(all));
        Assert.That(driver.Rounds, Has.Count.EqualTo(4), "n − 1 rounds measure a complete group");
        foreach (var round in driver.Rounds)
        {
            Assert.That(round.Values.All(targets => targets.Count == 1), Is.True, "one link per sender and round");
            var receivers = round.Values.SelectMany(t => t).ToList();
            Assert.That(receivers, Is.Unique, "one link per receiver and round");
        }
    }

    [Test]
    public void AdoptsTheBestRingAndTellsEveryoneTheSameRing()
    {
        var (h, peers) = OptimizationDriver.Group(4);
        var ids = peers.Select(p => h.Ids[p]).ToList();
        var matrix = SlowLinkInJoinOrder();
        var driver = new OptimizationDriver(h);
        driver.Run(peers, OptimizationDriver.FromMatrix(matrix, ids));

        var outcomes = peers.Select(p => driver.Outcomes[p]).ToList();
        Assert.That(outcomes.Distinct().Count(), Is.EqualTo(1), "every member is told the same ring");
        var optimized = (TopologyOptimized)outcomes[0];
        var expected = new[] { ids[0], ids[1], ids[3], ids[2] };
        Assert.That(optimized.Ring.ToArray(), Is.EqualTo(expected));
        Assert.That(optimized.MeasuredLinks, Is.EqualTo(12));
        Assert.That(optimized.BottleneckBytesPerSecond, Is.EqualTo(80));
        Assert.That(optimized.WorldSizes, Is.EqualTo(new WorldSizes(4, 4, 1, 4)));
        Assert.That(h.State.GetStatus().Rings[0], Is.EqualTo(expected));

        // The very next collective commences on the new ring.
        foreach (var peer in peers)
        {
            h.Send(peer, new InitiateCollective(7, Floats));
        }

        Assert.That(peers.Select(p => h.TakeSingle<CommenceCollective>(p).Ring.ToArray()), Has.All.EqualTo(expected));
    }

    [Test]
    public void KeepsTheCurrentRingWhenNothingIsBetter()
    {
        var (h, peers) = OptimizationDriver.Group(4);
        var ringBefore = h.State.GetStatus().Rings[0].ToArray();
        var driver = new OptimizationDriver(h);
        driver.Run(peers, (_, _) => 5e8);
        var optimized = (TopologyOptimized)driver.Outcomes[peers[0]];
        Assert.That(optimized.Ring.ToArray(), Is.EqualTo(ringBefore));
    }

    [Test]
    public void KnownLinksAreNotProbedAgainAndDepartedPeersAreForgotten()
    {
        var (h, peers) = OptimizationDriver.Group(3);
        var driver = new OptimizationDriver(h);
        driver.Run(peers, (_, _) => 1e6);
        var leaver = h.Ids[peers[2]];
        Assert.That(h.State.KnownBandwidth(h.Ids[peers[0]], leaver), Is.EqualTo(1e6));

        // A second call needs no probe at all.
        var again = new OptimizationDriver(h);
        again.Run(peers, (_, _) => 2e6);
        Assert.That(again.Rounds, Is.Empty);
        Assert.That(again.Outcomes.Values, Has.All.InstanceOf<TopologyOptimized>());

        h.Send(peers[2], new Leave());
        Assert.That(h.State.KnownBandwidth(h.Ids[peers[0]], leaver), Is.NaN);
        Assert.That(h.State.KnownBandwidth(leaver, h.Ids[peers[1]]), Is.NaN);

        // A newcomer: only its links are probed.
        var stay = peers[..2];
        var joiner = h.Join(stay, 0)[0];
        var group = stay.Append(joiner).ToArray();
        var third = new OptimizationDriver(h);
        third.Run(group, (_, _) => 3e6);
        var newcomer = h.Ids[joiner];
        Assert.That(third.AssignedLinks(), Has.Count.EqualTo(4));
        Assert.That(third.AssignedLinks().All(link => link.From == newcomer || link.To == newcomer), Is.True);
        Assert.That(((TopologyOptimized)third.Outcomes[joiner]).MeasuredLinks, Is.EqualTo(6));
    }

    [Test]
    public void APeerDyingMidMeasurementLeavesTheOthersWithOneRing()
    {
        var (h, peers) = OptimizationDriver.Group(4);
        var driver = new OptimizationDriver(h);
        foreach (var peer in peers)
        {
            h.Send(peer, new OptimizeTopology());
        }

        // Peer 3 never answers its probe and then dies; the others answer every round.
        driver.Pump(peers, (_, _) => 1e6, answers: c => c != peers[3]);
        Assert.That(driver.Outcomes, Is.Empty, "the round waits for peer 3");
        h.Disconnect(peers[3]);
        driver.Pump(peers[..3], (_, _) => 1e6);

        var survivors = peers[..3];
        var outcomes = survivors.Select(p => driver.Outcomes[p]).Distinct().ToList();
        Assert.That(outcomes, Has.Count.EqualTo(1));
        var optimized = (TopologyOptimized)outcomes[0];
        Assert.That(optimized.Ring.ToArray(), Is.EquivalentTo(survivors.Select(p => h.Ids[p])));
        Assert.That(optimized.MeasuredLinks, Is.EqualTo(6), "links among the survivors were all measured");
    }

    [Test]
    public void AStalledSenderIsNotWaitedForPastTheRoundDeadline()
    {
        var (h, peers) = OptimizationDriver.Group(3);
        var driver = new OptimizationDriver(h);
        foreach (var peer in peers)
        {
            h.Send(peer, new OptimizeTopology());
        }

        driver.Pump(peers, (_, _) => 1e6, answers: c => c != peers[1]);
        Assert.That(driver.Outcomes, Is.Empty);
        h.Tick(h.Now + TimeSpan.FromMilliseconds(OptimizationDriver.ProbeMilliseconds) + OptimizationDriver.Grace + TimeSpan.FromMilliseconds(1));
        driver.Pump(peers, (_, _) => 1e6, answers: c => c != peers[1]);
        h.Tick(h.Now + TimeSpan.FromMilliseconds(OptimizationDriver.ProbeMilliseconds) + OptimizationDriver.Grace + TimeSpan.FromMilliseconds(1));
        driver.Pump(peers, (_, _) => 1e6, answers: c => c != peers[1]);

        Assert.That(peers.Select(p => driver.Outcomes[p]).Distinct().Count(), Is.EqualTo(1));
        var optimized = (TopologyOptimized)driver.Outcomes[peers[0]];
        Assert.That(optimized.MeasuredLinks, Is.EqualTo(4), "peer 1's two outgoing links stay unknown");
        Assert.That(h.Closed, Is.Empty, "a slow prober is not punished");

        // Its late answer is ignored.
        var late = driver.Rounds[0][h.Ids[peers[1]]];
        h.Send(peers[1], new BandwidthMeasured(1, new EquatableArray<BandwidthSample>([.. late.Select(t => new BandwidthSample(t, 1))])));
        Assert.That(h.Closed, Is.Empty);
    }

    [Test]
    public void FailedProbesLeaveTheLinkUnknown()
    {
        var (h, peers) = OptimizationDriver.Group(3);
        var driver = new OptimizationDriver(h);
        PeerId broken = h.Ids[peers[0]];
        driver.Run(peers, (from, _) => from == broken ? double.NaN : 1e6);
        Assert.That(((TopologyOptimized)driver.Outcomes[peers[0]]).MeasuredLinks, Is.EqualTo(4));
        Assert.That(((TopologyOptimized)driver.Outcomes[peers[0]]).BottleneckBytesPerSecond, Is.Zero, "every ring uses one of peer 0's unknown links");

        var again = new OptimizationDriver(h);
        again.Run(peers, (_, _) => 1e6);
        Assert.That(again.AssignedLinks(), Has.Count.EqualTo(2), "the failed links are probed again");
        Assert.That(again.AssignedLinks().All(link => link.From == broken), Is.True);
    }

    [Test]
    public void AGroupOfOneIsAnsweredAtOnce()
    {
        var (h, peers) = OptimizationDriver.Group(1);
        h.Send(peers[0], new OptimizeTopology());
        var optimized = h.TakeSingle<TopologyOptimized>(peers[0]);
        Assert.That(optimized.Ring.ToArray(), Is.EqualTo(new[] { h.Ids[peers[0]] }));
        Assert.That(optimized.BottleneckBytesPerSecond, Is.EqualTo(double.PositiveInfinity));
    }

    [Test]
    public void OtherGroupsAreNotAffected()
    {
        var h = new MasterHarness(OptimizationDriver.Options);
        var a = h.First(0);
        var joiners = h.Join([a], 0, 1, 1);
        var group0 = new[] { a, joiners[0] };
        var group1 = joiners[1..];
        var driver = new OptimizationDriver(h);
        driver.Run(group0, (_, _) => 1e6);
        Assert.That(driver.Outcomes.Keys, Is.EquivalentTo(group0));
        h.AssertNothingFor(group1);

        // Group 1 runs a collective meanwhile, unhindered.
        foreach (var peer in group1)
        {
            h.Send(peer, new InitiateCollective(1, Floats));
        }

        Assert.That(group1.Select(p => h.TakeSingle<CommenceCollective>(p)), Has.All.Not.Null);
    }

    [Test]
    public void AskersAreFreedWhenAMemberWaitsInAnotherCollectiveCall()
    {
        var (h, peers) = OptimizationDriver.Group(3);
        h.Send(peers[0], new InitiateCollective(5, Floats));
        h.Send(peers[1], new OptimizeTopology());
        var failed = h.TakeSingle<TopologyOptimizationFailed>(peers[1]);
        Assert.That(failed.ErrorCode, Is.EqualTo(ErrorCode.TopologyOptimizationFailed));
        Assert.That(h.Closed, Is.Empty);
    }

    [Test]
    public void AVoteFreesPeersWaitingToOptimizeSoTheyCanVoteToo()
    {
        var (h, peers) = OptimizationDriver.Group(2);
        var pending = h.Connect();
        h.Register(pending);
        h.Take(pending);
        h.Send(peers[0], new OptimizeTopology());
        h.Send(peers[1], new VoteUpdateTopology());
        Assert.That(h.TakeSingle<TopologyOptimizationFailed>(peers[0]).ErrorCode, Is.EqualTo(ErrorCode.TopologyOptimizationFailed));
        h.AssertNothingFor(peers[1]);

        h.Send(peers[0], new VoteUpdateTopology());
        Assert.That(h.Take(peers[1]).OfType<EstablishConnections>().Count(), Is.EqualTo(1), "the vote goes through once everyone voted");
        Assert.That(h.Closed, Is.Empty);
    }

    [TestCase("unassigned")]
    [TestCase("twice")]
    [TestCase("never issued")]
    public void DishonestReportsAreKicked(string kind)
    {
        var (h, peers) = OptimizationDriver.Group(3);
        foreach (var peer in peers)
        {
            h.Send(peer, new OptimizeTopology());
        }

        var request = h.Take(peers[0]).OfType<MeasureBandwidth>().Single();
        var honest = new BandwidthMeasured(request.Round, new EquatableArray<BandwidthSample>([.. request.Targets.Select(t => new BandwidthSample(t.Id, 1))]));
        switch (kind)
        {
            case "unassigned":
                h.Send(peers[0], new BandwidthMeasured(request.Round, new EquatableArray<BandwidthSample>([new BandwidthSample(h.Ids[peers[0]], 1)])));
                break;
            case "twice":
                h.Send(peers[0], honest);
                h.Send(peers[0], honest);
                break;
            default:
                h.Send(peers[0], honest with { Round = request.Round + 100 });
                break;
        }

        Assert.That(h.Closed.Keys, Is.EqualTo(new[] { peers[0] }));
        Assert.That(h.Closed[peers[0]].ErrorCode, Is.EqualTo(ErrorCode.ProtocolViolation));
    }

    [Test]
    public void CollectiveCallsDuringAnOptimisationAreKicked()
    {
        var (h, peers) = OptimizationDriver.Group(2);
        h.Send(peers[0], new OptimizeTopology());
        h.Send(peers[0], new InitiateCollective(1, Floats));
        Assert.That(h.Closed.Keys, Is.EqualTo(new[] { peers[0] }));
    }
}
