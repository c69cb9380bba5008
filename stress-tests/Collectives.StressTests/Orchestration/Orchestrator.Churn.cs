namespace Collectives.StressTests.Orchestration;

internal sealed partial class Orchestrator
{
    /// <summary>A peer asked to leave must be gone within this (graceful leave plus settling its operations).</summary>
    private static readonly TimeSpan LeaveBound = TimeSpan.FromSeconds(30);

    /// <summary>Peers alive at least this long must not have grown much since their warm-up.</summary>
    private static readonly TimeSpan LongLived = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan StatusInterval = TimeSpan.FromMinutes(1);

    private TimeSpan _lastStatus;

    /// <summary>Peers and master must stay under the RSS bound; checked every tick from /proc.</summary>
    private void SampleMasterMemory()
    {
        long rss = _master is null ? 0 : Leftovers.ResidentBytes(_master.Pid);
        lock (_book.Gate)
        {
            if (rss > _book.Counters.MaxMasterRss)
            {
                _book.Counters.MaxMasterRss = rss;
                if (rss > _options.MaxRssBytes)
                {
                    _book.Violation($"the master uses {rss >> 20} MiB resident (bound {_options.MaxRssBytes >> 20} MiB)");
                }
            }
        }
    }

    private async Task ChurnAsync(TimeSpan end)
    {
        TimeSpan nextAction = Now + _planner.NextPause(_options.ChurnMin, _options.ChurnMax);
        while (Now < end)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), _interrupted.Token).ConfigureAwait(false);
            Housekeeping();
            if (Now < nextAction)
            {
                continue;
            }

            nextAction = Now + _planner.NextPause(_options.ChurnMin, _options.ChurnMax);
            ChurnAction action;
            lock (_book.Gate)
            {
                action = _planner.Next(_peers, Now);
            }

            Apply(action);
        }
    }

    /// <summary>No faults any more: stopped peers are resumed (or killed as planned) and every survivor must step again.</summary>
    private async Task QuietTailAsync()
    {
        List<PeerView> stopped;
        lock (_book.Gate)
        {
            stopped = _peers.Where(p => p.Alive && p.Stopped).ToList();
        }

        foreach (PeerView peer in stopped)
        {
            Resume(peer);
        }

        TimeSpan tailStart = Now;
        _events.Add("quiet tail: no more faults");
        while (Now - tailStart < _options.QuietTail)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), _interrupted.Token).ConfigureAwait(false);
            Housekeeping();
        }

        lock (_book.Gate)
        {
            foreach (PeerView peer in _peers.Where(p => p.Alive && !p.AskedToLeave && p.LastStepAt < tailStart))
            {
                _book.Violation($"{peer.Name} completed no step during the {_options.QuietTail.TotalSeconds:F0} s quiet tail (alive since {peer.BornAt.TotalSeconds:F0} s): it is stuck");
            }

            CheckMemoryGrowth();
        }
    }

    /// <summary>Long-lived peers: what they hold now against what they held once warmed up.</summary>
    private void CheckMemoryGrowth()
    {
        TimeSpan now = Now;
        foreach (PeerView peer in _peers.Where(p => p.Alive && p.EarlyRss > 0 && now - p.BornAt >= LongLived))
        {
            long bound = (peer.EarlyRss * 3 / 2) + (64L << 20);
            _events.Add($"{peer.Name} (alive {(now - peer.BornAt).TotalMinutes:F0} min): RSS {peer.EarlyRss >> 20} MiB at warm-up, {peer.LastRss >> 20} MiB now");
            if (peer.LastRss > bound)
            {
                _book.Violation($"{peer.Name} grew from {peer.EarlyRss >> 20} MiB to {peer.LastRss >> 20} MiB resident in {(now - peer.BornAt).TotalMinutes:F0} min");
            }
        }
    }

    /// <summary>Due resumptions, the progress bound, overdue leaves, memory.</summary>
    private void Housekeeping()
    {
        TimeSpan now = Now;
        List<PeerView> due;
        lock (_book.Gate)
        {
            due = _peers.Where(p => p.Alive && p.Stopped && now >= p.ResumeAt).ToList();
            foreach (PeerView peer in _peers.Where(p => p.Alive && p.AskedToLeave && !p.EndedByUs && now - p.LeaveAskedAt > LeaveBound))
            {
                _book.Violation($"{peer.Name} did not exit within {LeaveBound.TotalSeconds:F0} s of being asked to leave");
                peer.EndedByUs = true;
                peer.Process.Kill();
            }
        }

        foreach (PeerView peer in due)
        {
            Resume(peer);
        }

        _book.CheckProgress(now);
        SampleMasterMemory();
        if (now - _lastStatus >= StatusInterval)
        {
            _lastStatus = now;
            PrintStatus(now);
        }
    }

    /// <summary>One line a minute, so a long run can be watched (and its log file is flushed as it goes).</summary>
    private void PrintStatus(TimeSpan now)
    {
        string line;
        lock (_book.Gate)
        {
            RunCounters c = _book.Counters;
            line = $"[{now.TotalMinutes:F0} min] alive {_peers.Count(p => p.Alive)}, steps {c.Steps}, revision {c.MaxRevision}, all-reduces {c.Operations}, " +
                $"kills {c.Kills + c.StopsKilled}, stops {c.Stops}, cuts {c.Cuts}, stalls {c.Stalls}, joins {c.Joins}, longest stall {_book.LongestStall.TotalSeconds:F1} s, " +
                $"max RSS {c.MaxPeerRss >> 20} MiB, violations {_book.Violations.Count}";
        }

        Console.WriteLine(line);
        _events.Add(line, keep: false);
        _events.Flush();
    }

    private void Resume(PeerView peer)
    {
        lock (_book.Gate)
        {
            peer.Stopped = false;
            peer.DisruptedUntil = Now;
            if (peer.KillInsteadOfResume)
            {
                peer.EndedByUs = true;
                _book.Counters.StopsKilled++;
            }
            else
            {
                _book.Counters.StopsContinued++;
            }
        }

        if (peer.KillInsteadOfResume)
        {
            peer.Process.Kill();
            _events.Add($"killed stopped {peer.Name}");
        }
        else
        {
            peer.Process.Signal(PosixSignals.Continue);
            _events.Add($"continued {peer.Name}");
        }
    }

    private void Apply(ChurnAction action)
    {
        PeerView? target = action.Target;
        TimeSpan now = Now;
        lock (_book.Gate)
        {
            RunCounters counters = _book.Counters;
            switch (action.Kind)
            {
                case ChurnKind.Kill:
                    counters.Kills++;
                    target!.EndedByUs = true;
                    target.Holder = false;
                    break;
                case ChurnKind.Stop:
                    counters.Stops++;
                    target!.Stopped = true;
                    target.Holder = false;
                    target.ResumeAt = now + action.Length;
                    target.KillInsteadOfResume = action.ThenKill;
                    break;
                case ChurnKind.Cut:
                    counters.Cuts++;
                    target!.Disrupted = true;
                    target.Holder = false;
                    target.DisruptedUntil = now + TimeSpan.FromSeconds(15);
                    break;
                case ChurnKind.Stall:
                    counters.Stalls++;
                    target!.StalledUntil = now + action.Length;
                    break;
                case ChurnKind.Leave:
                    counters.Leaves++;
                    target!.AskedToLeave = true;
                    target.LeaveAskedAt = now;
                    target.Holder = false;
                    break;
            }
        }

        switch (action.Kind)
        {
            case ChurnKind.Spawn:
                Spawn(initial: false);
                break;
            case ChurnKind.Kill:
                target!.Process.Kill();
                _events.Add($"SIGKILL {target.Name}");
                break;
            case ChurnKind.Stop:
                target!.Process.Signal(PosixSignals.Stop);
                _events.Add($"SIGSTOP {target.Name} for {action.Length.TotalSeconds:F1} s, then {(action.ThenKill ? "SIGKILL" : "SIGCONT")}");
                break;
            case ChurnKind.Cut:
                target!.Process.Send(Shared.LineKinds.CutCommand);
                _events.Add($"cut {target.Name}'s connections");
                break;
            case ChurnKind.Stall:
                target!.Process.Send($"{Shared.LineKinds.StallCommand} {(int)action.Length.TotalMilliseconds}");
                _events.Add($"stall {target.Name}'s data connections for {action.Length.TotalSeconds:F1} s");
                break;
            case ChurnKind.Leave:
                target!.Process.Send(Shared.LineKinds.LeaveCommand);
                _events.Add($"asked {target.Name} to leave");
                break;
        }
    }
}
