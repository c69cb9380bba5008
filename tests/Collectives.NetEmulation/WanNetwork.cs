using System.Collections.Concurrent;
using System.Globalization;
using System.Net;

namespace Collectives.NetEmulation;

/// <summary>
/// An emulated network of N hosts on this machine: each host is a network namespace whose <see cref="WanHost.Device"/>
/// is one end of a veth pair; the other ends hang on a bridge in a hub namespace. Traffic a host sends can be
/// rate-limited in total (<see cref="SetEgressRate"/>) and per destination (<see cref="SetPairRate"/>), with htb
/// classes on the host's egress. Nothing touches the machine's own namespace. Requires root and <c>ip netns</c>
/// (see <see cref="IsSupported"/>).
/// </summary>
/// <remarks>
/// Names are <c>cwan-&lt;pid&gt;-&lt;n&gt;-hub</c> and <c>cwan-&lt;pid&gt;-&lt;n&gt;-h&lt;i&gt;</c>, so parallel runs never collide
/// and leftovers of dead processes can be recognised: <see cref="Create"/> first deletes namespaces of processes that
/// no longer exist. Dispose deletes the namespaces (and with them links and qdiscs) and kills processes started on
/// the hosts; networks still alive when the process exits normally are disposed then.
/// Not thread-safe: configure a network from one thread at a time.
/// </remarks>
public sealed class WanNetwork : IDisposable, IAsyncDisposable
{
    /// <summary>Prefix of every namespace this harness creates.</summary>
    public const string NamePrefix = "cwan-";

    /// <summary>Most hosts one network can have (one /24).</summary>
    public const int MaxHosts = 250;

    private static readonly ConcurrentDictionary<WanNetwork, byte> Live = new();
    private static readonly Lazy<(bool Supported, string Reason)> Support = new(CheckSupport);
    private static int _sequence;
    private static int _exitHookInstalled;

    private readonly List<string> _namespaces = [];
    private readonly long?[] _egress;
    private readonly Dictionary<IPAddress, long>[] _pairRates;
    private readonly bool[] _shaped;
    private int _disposed;

    private WanNetwork(string name, int hostCount)
    {
        Name = name;
        Hub = new NetNamespace(name + "-hub");
        Hosts = Enumerable.Range(0, hostCount)
            .Select(i => new WanHost(i, new NetNamespace($"{name}-h{i}"), new IPAddress([10, 77, 0, (byte)(i + 1)])))
            .ToArray();
        _egress = new long?[hostCount];
        _pairRates = Enumerable.Range(0, hostCount).Select(_ => new Dictionary<IPAddress, long>()).ToArray();
        _shaped = new bool[hostCount];
    }

    /// <summary>This network's name, the prefix of its namespaces.</summary>
    public string Name { get; }

    /// <summary>The namespace holding the bridge.</summary>
    public NetNamespace Hub { get; }

    /// <summary>The hosts, index i at address 10.77.0.(i + 1).</summary>
    public IReadOnlyList<WanHost> Hosts { get; }

    /// <summary>Whether this process can build networks; <paramref name="reason"/> says why not. Checked once per process.</summary>
    public static bool IsSupported(out string reason)
    {
        (bool supported, string why) = Support.Value;
        reason = why;
        return supported;
    }

    /// <summary>
    /// Builds a network of <paramref name="hostCount"/> hosts, all links unlimited. Blocks for the <c>ip</c> commands
    /// (tens of milliseconds per host).
    /// </summary>
    /// <exception cref="NetEmulationException">A command failed; whatever was created is removed again.</exception>
    public static WanNetwork Create(int hostCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hostCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hostCount, MaxHosts);
        InstallExitHook();
        SweepStale();
        int sequence = Interlocked.Increment(ref _sequence);
        var network = new WanNetwork(string.Create(CultureInfo.InvariantCulture, $"{NamePrefix}{Environment.ProcessId}-{sequence}"), hostCount);
        Live[network] = 0;
        try
        {
            network.Build();
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Limits everything <paramref name="host"/> sends to <paramref name="bitsPerSecond"/>; null removes the limit.
    /// Per-destination limits (<see cref="SetPairRate"/>) share this total.
    /// </summary>
    /// <exception cref="NetEmulationException">tc failed.</exception>
    public void SetEgressRate(int host, long? bitsPerSecond)
    {
        CheckHost(host);
        CheckRate(bitsPerSecond);
        _egress[host] = bitsPerSecond;
        Apply(host);
    }

    /// <summary>
    /// Limits what <paramref name="from"/> sends to <paramref name="to"/> to <paramref name="bitsPerSecond"/>; null removes
    /// the limit. Only that direction: the reverse is set separately.
    /// </summary>
    /// <exception cref="NetEmulationException">tc failed.</exception>
    public void SetPairRate(int from, int to, long? bitsPerSecond)
    {
        CheckHost(from);
        CheckHost(to);
        ArgumentOutOfRangeException.ThrowIfEqual(from, to, nameof(to));
        CheckRate(bitsPerSecond);
        IPAddress destination = Hosts[to].Address;
        if (bitsPerSecond is long rate)
        {
            _pairRates[from][destination] = rate;
        }
        else
        {
            _pairRates[from].Remove(destination);
        }

        Apply(from);
    }

    /// <summary>
    /// Deletes the harness's namespaces whose creating process is gone (a crashed or killed test run). Returns how many.
    /// Never touches namespaces of live processes, this one's included.
    /// </summary>
    public static int SweepStale()
    {
        var stale = new List<string>();
        foreach (string line in CommandRunner.Run("ip", ["netns", "list"]).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string name = line.Split(' ', 2)[0];
            if (OwnerPid(name) is int pid && !Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture)))
            {
                stale.Add(name);
            }
        }

