using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace Collectives.Master.Tests;

/// <summary>The built <c>collectives-master</c> tool in its own process. Every wait is bounded; always killed on dispose.</summary>
internal sealed partial class MasterProcess : IAsyncDisposable
{
    public const int SigInt = 2;
    public const int SigTerm = 15;

    private readonly Process _process;
    private readonly Channel<string> _stdoutLines = Channel.CreateUnbounded<string>();
    private readonly List<string> _output = [];
    private readonly Lock _outputLock = new();

    private MasterProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, toChannel: true);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, toChannel: false);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Everything printed so far on stdout and stderr, for assertions and failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_outputLock)
            {
                return string.Join('\n', _output);
            }
        }
    }

    public int ExitCode => _process.ExitCode;

    public static MasterProcess Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ToolPath());
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return new MasterProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start collectives-master"));
    }

    /// <summary>Runs the tool to completion: exit code and all its output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(TimeSpan timeout, params string[] args)
    {
        await using MasterProcess master = Start(args);
        int exitCode = await master.WaitForExitAsync(timeout);
        return (exitCode, master.Output);
    }

    /// <summary>Starts a master on a free loopback port and waits for the endpoint it prints.</summary>
    public static async Task<(MasterProcess Process, IPEndPoint Endpoint)> StartListeningAsync(TimeSpan timeout, params string[] extraArgs)
    {
        MasterProcess master = Start(["--listen", "127.0.0.1:0", .. extraArgs]);
        try
        {
            string line = await master.WaitForLineAsync(MasterHost.ListeningLine, timeout);
            return (master, IPEndPoint.Parse(line[MasterHost.ListeningLine.Length..]));
        }
        catch
        {
            await master.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits for the next stdout line that contains <paramref name="text"/>.</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                string line = await _stdoutLines.Reader.ReadAsync(deadline.Token);
                if (line.Contains(text, StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            throw new TimeoutException($"collectives-master printed no line with '{text}' within {timeout.TotalSeconds:F0} s; output:\n{Output}");
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"collectives-master did not exit within {timeout.TotalSeconds:F0} s; output:\n{Output}");
        }

        return _process.ExitCode;
    }

    public void Signal(int signal)
    {
        if (SendSignal(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed");
        }
    }

    /// <summary>
    /// True when this process ignores SIGINT, which its children inherit (a background job of a non-interactive shell):
    /// the .NET runtime then leaves SIGINT ignored in the master too, as POSIX programs conventionally do.
    /// </summary>
    public static bool SigIntIgnoredHere()
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null
            && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (SigInt - 1))) != 0;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(deadline.Token);
        _process.Dispose();
    }

    private void OnLine(string? line, bool toChannel)
    {
        if (line is null)
        {
            if (toChannel)
            {
                _stdoutLines.Writer.TryComplete();
            }

            return;
        }

        lock (_outputLock)
        {
            _output.Add(line);
        }

        if (toChannel)
        {
            _stdoutLines.Writer.TryWrite(line);
        }
    }

    // tests/Collectives.Master.Tests/bin/<configuration>/<tfm>/ → src/Collectives.Master/bin/<configuration>/<tfm>/
    private static string ToolPath()
    {
        string output = AppContext.BaseDirectory.TrimEnd('/');
        string framework = Path.GetFileName(output);
        string configuration = Path.GetFileName(Path.GetDirectoryName(output))!;
        string dll = Path.GetFullPath(Path.Combine(
            output, "..", "..", "..", "..", "..", "src", "Collectives.Master", "bin", configuration, framework, "collectives-master.dll"));
        return File.Exists(dll) ? dll : throw new FileNotFoundException("collectives-master is not built", dll);
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);
}
