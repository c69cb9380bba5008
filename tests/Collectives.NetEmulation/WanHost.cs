using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Collectives.NetEmulation;

/// <summary>
/// One emulated host of a <see cref="WanNetwork"/>: a network namespace with one interface (<see cref="Device"/>) on the
/// network's bridge and one address. Run code in it in-process through <see cref="Namespace"/>, or start processes
/// in it with <see cref="StartProcess"/>.
/// </summary>
public sealed class WanHost
{
    private readonly ConcurrentDictionary<int, Process> _processes = new();

    internal WanHost(int index, NetNamespace netNamespace, IPAddress address)
    {
        Index = index;
        Namespace = netNamespace;
        Address = address;
    }

    /// <summary>The device inside the host's namespace that leads to the bridge.</summary>
    public const string Device = "eth0";

    /// <summary>Position in <see cref="WanNetwork.Hosts"/>.</summary>
    public int Index { get; }

    /// <summary>The host's namespace; create sockets through it so they live on this host.</summary>
    public NetNamespace Namespace { get; }

    /// <summary>The host's address on the emulated network (10.77.0.(index + 1)).</summary>
    public IPAddress Address { get; }

    /// <summary>
    /// A copy of <paramref name="inner"/> that runs the same program with the same arguments inside this host's namespace
    /// (<c>ip netns exec</c>, which execs the program, so the started process's id is the program's own).
    /// </summary>
    public ProcessStartInfo WrapStartInfo(ProcessStartInfo inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        var wrapped = new ProcessStartInfo("ip")
        {
            RedirectStandardInput = inner.RedirectStandardInput,
            RedirectStandardOutput = inner.RedirectStandardOutput,
            RedirectStandardError = inner.RedirectStandardError,
            UseShellExecute = false,
            WorkingDirectory = inner.WorkingDirectory,
        };
        if (inner.Arguments.Length > 0)
        {
            // A start info uses either the one-string form or the list form; keep whichever the caller used.
            wrapped.Arguments = $"netns exec {Namespace.Name} \"{inner.FileName}\" {inner.Arguments}";
        }
        else
        {
            wrapped.ArgumentList.Add("netns");
            wrapped.ArgumentList.Add("exec");
            wrapped.ArgumentList.Add(Namespace.Name);
            wrapped.ArgumentList.Add(inner.FileName);
            foreach (string argument in inner.ArgumentList)
            {
                wrapped.ArgumentList.Add(argument);
            }
        }

        foreach ((string key, string? value) in inner.Environment)
        {
            wrapped.Environment[key] = value;
        }

        return wrapped;
    }

    /// <summary>
    /// Starts <paramref name="inner"/> inside this host's namespace. The network kills it when disposed, if it still runs;
    /// the caller still owns (and disposes) the returned <see cref="Process"/>.
    /// </summary>
    /// <exception cref="NetEmulationException">The process did not start.</exception>
    public Process StartProcess(ProcessStartInfo inner)
    {
        Process process = Process.Start(WrapStartInfo(inner)) ?? throw new NetEmulationException($"could not start {inner?.FileName} in {Namespace}");
        _processes[process.Id] = process;
        return process;
    }

    /// <inheritdoc/>
    public override string ToString() => $"host {Index} {Address} ({Namespace})";

    internal void KillProcesses()
    {
        foreach (Process process in _processes.Values)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(TimeSpan.FromSeconds(5));
                }
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // already gone or disposed by its owner
            }
        }

        _processes.Clear();
    }
}
