using System.Net;
using System.Runtime.InteropServices;
using Collectives.StressTests.Peer;
using Collectives.StressTests.Shared;

namespace Collectives.StressTests.Orchestration;

/// <summary>
/// Starts a master and peers (this same program), churns them for the run's duration, then lets the survivors run
/// in peace for a quiet tail, tears everything down and judges the run from what the peers reported. Whatever
/// happens (a violation, an exception, Ctrl+C, the global deadline) every child is killed before it returns.
/// </summary>
internal sealed partial class Orchestrator : IDisposable
{
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(10);

    private readonly RunOptions _options;
    private readonly TimeProvider _clock = TimeProvider.System;
    private readonly long _start;
    private readonly EventLog _events;
    private readonly RunBook _book;
    private readonly ChurnPlanner _planner;
    private readonly Random _random;
    private readonly List<PeerView> _peers = [];
    private readonly CancellationTokenSource _interrupted = new();
    private ChildProcess? _master;
    private IPEndPoint? _masterEndPoint;
    private volatile bool _tearingDown;
    private int _nextPeer;
    private TimeSpan _churnStarted;
    private TimeSpan _churnLength;

    private Orchestrator(RunOptions options)
    {
        _options = options;
        _start = _clock.GetTimestamp();
        _events = new EventLog(_clock, _start, options.LogPath);
        _book = new RunBook(options, _events);
        _random = new Random(options.Seed);
        _planner = new ChurnPlanner(new Random(_random.Next()), options.Peers, options.MaxPeers);
    }

    private TimeSpan Now => _clock.GetElapsedTime(_start);

    public static async Task<int> RunAsync(Arguments args)
    {
        using var orchestrator = new Orchestrator(RunOptions.Parse(args));
        return await orchestrator.RunAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        _events.Dispose();
        _interrupted.Dispose();
    }

