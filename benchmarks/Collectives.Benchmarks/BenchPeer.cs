using System.Diagnostics;
using System.Globalization;
using System.Net;
using Collectives.Transport;

namespace Collectives.Benchmarks;

/// <summary>
/// The hidden <c>allreduce-peer &lt;master&gt; &lt;pool size&gt;</c> mode: one peer in its own process (so the parent can
/// SIGKILL or SIGSTOP it), driven line by line over stdin. Every reply line starts with a keyword and carries raw
/// <see cref="Stopwatch.GetTimestamp"/> values where the parent needs cross-process times (see <see cref="Stats.Ms"/>).
/// Exits when stdin closes, so a dead parent leaves no orphan behind.
/// </summary>
/// <remarks>
/// Commands and replies:
/// <c>warmup &lt;scratch master&gt;</c> → WARM;
/// <c>connect</c> → REGISTERED &lt;t&gt;, ACCEPTED &lt;id&gt; &lt;t start&gt; &lt;t registered&gt; &lt;t accepted&gt;;
/// <c>update</c> → UPDATED &lt;t&gt;; <c>waitworld &lt;n&gt;</c> → WAITING, WORLD &lt;n&gt; &lt;t&gt;;
/// <c>raw-link &lt;successor raw port&gt;</c> → RAW-LINKED;
/// <c>bench &lt;bytes&gt; &lt;warm-up&gt; &lt;iterations&gt; &lt;first tag&gt; &lt;ring 0|1&gt;</c> → TIMES allreduce &lt;µs...&gt;, TIMES ring &lt;µs...&gt;;
/// <c>latency &lt;warm-up&gt; &lt;iterations&gt; &lt;first tag&gt; &lt;first 0|1&gt;</c> → TIMES pending &lt;µs...&gt;, TIMES token &lt;µs...&gt;;
/// <c>fail-op &lt;bytes&gt; &lt;first tag&gt; &lt;progress fraction&gt;</c> → STARTED, FLOWING, FAILED/DONE, RETRIED (see <see cref="FailOpAsync"/>);
/// the C API commands of the <c>capi</c> benchmark (see CapiPeer.cs);
/// <c>exit</c>. Errors print ERROR &lt;command&gt; &lt;message&gt;.
/// </remarks>
internal sealed partial class BenchPeer(Communicator communicator, RawRing ring)
{
    private static readonly TimeSpan CommandBound = TimeSpan.FromSeconds(120);
    private static readonly AllReduceOptions Float32 = new() { DataType = DataType.Float32 };

    private readonly byte[] _barrierSend = new byte[4];
    private readonly byte[] _barrierReceive = new byte[4];
    private byte[] _send = [];
    private byte[] _receive = [];

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new CommunicatorOptions(IPEndPoint.Parse(args[0]))
        {
            PeerListen = new IPEndPoint(IPAddress.Loopback, 0),
            Transport = TransportOptions.Default with { PoolSize = Stats.ParseInt(args[1]) },
            LoggerFactory = StderrLoggerFactory.FromEnvironment($"pid{Environment.ProcessId}"),
        };
        await using var communicator = new Communicator(options);
        StallProbe.Target = communicator;
        using var ring = new RawRing();
        var peer = new BenchPeer(communicator, ring);
        Say($"READY {ring.Port}");
        while (await Console.In.ReadLineAsync() is { } line)
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }

            if (words[0] == "exit")
            {
                break;
            }

            try
            {
                await peer.ExecuteAsync(words);
            }
#pragma warning disable CA1031 // a harness reports every failure to its parent instead of dying silently
            catch (Exception e)
#pragma warning restore CA1031
            {
                Say($"ERROR {words[0]} {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            }
        }

        return 0;
    }

    private static void Say(string line) => Console.Out.WriteLine(line);

    private static string Now() => Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture);

    private Task ExecuteAsync(string[] words) => words[0] switch
    {
        "connect" => ConnectAsync(),
        "warmup" => WarmUpAsync(IPEndPoint.Parse(words[1])),
        "update" => UpdateAsync(),
        "waitworld" => WaitWorldAsync(Stats.ParseInt(words[1])),
        "raw-link" => RawLinkAsync(Stats.ParseInt(words[1])),
        "bench" => BenchAsync(Stats.ParseInt(words[1]), Stats.ParseInt(words[2]), Stats.ParseInt(words[3]), (ulong)Stats.ParseLong(words[4]), words[5] == "1"),
        "latency" => LatencyAsync(Stats.ParseInt(words[1]), Stats.ParseInt(words[2]), (ulong)Stats.ParseLong(words[3]), words[4] == "1"),
        "fail-op" => FailOpAsync(Stats.ParseInt(words[1]), (ulong)Stats.ParseLong(words[2]), Stats.ParseDouble(words[3])),
        "native-open" or "native-join" or "capi-bench" => ExecuteCapiAsync(words),
        _ => throw new ArgumentException($"unknown command {words[0]}"),
    };

    private async Task ConnectAsync()
    {
        string start = Now();
        Task connect = communicator.ConnectAsync();
        await Task.WhenAny(communicator.Registration, connect).WaitAsync(CommandBound);
        string registered = Now();
        Say($"REGISTERED {registered}");
        await connect.WaitAsync(CommandBound);
        Say($"ACCEPTED {communicator.Id} {start} {registered} {Now()}");
    }

    /// <summary>
    /// Runs the connect path once against a throwaway master (alone there, so accepted at once) and leaves, so a later
    /// timed join measures the protocol rather than first-call JIT.
    /// </summary>
    private static async Task WarmUpAsync(IPEndPoint master)
    {
        await using (var scratch = new Communicator(new CommunicatorOptions(master) { PeerListen = new IPEndPoint(IPAddress.Loopback, 0) }))
        {
            await scratch.ConnectAsync().WaitAsync(CommandBound);
            await scratch.ArePeersPendingAsync().WaitAsync(CommandBound);
            await scratch.UpdateTopologyAsync().WaitAsync(CommandBound);
        }

        Say("WARM");
    }

    private async Task UpdateAsync()
    {
        await communicator.UpdateTopologyAsync().WaitAsync(CommandBound);
        Say($"UPDATED {Now()}");
    }

    private async Task WaitWorldAsync(int global)
    {
        Say("WAITING");
        await communicator.WaitForWorldSizesAsync(s => s.Global == global, CommandBound);
        Say($"WORLD {global} {Now()}");
    }

    private async Task RawLinkAsync(int successorPort)
    {
        using var deadline = new CancellationTokenSource(CommandBound);
        await ring.LinkAsync(successorPort, deadline.Token);
        Say("RAW-LINKED");
    }

    /// <summary>Keeps one pair of buffers of the current size; the send buffer holds 1.0f everywhere.</summary>
    private void EnsureBuffers(int bytes)
    {
        if (_send.Length == bytes)
        {
            return;
        }

        _send = [];
        _receive = [];
        GC.Collect();
        _send = GC.AllocateUninitializedArray<byte>(bytes, pinned: true);
        _receive = GC.AllocateUninitializedArray<byte>(bytes, pinned: true);
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(_send.AsSpan()).Fill(1f);
        _receive.AsSpan().Clear(); // touch every page now, not inside a timed run
    }

    /// <summary>A tiny all-reduce: every peer leaves it within one control round trip of the others.</summary>
    private Task BarrierAsync(ulong tag) =>
        communicator.AllReduceAsync<byte>(_barrierSend, _barrierReceive, ReduceOp.Sum, tag, Float32).WaitAsync(CommandBound);
}
