using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using Collectives.Topology;

namespace Collectives.Membership;

/// <summary>
/// Topology optimisation (SPEC §7): a collective call over a group's accepted peers. When all have asked, the master
/// assigns probes for the group's directed links it has no measurement of, in rounds where no peer sends or receives
/// on two links at once (<see cref="ProbeSchedule"/>); senders report, the rates go into <see cref="_bandwidths"/>; then
/// the ring is solved and applied in one step: every member is told the same new ring, and the next collective of the
/// group commences on it. Probe failures and departures never fail the call: the links stay unknown (weight 0 for the
/// solver) and the call completes with what is known. A round whose senders do not answer within the probe duration
/// plus <see cref="TopologyOptimizationOptions.RoundGrace"/> is closed without them.
/// </summary>
internal sealed partial class MasterState
{
    // Measured links between peers that are still registered; a departing peer's links are forgotten.
    private readonly LinkBandwidths _bandwidths = new();

    // Groups where some member asked to optimise and the run has not started yet.
    private readonly HashSet<uint> _optimizeCollecting = [];

    // Runs past their collection, by group.
    private readonly Dictionary<uint, OptimizationRun> _optimizations = [];

    // Solves waiting for the host to run them off its loop (see SolvesOffLoop).
    private readonly Queue<RingSolveRequest> _solveRequests = new();

    private ulong _lastProbeRound;
    private ulong _lastSolveId;

    /// <summary>
    /// When true, the ring of a finished run is not solved on the caller's thread: the run waits while the host takes the
    /// request (<see cref="TryTakeSolveRequest"/>), solves it elsewhere and hands the answer back (<see cref="CompleteSolve"/>).
    /// The solver may use its whole budget (200 ms by default); on the master's single event loop that would hold up every
    /// heartbeat and message of every group for as long. Off by default, so that a caller driving the state by hand gets
    /// the outcome within the same event. Set it before the first optimisation.
    /// </summary>
    public bool SolvesOffLoop { get; set; }

    /// <summary>The bandwidth the master knows from <paramref name="from"/> to <paramref name="to"/> in bytes/s, NaN if unknown (for tests and status).</summary>
    public double KnownBandwidth(PeerId from, PeerId to) => _bandwidths.Get(from, to);

    private void OnOptimizeTopology(PeerRecord peer)
    {
        string? refusal = peer switch
        {
            { State: not PeerLifecycle.Accepted } => "asked to optimise the topology before being accepted",
            { IsOptimizing: true } => "asked to optimise the topology while its previous call is in flight",
            { Voted: true } => "asked to optimise the topology while its topology vote is pending",
            { AskedPeersPending: true } => "asked to optimise the topology while waiting in the peers-pending query",
            { InFlight.Count: > 0 } => "asked to optimise the topology with collectives in flight",
            { IsSyncing: true } => "asked to optimise the topology while waiting in a shared-state sync",
            _ => null,
        };
        if (refusal is not null)
        {
            Kick(peer, ErrorCode.ProtocolViolation, refusal);
            return;
        }

        peer.AskedOptimize = true;
        _optimizeCollecting.Add(peer.Group);
    }

    private void OnBandwidthMeasured(PeerRecord peer, BandwidthMeasured measured)
    {
        if (peer.State != PeerLifecycle.Accepted)
        {
            Kick(peer, ErrorCode.ProtocolViolation, "reported bandwidth before being accepted");
            return;
        }

        if (measured.Round == 0 || measured.Round > _lastProbeRound)
        {
            Kick(peer, ErrorCode.ProtocolViolation, $"reported probe round {measured.Round}, which was never issued");
            return;
        }

        if (peer.Optimization is not { } run || run.Round != measured.Round || !run.Assigned.TryGetValue(peer.Id, out var targets))
        {
            return; // A round closed without this answer (deadline or end of the run): it comes too late to count.
        }

        if (!run.Awaited.Contains(peer.Id))
        {
            Kick(peer, ErrorCode.ProtocolViolation, $"reported probe round {measured.Round} twice");
            return;
        }

        var samples = measured.Samples.AsImmutableArray();
        if (samples.Length != targets.Count || samples.Select(s => s.To).Distinct().Count() != samples.Length || !samples.All(s => targets.Contains(s.To)))
        {
            Kick(peer, ErrorCode.ProtocolViolation, $"reported probe round {measured.Round} for links it was not assigned");
            return;
        }

        run.Awaited.Remove(peer.Id);
        foreach (BandwidthSample sample in samples)
        {
            // A target that left meanwhile has had its links forgotten; a late sample must not bring one back.
            if (_peers.ContainsKey(sample.To))
            {
                _bandwidths.Record(peer.Id, sample.To, sample.BytesPerSecond);
            }
        }
    }