        DeleteNamespaces(stale);
        return stale.Count;
    }

    /// <summary>Names of the harness's namespaces that currently exist (any process's).</summary>
    public static IReadOnlyList<string> ListNamespaces() =>
        CommandRunner.Run("ip", ["netns", "list"]).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', 2)[0])
            .Where(name => name.StartsWith(NamePrefix, StringComparison.Ordinal))
            .ToArray();

    /// <summary>Kills processes started on the hosts and deletes every namespace of this network. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (WanHost host in Hosts)
        {
            host.KillProcesses();
        }

        DeleteNamespaces(_namespaces);
        Live.TryRemove(this, out _);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The pid in a name made by this harness, or null for other names.</summary>
    internal static int? OwnerPid(string name)
    {
        if (!name.StartsWith(NamePrefix, StringComparison.Ordinal))
        {
            return null;
        }

        string rest = name[NamePrefix.Length..];
        int dash = rest.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && int.TryParse(rest.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
    }

    private void Build()
    {
        var names = new List<string> { Hub.Name };
        names.AddRange(Hosts.Select(h => h.Namespace.Name));
        _namespaces.AddRange(names); // before creating, so a half-built network is still removed
        CommandRunner.Ip(null, names.Select(n => "netns add " + n).ToArray());

        var hub = new List<string> { "link add br0 type bridge", "link set br0 up" };
        foreach (WanHost host in Hosts)
        {
            string port = "p" + host.Index.ToString(CultureInfo.InvariantCulture);
            hub.Add($"link add {port} type veth peer name {WanHost.Device} netns {host.Namespace.Name}");
            hub.Add($"link set {port} master br0");
            hub.Add($"link set {port} up");
        }

        CommandRunner.Ip(Hub.Name, hub);
        foreach (WanHost host in Hosts)
        {
            CommandRunner.Ip(host.Namespace.Name,
            [
                "link set lo up",
                $"addr add {host.Address}/24 dev {WanHost.Device}",
                $"link set {WanHost.Device} up",
            ]);
        }
    }

    private void Apply(int host)
    {
        var lines = new List<string>();
        if (_shaped[host])
        {
            lines.Add(TrafficShaping.Remove(WanHost.Device));
        }

        bool shape = !TrafficShaping.IsUnshaped(_egress[host], _pairRates[host]);
        if (shape)
        {
            lines.AddRange(TrafficShaping.Install(WanHost.Device, _egress[host], _pairRates[host]));
        }

        CommandRunner.Tc(Hosts[host].Namespace.Name, lines);
        _shaped[host] = shape;
    }

    private void CheckHost(int host)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(host);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(host, Hosts.Count);
    }

    private static void CheckRate(long? bitsPerSecond)
    {
        if (bitsPerSecond is long rate)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(rate, 8_000, nameof(bitsPerSecond));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(rate, TrafficShaping.UnlimitedBitsPerSecond, nameof(bitsPerSecond));
        }
    }

    // "netns del" of a namespace that is already gone fails; -force carries on with the rest.
    private static void DeleteNamespaces(IReadOnlyCollection<string> names)
    {
        if (names.Count > 0)
        {
            try
            {
                CommandRunner.Run("ip", ["-force", "-batch", "-"], names.Select(n => "netns del " + n).ToArray());
            }
            catch (NetEmulationException)
            {
                // some were already gone; the rest were deleted
            }
        }
    }

    private static (bool Supported, string Reason) CheckSupport()
    {
        if (!OperatingSystem.IsLinux())
        {
            return (false, "network namespaces need Linux");
        }

        if (LinuxNative.GetEffectiveUserId() != 0)
        {
            return (false, "network namespaces and tc need root");
        }

        try
        {
            CommandRunner.Run("ip", ["netns", "list"]);
            CommandRunner.Run("tc", ["-V"]);
            return (true, "");
        }
        catch (NetEmulationException e)
        {
            return (false, "ip netns or tc unavailable: " + e.Message);
        }
    }

    private static void InstallExitHook()
    {
        if (Interlocked.Exchange(ref _exitHookInstalled, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                foreach (WanNetwork network in Live.Keys)
                {
                    network.Dispose();
                }
            };
        }
    }
}
