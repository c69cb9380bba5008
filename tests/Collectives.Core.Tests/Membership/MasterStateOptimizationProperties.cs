using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using Collectives.Tests.Topology;
using Collectives.Topology;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Membership;

/// <summary>
/// The optimize-topology call as a state machine under random rates, failed probes and a death at a random round:
/// probes cover exactly the unknown links, never twice per round for a peer; a departed peer's links are forgotten;
/// every survivor is told the same ring, and that ring is optimal for what the master measured.
/// </summary>
public class MasterStateOptimizationProperties
{
    /// <summary>A scenario: group size, first-call rates (NaN: the probe fails), second-call rates, and who dies when.</summary>
    internal sealed record Scenario(int Count, double[] First, double[] Second, int Victim, int DeathRound)
    {
        public override string ToString() =>
            $"n={Count} victim={Victim} deathRound={DeathRound} first=[{string.Join(", ", First)}] second=[{string.Join(", ", Second)}]";
    }

    private static readonly Gen<Scenario> Scenarios =
        from n in Gen.Choose(2, 7)
        from first in TopologyGen.Cell.ArrayOf(n * n)
        from second in Gen.Choose(0, 6).Select(x => (double)x).ArrayOf(n * n)
        from victim in Gen.Choose(0, n - 1)
        from deathRound in Gen.Choose(0, n + 1) // n − 1 or later: nobody dies
        select new Scenario(n, first, second, victim, deathRound);

    [Test]
    public void ProbesCoverExactlyTheUnknownLinksAndTheAdoptedRingIsOptimal() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(60), Prop.ForAll(Scenarios.ToArbitrary(), scenario =>
        {
            int n = scenario.Count;
            var (h, peers) = OptimizationDriver.Group(n);
            var ids = peers.Select(p => h.Ids[p]).ToList();
            double First(PeerId from, PeerId to) => scenario.First[(ids.IndexOf(from) * n) + ids.IndexOf(to)];
            double Second(PeerId from, PeerId to) => scenario.Second[(ids.IndexOf(from) * n) + ids.IndexOf(to)];

            // First call: failed probes leave their links unknown.
            var driver = new OptimizationDriver(h);
            driver.Run(peers, First);
            var unknown = ids.SelectMany(a => ids.Where(b => b != a && double.IsNaN(First(a, b))).Select(b => (a, b))).ToHashSet();
            Assert.That(driver.Outcomes.Values.Distinct().Count(), Is.EqualTo(1));

            // Second call: only the unknown links are probed; one peer may die before answering some round.
            foreach (var peer in peers)
            {
                h.Send(peer, new OptimizeTopology());
            }

            var live = peers.ToList();
            var assigned = new List<(PeerId From, PeerId To)>();
            var outcomes = new Dictionary<ConnectionId, ServerMessage>();
            PeerId? dead = null;
            for (int round = 0; ; round++)
            {
                var requests = new List<(ConnectionId Peer, MeasureBandwidth Request)>();
                foreach (var peer in live)
                {
                    foreach (var message in h.Take(peer))
                    {
                        if (message is MeasureBandwidth measure)
                        {
                            requests.Add((peer, measure));
                        }
                        else if (message is TopologyOptimized or TopologyOptimizationFailed)
                        {
                            outcomes.Add(peer, message);
                        }
                    }
                }

                if (requests.Count == 0)
                {
                    break;
                }

                var links = requests.SelectMany(r => r.Request.Targets.Select(t => (From: h.Ids[r.Peer], To: t.Id))).ToList();
                Assert.That(links.Select(l => l.From), Is.Unique, "a peer sends on one link per round");
                Assert.That(links.Select(l => l.To), Is.Unique, "a peer receives on one link per round");
                Assert.That(links.All(l => l.From != dead && l.To != dead), Is.True, "no probe involves a departed peer");
                assigned.AddRange(links);

                if (round == scenario.DeathRound)
                {
                    ConnectionId victim = peers[scenario.Victim];
                    dead = h.Ids[victim];
                    h.Disconnect(victim);
                    live.Remove(victim);
                }

                foreach (var (peer, request) in requests.Where(r => live.Contains(r.Peer)))
                {
                    var samples = request.Targets.Select(t => new BandwidthSample(t.Id, Second(h.Ids[peer], t.Id)));
                    h.Send(peer, new BandwidthMeasured(request.Round, new EquatableArray<BandwidthSample>([.. samples])));
                }
            }

            Assert.That(assigned, Is.Unique, "no link is probed twice in a call");
            var expectedProbes = unknown.Where(l => dead is null || (l.a != dead && l.b != dead) || assigned.Contains((l.a, l.b)));
            Assert.That(assigned, Is.EquivalentTo(expectedProbes.Select(l => (l.a, l.b))), "exactly the unknown links are probed");

            // Every survivor is told the same ring: a permutation of the survivors, optimal for what was measured.
            Assert.That(outcomes.Keys, Is.EquivalentTo(live));
            Assert.That(outcomes.Values.Distinct().Count(), Is.EqualTo(1));
            var optimized = (TopologyOptimized)outcomes.Values.First();
            var survivors = live.Select(p => h.Ids[p]).ToList();
            Assert.That(optimized.Ring.ToArray(), Is.EquivalentTo(survivors));
            Assert.That(h.State.GetStatus().Rings[0], Is.EqualTo(optimized.Ring.ToArray()));

            var known = new BandwidthMatrix(survivors.Count);
            for (int i = 0; i < survivors.Count; i++)
            {
                for (int j = 0; j < survivors.Count; j++)
                {
                    if (i != j)
                    {
                        double rate = unknown.Contains((survivors[i], survivors[j])) ? Second(survivors[i], survivors[j]) : First(survivors[i], survivors[j]);
                        known[i, j] = rate;
                        Assert.That(h.State.KnownBandwidth(survivors[i], survivors[j]), Is.EqualTo(rate));
                    }
                }
            }

            var adopted = optimized.Ring.Select(id => survivors.IndexOf(id)).ToList();
            Assert.That(RingReference.Score(known, adopted), Is.EqualTo(RingReference.BruteForce(known)));
            if (dead is { } gone)
            {
                Assert.That(ids.Where(id => id != gone).All(id => double.IsNaN(h.State.KnownBandwidth(gone, id)) && double.IsNaN(h.State.KnownBandwidth(id, gone))), Is.True,
                    "a departed peer's links are forgotten");
            }
        }));
}