    /// <summary>Starts runs whose group all asked, fails calls that can never gather, and moves runs on (results in, deadline passed, members gone).</summary>
    private void SettleOptimizations()
    {
        if (_optimizeCollecting.Count > 0)
        {
            foreach (uint group in _optimizeCollecting.ToList())
            {
                SettleOptimizeCollection(group);
            }
        }

        if (_optimizations.Count > 0)
        {
            foreach (OptimizationRun run in _optimizations.Values.ToList())
            {
                AdvanceOptimization(run);
            }
        }
    }

    private void SettleOptimizeCollection(uint group)
    {
        if (!_rings.TryGetValue(group, out List<PeerId>? ring) || !ring.Exists(id => _peers[id].AskedOptimize))
        {
            _optimizeCollecting.Remove(group); // everyone who asked has left
            return;
        }

        var members = ring.ConvertAll(id => _peers[id]);
        if (members.TrueForAll(p => p.AskedOptimize))
        {
            _optimizeCollecting.Remove(group);
            StartOptimization(group, members);
            return;
        }

        // A member blocked in another collective call can never ask: nobody could finish. The askers are freed to
        // call what the others wait in; the waiting peers' own call is judged by its own rules.
        if (members.Find(p => !p.AskedOptimize && IsBlockedElsewhere(p)) is { } blocker)
        {
            _optimizeCollecting.Remove(group);
            foreach (PeerRecord asker in members.Where(p => p.AskedOptimize))
            {
                asker.AskedOptimize = false;
                Send(asker, new TopologyOptimizationFailed(ErrorCode.TopologyOptimizationFailed,
                    $"peer {blocker.Id} waits in another collective call, which needs the peers optimising the topology"));
            }
        }
    }

    private static bool IsBlockedElsewhere(PeerRecord peer) =>
        peer.Voted || peer.AskedPeersPending || peer.PendingSync is not null || peer.InFlight.Values.Any(op => !op.IsCommenced);

    private void StartOptimization(uint group, List<PeerRecord> members)
    {
        List<PeerId> participants = members.ConvertAll(p => p.Id);
        var rounds = ProbeSchedule.Plan(participants.Count, _bandwidths.UnknownAmong(participants));
        var queue = new Queue<List<(PeerId From, PeerId To)>>(
            rounds.Select(round => round.ConvertAll(link => (participants[link.From], participants[link.To]))));
        var run = new OptimizationRun(group, participants, queue, _options.Topology.ProbeDurationFor(rounds.Count));
        _optimizations.Add(group, run);
        foreach (PeerRecord member in members)
        {
            member.AskedOptimize = false;
            member.Optimization = run;
        }

        StartProbeRound(run);
    }

    /// <summary>Starts the next round that still has a link between present peers; false when none is left.</summary>
    private bool StartProbeRound(OptimizationRun run)
    {
        run.Assigned.Clear();
        run.Awaited.Clear();
        while (run.Rounds.TryDequeue(out var links))
        {
            foreach (var (from, to) in links.Where(link => _peers.ContainsKey(link.From) && _peers.ContainsKey(link.To)))
            {
                if (!run.Assigned.TryGetValue(from, out var targets))
                {
                    run.Assigned.Add(from, targets = []);
                }

                targets.Add(to);
            }

            if (run.Assigned.Count == 0)
            {
                continue;
            }

            run.Round = ++_lastProbeRound;
            run.RoundStarted = _now;
            uint milliseconds = (uint)Math.Clamp(run.ProbeDuration.TotalMilliseconds, 1, MeasureBandwidth.MaxDurationMilliseconds);
            var connections = (ushort)_options.Topology.ProbeConnections;
            foreach (var (sender, targets) in run.Assigned)
            {
                run.Awaited.Add(sender);
                var infos = targets.Select(id => _peers[id].Info).ToImmutableArray();
                Send(_peers[sender], new MeasureBandwidth(run.Round, milliseconds, connections, infos));
            }

            return true;
        }

        return false;
    }

