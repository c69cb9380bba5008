using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using Collectives.Topology;
using NUnit.Framework;

namespace Collectives.Tests.Membership;

/// <summary>
/// The ring solve of an optimize-topology call run off the master's loop (<see cref="MasterState.SolvesOffLoop"/>): the
/// call waits for the answer while the state keeps serving, a member leaving meanwhile gets the ring solved again for
/// the others, and superseded or failed answers never name a departed peer or hang the call.
/// </summary>
public class MasterStateOffLoopSolveTests
{
    private static (MasterHarness H, ConnectionId[] Peers, List<PeerId> Ids, OptimizationDriver Driver) ProbedGroup(int size)
    {
        var (h, peers) = OptimizationDriver.Group(size);
        h.State.SolvesOffLoop = true;
        var ids = peers.Select(p => h.Ids[p]).ToList();
        var driver = new OptimizationDriver(h);
        driver.Run(peers, OptimizationDriver.FromMatrix(MasterStateOptimizationTests.SlowLinkInJoinOrder(), ids));
        return (h, peers, ids, driver);
    }

    private static RingSolveRequest TakeRequest(MasterHarness h)
    {
        Assert.That(h.State.TryTakeSolveRequest(out var request), Is.True, "a solve was requested");
        Assert.That(h.State.TryTakeSolveRequest(out _), Is.False, "one solve per run");
        return request!;
    }

    /// <summary>Hands the answer back, then lets the harness deliver what the state sent (a tick at the same time drains the outbox).</summary>
    private static void Complete(MasterHarness h, RingSolveRequest request, RingSolution? solution)
    {
        h.State.CompleteSolve(request, solution, h.Now);
        h.Tick(h.Now);
    }

    [Test]
    public void TheCallWaitsForTheSolveAndTheStateKeepsServingMeanwhile()
    {
        var (h, peers, ids, driver) = ProbedGroup(4);
        Assert.That(driver.Outcomes, Is.Empty, "no outcome before the solve is back");
        var request = TakeRequest(h);
        Assert.That(request.Ring, Is.EqualTo(ids.ToArray()));
        Assert.That(request.Matrix[3, 0], Is.EqualTo(1), "the snapshot holds the measured links in ring order");

        // Heartbeats and ticks are handled while the solve runs (here: not at all yet).
        h.Send(peers[1], new PeerHeartbeat());
        h.Tick(h.Now + TimeSpan.FromSeconds(1));
        driver.Pump(peers, (_, _) => double.NaN);
        Assert.That(driver.Outcomes, Is.Empty);

        Complete(h, request, request.Solve(CancellationToken.None));
        driver.Pump(peers, (_, _) => double.NaN);
        var expected = new[] { ids[0], ids[1], ids[3], ids[2] };
        Assert.That(peers.Select(p => ((TopologyOptimized)driver.Outcomes[p]).Ring.ToArray()), Has.All.EqualTo(expected));
        Assert.That(h.State.GetStatus().Rings[0], Is.EqualTo(expected));

        // The answer counts once: repeating it changes nothing.
        Complete(h, request, request.Solve(CancellationToken.None));
        Assert.That(peers.SelectMany(p => h.Take(p)).Where(m => m is not MasterHeartbeat), Is.Empty);
    }

    [Test]
    public void AMemberLeavingDuringTheSolveGetsTheRingSolvedAgainForTheOthers()
    {
        var (h, peers, ids, driver) = ProbedGroup(4);
        var first = TakeRequest(h);
        h.Send(peers[2], new Leave());
        var second = TakeRequest(h);
        Assert.That(second.Ring, Is.EqualTo(new[] { ids[0], ids[1], ids[3] }));
        Assert.That(second.Id, Is.Not.EqualTo(first.Id));

        // The first answer names the departed peer: it is dropped, and only the second one is adopted.
        var survivors = new[] { peers[0], peers[1], peers[3] };
        Complete(h, first, first.Solve(CancellationToken.None));
        driver.Pump(survivors, (_, _) => double.NaN);
        Assert.That(driver.Outcomes, Is.Empty);

        Complete(h, second, second.Solve(CancellationToken.None));
        driver.Pump(survivors, (_, _) => double.NaN);
        var rings = survivors.Select(p => ((TopologyOptimized)driver.Outcomes[p]).Ring.ToArray()).ToList();
        Assert.That(rings, Has.All.EquivalentTo(second.Ring));
        Assert.That(rings.Distinct(new RingComparer()).Count(), Is.EqualTo(1), "every survivor is told the same ring");
    }

    [Test]
    public void AFailedSolveKeepsTheCurrentRingAndEndsTheCall()
    {
        var (h, peers, ids, driver) = ProbedGroup(4);
        var request = TakeRequest(h);
        Complete(h, request, solution: null);
        driver.Pump(peers, (_, _) => double.NaN);
        var outcome = (TopologyOptimized)driver.Outcomes[peers[0]];
        Assert.That(outcome.Ring.ToArray(), Is.EqualTo(ids.ToArray()));
        Assert.That(outcome.BottleneckBytesPerSecond, Is.EqualTo(1), "the join order's slowest link");

        // The group is free again: a second call measures nothing and solves again.
        foreach (var peer in peers)
        {
            h.Send(peer, new OptimizeTopology());
        }

        Assert.That(TakeRequest(h).Ring, Is.EqualTo(ids.ToArray()));
    }

    [Test]
    public void InlineByDefault()
    {
        var (h, peers) = OptimizationDriver.Group(3);
        var driver = new OptimizationDriver(h);
        driver.Run(peers, (_, _) => 1e6);
        Assert.That(h.State.TryTakeSolveRequest(out _), Is.False);
        Assert.That(driver.Outcomes.Values, Has.All.InstanceOf<TopologyOptimized>());
    }

    private sealed class RingComparer : IEqualityComparer<PeerId[]>
    {
        public bool Equals(PeerId[]? x, PeerId[]? y) => x!.SequenceEqual(y!);

        public int GetHashCode(PeerId[] obj) => obj.Length;
    }
}
