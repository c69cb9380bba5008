using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Threading.Channels;

namespace Collectives.Benchmarks;

/// <summary>
/// The parent's handle on one peer process (this program in its hidden <c>allreduce-peer</c> mode), driven line by
/// line over stdin/stdout. Disposal (and <see cref="KillAll"/> at exit) always kills it, so no child outlives a run.
/// </summary>
internal sealed class PeerProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, Process> Live = new();

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private int _disposed;

    private PeerProcess(Process process, string name)
    {
        _process = process;
        Name = name;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                if (line.StartsWith("ERROR", StringComparison.Ordinal))
                {
                    Console.Error.WriteLine($"{name}: {line}"); // at once: the parent may be waiting on another peer
                }

                _lines.Writer.TryWrite(line);
            }
            else
            {
                _lines.Writer.TryComplete(); // stdout closed: the process is gone
            }
        };
        _process.BeginOutputReadLine();
    }

    public string Name { get; }

    public int Pid => _process.Id;

    /// <summary>The port of this peer's raw TCP listener for the ring-copy baseline (from its READY line).</summary>
    public int RawPort { get; private set; }

    /// <summary>Starts <c>dotnet &lt;this dll&gt; allreduce-peer &lt;master&gt; &lt;pool&gt;</c> and waits for READY.</summary>
    public static async Task<PeerProcess> StartAsync(IPEndPoint master, int poolSize, string name, TimeSpan timeout)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, typeof(PeerProcess).Assembly.GetName().Name + ".dll");
        string host = Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("allreduce-peer");
        start.ArgumentList.Add(master.ToString());
        start.ArgumentList.Add(poolSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start a peer process");
        Live[process.Id] = process;
        var peer = new PeerProcess(process, name);
        try
        {
            string[] ready = await peer.ExpectAsync("READY", timeout);
            peer.RawPort = Stats.ParseInt(ready[1]);
            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    public void Send(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
    }

    /// <summary>
    /// Waits for the next line starting with one of <paramref name="prefixes"/> and returns its words; lines in
    /// between are skipped, except ERROR lines, which throw.
    /// </summary>
    public async Task<string[]> ExpectAsync(string prefix, TimeSpan timeout, params string[] otherPrefixes)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                string line = await _lines.Reader.ReadAsync(deadline.Token);
                string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length == 0)
                {
                    continue;
                }

                if (words[0] == "ERROR")
                {
                    throw new InvalidOperationException($"{Name}: {line}");
                }

                if (words[0] == prefix || otherPrefixes.Contains(words[0]))
                {
                    return words;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} (pid {Pid}) printed no {prefix} line within {timeout.TotalSeconds:F0} s");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"{Name} (pid {Pid}) exited while we waited for {prefix}");
        }
    }

    public void Kill() => Signal(PosixSignals.Kill);

    /// <summary>The <see cref="Stopwatch.GetTimestamp"/> at which the parent saw the process end (for teardown times).</summary>
    public async Task<long> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token);
        return Stopwatch.GetTimestamp();
    }

    public void Freeze() => Signal(PosixSignals.Stop);

    private void Signal(int signal)
    {
        if (!PosixSignals.Send(_process.Id, signal))
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                PosixSignals.Send(_process.Id, PosixSignals.Continue); // a stopped process cannot die until continued
                _process.Kill(entireProcessTree: true);
            }

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"{Name} (pid {Pid}) did not exit within 10 s of SIGKILL");
        }
        finally
        {
            Live.TryRemove(_process.Id, out _);
            _process.Dispose();
        }
    }

    /// <summary>Last resort at exit (Ctrl+C, unhandled error): kills every child still alive.</summary>
    public static void KillAll()
    {
        foreach (Process process in Live.Values)
        {
            try
            {
                PosixSignals.Send(process.Id, PosixSignals.Continue);
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
        }
    }
}
