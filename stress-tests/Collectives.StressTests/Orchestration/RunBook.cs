using System.Text.RegularExpressions;
using Collectives.StressTests.Shared;

namespace Collectives.StressTests.Orchestration;

/// <summary>
/// Everything the orchestrator learns during a run: counters for the summary and the violations that fail it.
/// Fed from the children's output threads and the churn loop; every member takes the one lock.
/// </summary>
internal sealed class RunBook(RunOptions options, EventLog events)
{
    /// <summary>A removal within this long after a disruption of the same peer is its consequence.</summary>
    private static readonly TimeSpan Aftermath = TimeSpan.FromSeconds(20);

    /// <summary>Gaps in progress longer than this are logged when they end, to explain the longest stall.</summary>
    private static readonly TimeSpan NotableGap = TimeSpan.FromSeconds(5);

    /// <summary>Memory is compared between this age of a peer and the end of the run.</summary>
    public static readonly TimeSpan RssWarmup = TimeSpan.FromSeconds(60);

    private readonly Lock _gate = new();
    private readonly ParityBook _parity = new();
    private readonly List<string> _violations = [];
    private readonly Dictionary<string, int> _losses = [];
    private readonly Dictionary<string, int> _unobserved = [];

    public Lock Gate => _gate;

    public RunCounters Counters { get; } = new();

    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_gate)
            {
                return [.. _violations];
            }
        }
    }

    public IReadOnlyDictionary<string, int> Losses
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, int>(_losses);
            }
        }
    }

    /// <summary>When the last step of any peer completed (progress), and the longest gap so far.</summary>
    public TimeSpan LastProgress { get; private set; }

    public TimeSpan LongestStall { get; private set; }

    private bool _stallReported;
    private bool _clockStarted;

    public void Violation(string text)
    {
        lock (_gate)
        {
            _violations.Add(text);
            events.Add("VIOLATION " + text);
        }
    }

    public void StartProgressClock(TimeSpan now)
    {
        lock (_gate)
        {
            LastProgress = now;
            _clockStarted = true;
        }
    }

    /// <summary>Called periodically: fails the run once per stall longer than the bound.</summary>
    public void CheckProgress(TimeSpan now)
    {
        lock (_gate)
        {
            TimeSpan gap = now - LastProgress;
            LongestStall = gap > LongestStall ? gap : LongestStall;
            if (gap > options.StallBound && !_stallReported)
            {
                _stallReported = true;
                Violation($"no peer completed a step for {gap.TotalSeconds:F1} s (bound {options.StallBound.TotalSeconds:F0} s)");
            }
        }
    }

    public void OnPeerLine(PeerView peer, string text, TimeSpan now)
    {
        if (!ReportLine.TryParse(text, out ReportLine line))
        {
            events.Add($"{peer.Name} stdout: {text}");
            return;
        }

        lock (_gate)
        {
            switch (line.Kind)
            {
                case LineKinds.Step:
                    OnStep(peer, line, now);
                    break;
                case LineKinds.Sync:
                    OnSync(peer, line, now);
                    break;
                case LineKinds.Port:
                    Counters.Ports.Add((int)line.Long("port"));
                    events.Add($"{peer.Name} {text}", keep: false);
                    break;
                case LineKinds.Accepted:
                    Counters.Joins++;
                    events.Add($"{peer.Name} {text}");
                    break;
                case LineKinds.Retry:
                    Counters.PhaseRetries++;
                    events.Add($"{peer.Name} {text}");
                    break;
                case LineKinds.Lost:
                    OnLost(peer, line, text, now);
                    break;
                case LineKinds.Reset:
                    Counters.Resets++;
                    Violation($"{peer.Name} found no peer holding the shared state and started a new lineage: the run lost its state");
                    break;
                case LineKinds.Unobserved:
                    OnUnobserved(peer, line);
                    break;
                case LineKinds.Unexpected:
                    peer.Holder = false;
                    Violation($"{peer.Name} hit an error a correct loop never sees: {text}");
                    break;
                default:
                    events.Add($"{peer.Name} {text}");
                    break;
            }
        }
    }

    private void OnStep(PeerView peer, ReportLine line, TimeSpan now)
    {
        Counters.Steps++;
        Counters.Operations += line.Long("ops");
        Counters.OperationRetries += line.Long("retries");
        Counters.MaxRevision = Math.Max(Counters.MaxRevision, line.Long("rev"));
        // Before the clock starts (startup: processes launching, the first peers joining) gaps are not stalls.
        TimeSpan gap = _clockStarted ? now - LastProgress : TimeSpan.Zero;
        LongestStall = gap > LongestStall ? gap : LongestStall;
        if (gap > NotableGap)
        {
            events.Add($"{peer.Name} completed a step (rev {line.Long("rev")}) after {gap.TotalSeconds:F1} s without progress");
        }

        LastProgress = now;
        peer.LastStepAt = now;
        _stallReported = false;
        CheckParity(peer, line);
        long rss = line.Long("rss");
        peer.LastRss = rss;
        if (peer.EarlyRss == 0 && now - peer.BornAt >= RssWarmup)
        {
            peer.EarlyRss = rss;
        }

        if (rss > Counters.MaxPeerRss)
        {
            Counters.MaxPeerRss = rss;
            if (rss > options.MaxRssBytes)
            {
                Violation($"{peer.Name} uses {rss >> 20} MiB resident (bound {options.MaxRssBytes >> 20} MiB)");
            }
        }
    }

    private void OnSync(PeerView peer, ReportLine line, TimeSpan now)
    {
        Counters.Syncs++;
        long rx = line.Long("rx");
        if (rx > 0)
        {
            Counters.SyncsWithTransfers++;
            Counters.SyncBytes += rx;
            events.Add($"{peer.Name} {ReportLine.Format(line.Kind, [("lin", line.Text("lin")), ("rev", line.Text("rev")), ("rx", rx), ("first", line.Text("first"))])}");
            if (line.Long("first") == 0)
            {
                Violation($"{peer.Name} had to fetch {rx} bytes in a sync after it had synced and stepped with the others: divergence");
            }
        }

        CheckParity(peer, line);
        if (peer.Disrupted && now >= peer.DisruptedUntil)
        {
            peer.Disrupted = false; // the fault did not cost it its place after all
        }

        if (!peer.Stopped && !peer.Disrupted)
        {
            peer.Holder = true;
        }
    }

    private void CheckParity(PeerView peer, ReportLine line)
    {
        Counters.ParityChecks++;
        if (_parity.Record((long)line.Hex("lin"), (ulong)line.Long("rev"), line.Hex("hash"), $"{peer.Name}/{line.Kind}") is { } mismatch)
        {
            Counters.ParityViolations++;
            Violation("parity: " + mismatch);
        }
    }

    private void OnLost(PeerView peer, ReportLine line, string text, TimeSpan now)
    {
        peer.Holder = false;
        bool aftermath = peer.Disrupted || peer.Stopped || now < peer.DisruptedUntil + Aftermath;
        peer.Disrupted = false;
        string message = line.Text("msg");
        string code = line.Text("code");
        string kickReason = message.Contains("(ProtocolViolation)", StringComparison.Ordinal) ? "ProtocolViolation" : code;
        string key = $"{kickReason}{(aftermath ? string.Empty : " (collateral)")}";
        _losses[key] = _losses.GetValueOrDefault(key) + 1;
        events.Add($"{peer.Name} {text}");
        if (!aftermath)
        {
            Counters.CollateralRemovals++;
        }

        if (kickReason == "ProtocolViolation")
        {
            Violation($"{peer.Name} was kicked for a protocol violation although it runs a correct loop: {message}");
        }
    }

    private void OnUnobserved(PeerView peer, ReportLine line)
    {
        Counters.UnobservedExceptions++;
        string message = line.Text("msg");
        events.Add($"{peer.Name} unobserved task exception: {message}", keep: false);
        // The first line (type and message) and the first frame of the library identify the source.
        string[] parts = message.Split(" | ");
        string where = parts.Select(p => p.Trim()).FirstOrDefault(p => p.StartsWith("at Collectives.", StringComparison.Ordinal)
            && !p.StartsWith("at Collectives.StressTests.", StringComparison.Ordinal)) ?? "no library frame";
        string what = Regex.Replace(Regex.Replace(parts[0], "\\b[0-9a-f]{8,}\\b", "<id>"), "[0-9]+", "#");
        string key = $"{(what.Length > 140 ? what[..140] : what)} ({where})";
        _unobserved[key] = _unobserved.GetValueOrDefault(key) + 1;
        if (options.StrictUnobserved)
        {
            Violation($"{peer.Name}: unobserved task exception: {message}");
        }
    }

    public IReadOnlyDictionary<string, int> UnobservedSources
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, int>(_unobserved);
            }
        }
    }

    public void OnPeerStderr(PeerView peer, string text)
    {
        events.Add($"{peer.Name} stderr: {text}", keep: !text.StartsWith("log ", StringComparison.Ordinal));
        if (text.Contains("Unhandled exception", StringComparison.Ordinal))
        {
            Violation($"{peer.Name} crashed: {text}");
        }
    }

    public void OnMasterStderr(string text)
    {
        events.Add($"master stderr: {text}");
        if (text.StartsWith(StderrLoggerFactory.ErrorPrefix, StringComparison.Ordinal) || text.Contains("Unhandled exception", StringComparison.Ordinal))
        {
            Violation($"the master logged an error: {text}");
        }
    }
}