    private async Task<int> RunAsync()
    {
        Console.WriteLine($"stress: profile {_options.Profile}, seed {_options.Seed}, {_options.Duration.TotalSeconds:F0} s churn, " +
            $"{_options.Peers}..{_options.MaxPeers} peers, size {_options.Size}" + (_options.LogPath is null ? string.Empty : $", log {_options.LogPath}"));
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var deadline = new Timer(_ => OnGlobalDeadline(), null, _options.GlobalDeadline, Timeout.InfiniteTimeSpan);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => ChildProcess.KillAll();
        try
        {
            await StartMasterAsync().ConfigureAwait(false);
            await StartInitialPeersAsync().ConfigureAwait(false);
            _book.StartProgressClock(Now);
            _churnStarted = Now;
            await ChurnAsync(Now + _options.Duration).ConfigureAwait(false);
            _churnLength = Now - _churnStarted;
            await QuietTailAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_interrupted.IsCancellationRequested)
        {
            _churnLength = _churnStarted == TimeSpan.Zero ? TimeSpan.Zero : Now - _churnStarted;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _book.Violation($"the orchestrator failed: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            await TeardownAsync().ConfigureAwait(false);
        }

        if (_interrupted.IsCancellationRequested)
        {
            _book.Violation("interrupted before the end of the run");
        }

        _events.Flush();
        Summary.Print(_options, _book, Now, _churnLength, _events);
        return _book.Violations.Count == 0 ? 0 : 1;
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // tear down in order; the deadline timer still bounds it
        _events.Add($"received {context.Signal}: stopping");
        _interrupted.Cancel();
    }

    private void OnGlobalDeadline()
    {
        // The run itself hangs: kill everything now and say so; nothing below may wait any more.
        ChildProcess.KillAll();
        Console.Error.WriteLine($"stress: global deadline of {_options.GlobalDeadline.TotalSeconds:F0} s passed; killed every child. seed {_options.Seed}");
        foreach (string line in _events.Recent())
        {
            Console.Error.WriteLine("  " + line);
        }

        _events.Flush();
        Environment.Exit(1);
    }

    private async Task StartMasterAsync()
    {
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _master = ChildProcess.Start(["master"], "master");
        _master.BeginReading(
            line =>
            {
                if (ReportLine.TryParse(line, out ReportLine report) && report.Kind == LineKinds.Listening)
                {
                    listening.TrySetResult((int)report.Long("port"));
                }

                _events.Add("master " + line);
            },
            line =>
            {
                if (!_tearingDown)
                {
                    _book.OnMasterStderr(line);
                }
            });
        _ = WatchMasterAsync(_master);
        int port = await listening.Task.WaitAsync(RunOptions.StartupBound, _interrupted.Token).ConfigureAwait(false);
        lock (_book.Gate)
        {
            _book.Counters.Ports.Add(port);
        }

        _masterEndPoint = new IPEndPoint(IPAddress.Loopback, port);
        _events.Add($"master pid {_master.Pid} listening on {_masterEndPoint}");
    }

    private async Task WatchMasterAsync(ChildProcess master)
    {
        await master.Exited.ConfigureAwait(false);
        if (!_tearingDown)
        {
            _book.Violation($"the master exited with code {master.ExitCode} during the run; stderr: {string.Join(" | ", master.RecentStderr().TakeLast(5))}");
        }
    }

    private async Task StartInitialPeersAsync()
    {
        for (int i = 0; i < _options.Peers; i++)
        {
            Spawn(initial: true);
        }

        TimeSpan until = Now + RunOptions.StartupBound;
        while (true)
        {
            lock (_book.Gate)
            {
                if (_book.Counters.Steps > 0 && _book.Counters.Joins >= _options.Peers)
                {
                    break;
                }
            }

            if (Now > until)
            {
                throw new TimeoutException($"the first {_options.Peers} peers did not all join and complete a step within {RunOptions.StartupBound.TotalSeconds:F0} s");
            }

            await Task.Delay(100, _interrupted.Token).ConfigureAwait(false);
        }

        _events.Add($"startup done after {Now.TotalSeconds:F1} s");
    }

    private PeerView Spawn(bool initial)
    {
        int number = ++_nextPeer;
        var settings = new PeerSettings(_masterEndPoint!, _options.Seed, _random.Next(1, int.MaxValue), _options.Size, initial, _options.ComputeMs,
            number == 1 ? _options.InjectDivergenceAt : 0);
        string name = $"p{number}";
        ChildProcess process = ChildProcess.Start(["peer", .. settings.ToArguments()], name);
        var peer = new PeerView(name, process, Now);
        lock (_book.Gate)
        {
            _peers.Add(peer);
            _book.Counters.Spawns++;
        }

        process.BeginReading(
            line =>
            {
                if (!_tearingDown)
                {
                    _book.OnPeerLine(peer, line, Now);
                }
            },
            line =>
            {
                if (!_tearingDown)
                {
                    _book.OnPeerStderr(peer, line);
                }
            });
        _events.Add($"spawned {name} (pid {process.Pid}{(initial ? ", initial" : string.Empty)})");
        _ = WatchPeerAsync(peer);
        return peer;
    }

    private async Task WatchPeerAsync(PeerView peer)
    {
        await peer.Process.WaitForExitAsync(Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        lock (_book.Gate)
        {
            peer.Exited = true;
            peer.Holder = false;
        }

        if (_tearingDown || peer.EndedByUs)
        {
            return;
        }

        int code = peer.Process.ExitCode;
        if (peer.AskedToLeave && code == 0)
        {
            _events.Add($"{peer.Name} left (exit 0)");
            return;
        }

        _book.Violation($"{peer.Name} (pid {peer.Process.Pid}) exited with code {code} without being killed" +
            (code == PeerProgram.Orphaned ? " (it thought the orchestrator was gone)" : string.Empty) +
            $"; stderr: {string.Join(" | ", peer.Process.RecentStderr().TakeLast(8))}");
    }

    private async Task TeardownAsync()
    {
        _tearingDown = true;
        _events.Add("teardown: killing every child");
        List<ChildProcess> children;
        lock (_book.Gate)
        {
            children = [.. _peers.Select(p => p.Process)];
        }

        if (_master is not null)
        {
            children.Add(_master);
        }

        foreach (ChildProcess child in children)
        {
            child.Kill();
        }

        bool[] exited = await Task.WhenAll(children.Select(c => c.WaitForExitAsync(ExitBound))).ConfigureAwait(false);
        for (int i = 0; i < children.Count; i++)
        {
            if (!exited[i])
            {
                _book.Violation($"{children[i].Name} (pid {children[i].Pid}) did not exit within {ExitBound.TotalSeconds:F0} s of SIGKILL");
            }
        }

        List<int> strays = Leftovers.Descendants();
        foreach (int pid in strays)
        {
            PosixSignals.Send(pid, PosixSignals.Continue);
            PosixSignals.Send(pid, PosixSignals.Kill);
        }

        if (strays.Count > 0)
        {
            _book.Violation($"processes left behind: {string.Join(", ", strays)} (killed now)");
        }

        List<(int Port, int Owner)> listening;
        HashSet<int> ours;
        lock (_book.Gate)
        {
            listening = Leftovers.ListeningPorts(_book.Counters.Ports);
            ours = [.. _peers.Select(p => p.Process.Pid), .. _master is null ? [] : new[] { _master.Pid }, .. strays];
        }

        var ports = listening.Where(l => l.Owner == 0 || ours.Contains(l.Owner)).Select(l => l.Port).ToList();
        foreach ((int port, int owner) in listening.Where(l => l.Owner != 0 && !ours.Contains(l.Owner)))
        {
            _events.Add($"port {port}, once a child's, now belongs to unrelated pid {owner} (reused)");
        }

        if (ports.Count > 0)
        {
            _book.Violation($"ports still listening after every child exited: {string.Join(", ", ports)}");
        }

        _events.Add($"teardown done: {strays.Count} stray processes, {ports.Count} listening ports");
    }
}
