using System.Diagnostics;
using System.Net;
using Collectives.Membership;

namespace Collectives.Benchmarks;

/// <summary>
/// The parent side of a multi-process run: an in-process <see cref="MasterServer"/> on 127.0.0.1:0 and peer processes
/// that join one after another. The parent plays the training loop's part: when a joiner has registered, it tells
/// every accepted peer to update the topology.
/// </summary>
internal sealed class PeerGroup : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    private readonly List<PeerProcess> _all = [];
    private readonly List<PeerProcess> _accepted = [];
    private readonly int _poolSize;
    private int _spawned;
    private ulong _nextTag = 1000;

    private PeerGroup(MasterServer master, int poolSize)
    {
        Master = master;
        _poolSize = poolSize;
    }

    public MasterServer Master { get; }

    /// <summary>The accepted peers in join order.</summary>
    public IReadOnlyList<PeerProcess> Accepted => _accepted;

    /// <summary>Starts a master with the default settings (heartbeat 500 ms, peer timeout 3 s) on loopback.</summary>
    public static PeerGroup Start(int poolSize)
    {
        var master = new MasterServer(MasterOptions.Default with { Listen = new IPEndPoint(IPAddress.Loopback, 0) }, StderrLoggerFactory.FromEnvironment("master"));
        master.Start();
        return new PeerGroup(master, poolSize);
    }

    /// <summary>Starts processes (in parallel, before anything is timed) and waits until each is READY.</summary>
    public async Task<PeerProcess[]> SpawnAsync(int count)
    {
        var starting = new List<Task<PeerProcess>>();
        for (int i = 0; i < count; i++)
        {
            starting.Add(PeerProcess.StartAsync(Master.LocalEndPoint, _poolSize, $"peer{++_spawned}", Bound));
        }

        try
        {
            await Task.WhenAll(starting);
        }
        finally
        {
            _all.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
        }

        return starting.Select(t => t.Result).ToArray();
    }

    /// <summary>
    /// Join times from the joiner's connect call (ms): to registered, to the parent having told the accepted peers
    /// to update (the relay a training loop's own poll would replace), and to accepted.
    /// </summary>
    public readonly record struct JoinTiming(double ToRegisteredMs, double ToUpdateSentMs, double ToAcceptedMs);

    /// <summary>Lets <paramref name="joiner"/> in: it connects, and once registered every accepted peer updates the topology.</summary>
    public async Task<JoinTiming> JoinAsync(PeerProcess joiner)
    {
        joiner.Send("connect");
        await joiner.ExpectAsync("REGISTERED", Bound);
        PeerProcess[] members = [.. _accepted];
        foreach (PeerProcess member in members)
        {
            member.Send("update");
        }

        long updateSent = Stopwatch.GetTimestamp();
        string[] accepted = await joiner.ExpectAsync("ACCEPTED", Bound);
        await Task.WhenAll(members.Select(m => m.ExpectAsync("UPDATED", Bound)));
        _accepted.Add(joiner);
        long start = Stats.ParseLong(accepted[2]);
        return new JoinTiming(Stats.Ms(start, Stats.ParseLong(accepted[3])), Stats.Ms(start, updateSent), Stats.Ms(start, Stats.ParseLong(accepted[4])));
    }

    /// <summary>Forgets a peer the benchmark killed (its process is still disposed with the group).</summary>
    public void Forget(PeerProcess peer) => _accepted.Remove(peer);

    /// <summary>Links the raw-socket ring over the accepted peers in join order.</summary>
    public async Task LinkRawRingAsync()
    {
        for (int i = 0; i < _accepted.Count; i++)
        {
            _accepted[i].Send($"raw-link {_accepted[(i + 1) % _accepted.Count].RawPort}");
        }

        await Task.WhenAll(_accepted.Select(p => p.ExpectAsync("RAW-LINKED", Bound)));
    }

    /// <summary>A fresh block of tags, the same on every peer, never reused within the run.</summary>
    public ulong TakeTags(int count)
    {
        ulong first = _nextTag;
        _nextTag += (ulong)count + 16;
        return first;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (PeerProcess peer in _all)
        {
            await peer.DisposeAsync();
        }

        await Master.DisposeAsync();
    }
}
