using System.Collections.Concurrent;
using System.Diagnostics;

namespace Collectives.StressTests.Orchestration;

/// <summary>
/// One child (this program as master or peer), its stdout lines handed to a callback and its last stderr lines kept
/// for the report. Every child ever started is in <see cref="Live"/> until it exited, so <see cref="KillAll"/> can end
/// them all from anywhere (deadline, Ctrl+C, an exception).
/// </summary>
internal sealed class ChildProcess
{
    private const int StderrLinesKept = 30;

    private static readonly ConcurrentDictionary<int, ChildProcess> Live = new();

    private readonly Process _process;
    private readonly Queue<string> _stderr = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process, string name)
    {
        _process = process;
        Name = name;
        Pid = process.Id;
    }

    /// <summary>Starts reading the child's output (after the caller registered it, so no line finds it unknown).</summary>
    public void BeginReading(Action<string> onLine, Action<string> onErrorLine)
    {
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                onLine(line);
            }
            else
            {
                _stdoutClosed.TrySetResult();
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (_stderr)
                {
                    _stderr.Enqueue(line);
                    if (_stderr.Count > StderrLinesKept)
                    {
                        _stderr.Dequeue();
                    }
                }

                onErrorLine(line);
            }
            else
            {
                _stderrClosed.TrySetResult();
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Pid { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static ChildProcess Start(IEnumerable<string> arguments, string name)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, typeof(ChildProcess).Assembly.GetName().Name + ".dll");
        string host = Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Children must not inherit a run secret or logging switches from the caller's environment by accident.
        start.Environment.Remove("COLLECTIVES_SECRET");
        Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
        var child = new ChildProcess(process, name);
        Live[child.Pid] = child;
        return child;
    }

    public string[] RecentStderr()
    {
        lock (_stderr)
        {
            return [.. _stderr];
        }
    }

    /// <summary>Sends a command line; false when the child is gone.</summary>
    public bool Send(string command)
    {
        try
        {
            _process.StandardInput.WriteLine(command);
            _process.StandardInput.Flush();
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public bool Signal(int signal) => !_process.HasExited && PosixSignals.Send(Pid, signal);

    /// <summary>SIGKILL (after SIGCONT: a stopped process still dies, but this keeps it simple to reason about).</summary>
    public void Kill()
    {
        Signal(PosixSignals.Continue);
        Signal(PosixSignals.Kill);
    }

    /// <summary>Completes when the process exited and both of its pipes were read to the end (bounded).</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(deadline.Token).ConfigureAwait(false);
            Live.TryRemove(Pid, out _);
            return true;
        }
        catch (OperationCanceledException)
        {
            return _process.HasExited;
        }
    }

    /// <summary>Last resort: SIGKILL every child still alive (also stopped ones).</summary>
    public static void KillAll()
    {
        foreach (ChildProcess child in Live.Values)
        {
            try
            {
                child.Kill();
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
        }
    }

    /// <summary>The exit of a process the orchestrator did not end itself, observed by polling or a waiter.</summary>
    public Task Exited => _process.WaitForExitAsync();
}
