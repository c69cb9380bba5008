using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using Collectives.Topology;
using NUnit.Framework;

namespace Collectives.Tests.Membership;

/// <summary>
/// Plays the peers of one group through an optimize-topology call against a <see cref="MasterHarness"/>: honest peers
/// answer each probe assignment with the rate a matrix gives, and every assignment is recorded for the checks.
/// </summary>
internal sealed class OptimizationDriver
{
    public const int ProbeMilliseconds = 100;

    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    public static MasterStateOptions Options { get; } = MasterStateOptions.Default with
    {
        PeerIdSeed = 42u,
        PeerTimeout = TimeSpan.FromHours(1),
        Topology = TopologyOptimizationOptions.Default with
        {
            ProbeDuration = TimeSpan.FromMilliseconds(ProbeMilliseconds),
            MinProbeDuration = TimeSpan.FromMilliseconds(10),
            MeasurementBudget = TimeSpan.FromSeconds(60),
            RoundGrace = Grace,
            ProbeConnections = 3,
        },
    };

    private readonly MasterHarness _h;

    public OptimizationDriver(MasterHarness h) => _h = h;

    /// <summary>Every probe round seen: sender → targets, in order.</summary>
    public List<Dictionary<PeerId, List<PeerId>>> Rounds { get; } = [];

    /// <summary>The outcome each connection was told, once told.</summary>
    public Dictionary<ConnectionId, ServerMessage> Outcomes { get; } = [];

    /// <summary>A group of <paramref name="size"/> accepted peers, the first one accepted at once and the rest in one vote.</summary>
    public static (MasterHarness H, ConnectionId[] Peers) Group(int size)
    {
        var h = new MasterHarness(Options);
        var first = h.First();
        var peers = size == 1 ? [first] : new[] { first }.Concat(h.Join([first], new uint[size - 1])).ToArray();
        return (h, peers);
    }

    /// <summary>
    /// Collects what <paramref name="peers"/> were sent: probe assignments are recorded and, for peers
    /// <paramref name="answers"/> accepts, answered with <paramref name="rate"/>; outcomes are recorded. Repeats until
    /// nothing new arrives; any other message fails the test.
    /// </summary>
    public void Pump(IReadOnlyList<ConnectionId> peers, Func<PeerId, PeerId, double> rate, Func<ConnectionId, bool>? answers = null)
    {
        bool progress = true;
        while (progress)
        {
            progress = false;
            var assignments = new Dictionary<PeerId, List<PeerId>>();
            var senders = new List<(ConnectionId Connection, MeasureBandwidth Request)>();
            foreach (var connection in peers.Where(c => !_h.Closed.ContainsKey(c)))
            {
                foreach (var message in _h.Take(connection))
                {
                    switch (message)
                    {
                        case MeasureBandwidth measure:
                            Assert.That(measure.DurationMilliseconds, Is.EqualTo(ProbeMilliseconds));
                            Assert.That(measure.Connections, Is.EqualTo(3));
                            assignments.Add(_h.Ids[connection], measure.Targets.Select(t => t.Id).ToList());
                            senders.Add((connection, measure));
                            break;
                        case TopologyOptimized or TopologyOptimizationFailed:
                            Assert.That(Outcomes.ContainsKey(connection), Is.False, $"{connection} was told the outcome twice");
                            Outcomes[connection] = message;
                            break;
                        case MembershipChanged or MasterHeartbeat:
                            break;
                        default:
                            Assert.Fail($"{connection} got unexpected {message}");
                            break;
                    }
                }
            }

            if (assignments.Count > 0)
            {
                Rounds.Add(assignments);
            }

            foreach (var (connection, request) in senders.Where(s => answers?.Invoke(s.Connection) ?? true))
            {
                PeerId self = _h.Ids[connection];
                var samples = request.Targets.Select(t => new BandwidthSample(t.Id, rate(self, t.Id))).ToArray();
                _h.Send(connection, new BandwidthMeasured(request.Round, new EquatableArray<BandwidthSample>([.. samples])));
                progress = true;
            }
        }
    }

    /// <summary>Every peer asks, then honest peers answer with <paramref name="rate"/> until all are told an outcome.</summary>
    public void Run(ConnectionId[] peers, Func<PeerId, PeerId, double> rate)
    {
        foreach (var peer in peers)
        {
            _h.Send(peer, new OptimizeTopology());
        }

        Pump(peers, rate);
    }

    /// <summary>The links assigned over all rounds seen so far.</summary>
    public List<(PeerId From, PeerId To)> AssignedLinks() =>
        Rounds.SelectMany(round => round.SelectMany(entry => entry.Value.Select(to => (entry.Key, to)))).ToList();

    /// <summary>A rate function reading <paramref name="matrix"/> by the peers' positions in <paramref name="order"/>.</summary>
    public static Func<PeerId, PeerId, double> FromMatrix(BandwidthMatrix matrix, IReadOnlyList<PeerId> order) =>
        (from, to) => matrix[IndexOf(order, from), IndexOf(order, to)];

    private static int IndexOf(IReadOnlyList<PeerId> order, PeerId id)
    {
        for (int i = 0; i < order.Count; i++)
        {
            if (order[i] == id)
            {
                return i;
            }
        }

        throw new ArgumentException($"{id} is not in the order");
    }
}
