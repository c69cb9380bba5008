using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace Collectives.Tests.Integration;

/// <summary>A <c>Collectives.TestPeer</c> process: a real peer the tests can SIGKILL or SIGSTOP. Always killed on dispose.</summary>
internal sealed partial class ChildPeer : IAsyncDisposable
{
    private const int SigKill = 9;
    private const int SigCont = 18;
    private const int SigStop = 19;

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    private ChildPeer(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                _lines.Writer.TryWrite(line);
            }
        };
        _process.BeginOutputReadLine();
    }

    public int Pid => _process.Id;

    public static ChildPeer Start(IPEndPoint master)
    {
        // tests/Collectives.Core.Tests/bin/<configuration>/<tfm>/ → tests/Collectives.TestPeer/bin/<configuration>/<tfm>/
        string output = AppContext.BaseDirectory.TrimEnd('/');
        string framework = Path.GetFileName(output);
        string configuration = Path.GetFileName(Path.GetDirectoryName(output))!;
        string dll = Path.Combine(output, "..", "..", "..", "..", "Collectives.TestPeer", "bin", configuration, framework, "Collectives.TestPeer.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("the test peer is not built", dll);
        }
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.GetFullPath(dll));
        start.ArgumentList.Add(master.ToString());
        return new ChildPeer(Process.Start(start) ?? throw new InvalidOperationException("could not start the test peer"));
    }

    public void Send(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
    }

    /// <summary>Waits for the next output line starting with <paramref name="prefix"/>.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                string line = await _lines.Reader.ReadAsync(deadline.Token);
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"test peer {Pid} printed no '{prefix}' line within {timeout.TotalSeconds:F0} s");
        }
    }

    public void Kill() => Signal(SigKill);

    public void Freeze() => Signal(SigStop);

    public void Thaw() => Signal(SigCont);

    private void Signal(int signal)
    {
        if (!_process.HasExited && SendSignal(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            SendSignal(_process.Id, SigCont);
            _process.Kill(entireProcessTree: true);
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(deadline.Token);
        _process.Dispose();
    }
}