    private void AdvanceOptimization(OptimizationRun run)
    {
        run.Participants.RemoveAll(id => !_peers.ContainsKey(id));
        run.Awaited.RemoveWhere(id => !_peers.ContainsKey(id));
        if (run.Participants.Count == 0)
        {
            _optimizations.Remove(run.Group);
            return;
        }

        if (run.Solve is { } pending)
        {
            // A member left while the ring was being solved: that answer would name a departed peer. Solve again for
            // the members left; the superseded answer is dropped when it arrives.
            if (!_rings.TryGetValue(run.Group, out List<PeerId>? ring))
            {
                _optimizations.Remove(run.Group);
            }
            else if (!ring.SequenceEqual(pending.Ring))
            {
                FinishOptimization(run);
            }

            return;
        }

        bool overdue = _now - run.RoundStarted > run.ProbeDuration + _options.Topology.RoundGrace;
        if (run.Awaited.Count > 0 && !overdue)
        {
            return;
        }

        if (!StartProbeRound(run))
        {
            FinishOptimization(run);
        }
    }

    /// <summary>Solves the group's ring from what is known (now, or off the loop), adopts it, and tells every member the same ring.</summary>
    private void FinishOptimization(OptimizationRun run)
    {
        List<PeerId> ring = _rings[run.Group];
        var request = new RingSolveRequest(++_lastSolveId, run.Group, [.. ring], _bandwidths.ToMatrix(ring), _options.Topology.SolveBudget, Seed: (int)_epoch);
        if (!SolvesOffLoop)
        {
            Adopt(run, request, request.Solve(CancellationToken.None));
            return;
        }

        run.Solve = request;
        _solveRequests.Enqueue(request);
    }

    /// <summary>Takes the next ring solve the host must run off its loop (only when <see cref="SolvesOffLoop"/>).</summary>
    public bool TryTakeSolveRequest([NotNullWhen(true)] out RingSolveRequest? request) => _solveRequests.TryDequeue(out request);

    /// <summary>
    /// The answer to a request from <see cref="TryTakeSolveRequest"/>; null when the solver failed, which keeps the
    /// current ring. An answer to a request that was superseded (a member left meanwhile) or whose run ended is ignored.
    /// </summary>
    public void CompleteSolve(RingSolveRequest request, RingSolution? solution, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(request);
        Advance(now);
        if (!_optimizations.TryGetValue(request.Group, out OptimizationRun? run) || run.Solve?.Id != request.Id)
        {
            return;
        }

        run.Solve = null;
        if (_rings.TryGetValue(run.Group, out List<PeerId>? ring) && ring.SequenceEqual(request.Ring))
        {
            Adopt(run, request, solution ?? request.KeepCurrent());
        }
        else
        {
            FinishOptimization(run);
        }

        Settle();
    }

    /// <summary>Adopts <paramref name="solution"/> (solved from <paramref name="request"/>, whose members are the group's) and tells every member.</summary>
    private void Adopt(OptimizationRun run, RingSolveRequest request, RingSolution solution)
    {
        _optimizations.Remove(run.Group);
        List<PeerId> ring = _rings[run.Group];
        var ordered = solution.Order.Select(i => request.Ring[i]).ToList();
        if (!ordered.SequenceEqual(ring))
        {
            ring.Clear();
            ring.AddRange(ordered);
        }

        _epoch++;
        BandwidthMatrix matrix = request.Matrix;
        uint measured = (uint)(matrix.Count * (matrix.Count - 1) - matrix.UnknownLinkCount);
        var message = new TopologyOptimized(_epoch, WorldSizesOf(run.Group), ring.ToImmutableArray(), measured, solution.Bottleneck);
        foreach (PeerId id in ring)
        {
            PeerRecord member = _peers[id];
            member.Optimization = null;
            Send(member, message);
        }
    }

    /// <summary>A departing peer stops being waited for (re-evaluated in <see cref="Settle"/>) and its measurements are forgotten.</summary>
    private void ReleaseOptimization(PeerRecord peer)
    {
        peer.AskedOptimize = false;
        peer.Optimization = null;
        _bandwidths.Forget(peer.Id);
    }
}
