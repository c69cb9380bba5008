using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using Collectives.Topology;

namespace Collectives;

public sealed partial class Communicator
{
    private readonly BandwidthProbeServer _probeServer = new();
    private readonly CancellationTokenSource _probesStopped = new();
    private TopologyOptimizationCall? _optimization;
    private IBandwidthProber? _prober;

    /// <summary>How this peer measures its links: TCP probes unless a test substitutes known rates.</summary>
    internal IBandwidthProber BandwidthProber
    {
        get => LazyInitializer.EnsureInitialized(ref _prober, () => new TcpBandwidthProber(_options.Transport, () => _self.ToGuid()));
        set => Volatile.Write(ref _prober, value);
    }

    /// <summary>
    /// Collective call over the accepted peers of this peer's group, between steps (SPEC §7): the master has the peers
    /// measure the bandwidth of every directed link of the group it does not know yet (a few seconds at most, several
    /// parallel connections per link, no peer probing two links at once), solves for the ring whose slowest link is
    /// fastest (then the largest total), and applies it. The new ring is part of this call's outcome: every member is told
    /// the same ring in the same step, <see cref="Ring"/> shows it when the call returns, and the group's next collective
    /// runs on it. Links measured once are remembered by the master until one of their peers leaves, so later calls only
    /// probe links to newcomers. A probe that fails (a peer dies or stalls) leaves its link unknown and the call completes
    /// with what is known; the current ring is kept unless a strictly better one is found. Blocks until every member
    /// called it and the measurements are done; bounded by the master's probe deadlines and its liveness.
    /// </summary>
    /// <exception cref="CollectivesException">
    /// PendingAsyncOps while all-reduces run; TopologyOptimizationFailed (transient: call again) when another member waits
    /// in a different collective call; InvalidUsage when not accepted or another collective call of this peer is running;
    /// MasterConnectionFailed; Cancelled (the call goes on at the master; the next collective call of this peer is refused
    /// until its answer arrives).
    /// </exception>
    public async Task<TopologyOptimizationInfo> OptimizeTopologyAsync(CancellationToken cancellationToken = default)
    {
        MasterClient master = RequireAccepted();
        var call = new TopologyOptimizationCall();
        PeerId[] before;
        lock (_gate)
        {
            if (_operations.Count > 0)
            {
                throw new CollectivesException(ErrorCode.PendingAsyncOps,
                    $"{_operations.Count} all-reduce(s) still running; await them before optimising the topology");
            }

            // The master removes a peer that asks while it waits in another collective call.
            if (_optimization is not null || _topologyWaiter is { Task.IsCompleted: false } || _sync is not null || _pendingQuery is { Task.IsCompleted: false })
            {
                throw new CollectivesException(ErrorCode.InvalidUsage,
                    "a topology optimisation, topology update, shared-state sync or peers-pending query is still running");
            }

            _optimization = call;
            before = _ring;
        }

        try
        {
            master.Send(new OptimizeTopology());
        }
        catch (CollectivesException)
        {
            EndOptimization(call);
            throw;
        }

        TopologyOptimized result = await AwaitAsync(call.Result, cancellationToken).ConfigureAwait(false);
        PeerId[] ring = result.Ring.AsImmutableArray().ToArray();
        await PrewarmSuccessorAsync(ring).ConfigureAwait(false);
        return new TopologyOptimizationInfo(ring, !IsSameCycle(before, ring), (int)result.MeasuredLinks, result.BottleneckBytesPerSecond);
    }

    private void EndOptimization(TopologyOptimizationCall call)
    {
        lock (_gate)
        {
            if (_optimization == call)
            {
                _optimization = null;
            }
        }
    }

    private void OnMeasureBandwidth(MeasureBandwidth request) => _ = RunProbesAsync(request);

    /// <summary>Probes the assigned links one after another and reports; a failed probe reports NaN, never an error.</summary>
    private async Task RunProbesAsync(MeasureBandwidth request)
    {
        var duration = TimeSpan.FromMilliseconds(request.DurationMilliseconds);
        var samples = new BandwidthSample[request.Targets.Count];
        for (int i = 0; i < samples.Length; i++)
        {
            PeerInfo target = request.Targets[i];
            double rate;
            try
            {
                rate = await BandwidthProber.MeasureAsync(target, request.Connections, duration, _probesStopped.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Whatever went wrong, the link is simply not measured this time; the call itself must go on.
                rate = double.NaN;
            }

            samples[i] = new BandwidthSample(target.Id, double.IsFinite(rate) && rate >= 0 ? rate : double.NaN);
        }

        try
        {
            _master?.Send(new BandwidthMeasured(request.Round, new EquatableArray<BandwidthSample>([.. samples])));
        }
        catch (CollectivesException)
        {
            // The master is gone; FailEverything already ran.
        }
    }

    private void OnTopologyOptimized(TopologyOptimized optimized)
    {
        TopologyOptimizationCall? call;
        lock (_gate)
        {
            _epoch = optimized.Epoch;
            _worldSizes = optimized.WorldSizes;
            _ring = optimized.Ring.AsImmutableArray().ToArray();
            _links.Retain(new HashSet<PeerId>(_ring));
            SignalMembershipLocked();
            call = _optimization;
            _optimization = null;
        }

        call?.Complete(optimized);
    }

    private void OnTopologyOptimizationFailed(TopologyOptimizationFailed failed)
    {
        TopologyOptimizationCall? call;
        lock (_gate)
        {
            call = _optimization;
            _optimization = null;
        }

        call?.Fail(new CollectivesException(failed.ErrorCode, $"optimize topology failed: {failed.Reason}"));
    }

    private void FailOptimization(CollectivesException reason)
    {
        TopologyOptimizationCall? call;
        lock (_gate)
        {
            call = _optimization;
            _optimization = null;
        }

        call?.Fail(reason);
    }

    /// <summary>Stops probes in flight and the probe connections of others (on disposal).</summary>
    private void StopProbes(Exception reason)
    {
        try
        {
            _probesStopped.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already stopped.
        }

        _probeServer.BreakAll(reason);
    }

    /// <summary>
    /// Dials the new successor now, so the first collective on the new ring does not pay for it. Best effort: a failure
    /// here shows again, and is handled, in the next collective.
    /// </summary>
    private async Task PrewarmSuccessorAsync(PeerId[] ring)
    {
        int rank = Array.IndexOf(ring, _self);
        if (rank < 0 || ring.Length < 2)
        {
            return;
        }

        PeerId next = ring[(rank + 1) % ring.Length];
        PeerEndpoint endpoint;
        lock (_gate)
        {
            if (!_endpoints.TryGetValue(next, out endpoint))
            {
                return;
            }
        }

        try
        {
            await _links.GetAsync(next, endpoint).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CollectivesException or OperationCanceledException)
        {
            // Reported by the next collective, which retries on the survivors as usual.
        }
    }

    /// <summary>True when <paramref name="b"/> is a rotation of <paramref name="a"/>: the same ring.</summary>
    private static bool IsSameCycle(PeerId[] a, PeerId[] b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        if (a.Length == 0)
        {
            return true;
        }

        int shift = Array.IndexOf(b, a[0]);
        if (shift < 0)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[(i + shift) % b.Length])
            {
                return false;
            }
        }

        return true;
    }
}
