using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Collectives.Benchmarks;

/// <summary>
/// The peer side of the <c>capi</c> benchmark: next to its .NET <see cref="Communicator"/>, the peer process holds a
/// second communicator made through libcollectives.so's C API (<see cref="NativePeer"/>), in a separate group with
/// its own master, and times the same all-reduce through both, alternating per iteration.
/// </summary>
/// <remarks>
/// Commands and replies: <c>native-open &lt;library path&gt; &lt;master&gt; &lt;pool&gt;</c> → NATIVE-OPEN;
/// <c>native-join &lt;world&gt;</c> → NATIVE-JOINED &lt;world&gt;;
/// <c>capi-bench &lt;bytes&gt; &lt;warm-up&gt; &lt;iterations&gt; &lt;first tag&gt;</c> → TIMES dotnet &lt;µs...&gt;, TIMES capi &lt;µs...&gt;,
/// TIMES dotnet-cpu &lt;µs...&gt;, TIMES capi-cpu &lt;µs...&gt; (the process's CPU time, all threads of both runtimes, per call).
/// </remarks>
internal sealed partial class BenchPeer
{
    private NativePeer? _native;

    private Task ExecuteCapiAsync(string[] words) => words[0] switch
    {
        "native-open" => OpenNative(words[1], IPEndPoint.Parse(words[2]), Stats.ParseInt(words[3])),
        "native-join" => JoinNativeAsync(Stats.ParseInt(words[1])),
        "capi-bench" => CapiBenchAsync(Stats.ParseInt(words[1]), Stats.ParseInt(words[2]), Stats.ParseInt(words[3]), (ulong)Stats.ParseLong(words[4])),
        _ => throw new ArgumentException($"unknown command {words[0]}"),
    };

    private Task OpenNative(string libraryPath, IPEndPoint master, int poolSize)
    {
        if (_native is not null)
        {
            throw new InvalidOperationException("the C API communicator is already open");
        }

        CapiLibrary.Load(libraryPath);
        _native = NativePeer.Create(master, poolSize);
        Say("NATIVE-OPEN");
        return Task.CompletedTask;
    }

    private async Task JoinNativeAsync(int world)
    {
        NativePeer native = RequireNative();
        await Task.Run(() => native.Join(world)).WaitAsync(CommandBound);
        Say($"NATIVE-JOINED {world}");
    }

    private NativePeer RequireNative() => _native ?? throw new InvalidOperationException("native-open first");

    /// <summary>
    /// Timed iterations of the same float32 Sum all-reduce through the .NET API and through the C API. Each call is
    /// started on a barrier of its own API; the order swaps every iteration so that neither API always runs right
    /// after the other's traffic. Tags: 4 per iteration.
    /// </summary>
    private async Task CapiBenchAsync(int bytes, int warmup, int iterations, ulong tag)
    {
        NativePeer native = RequireNative();
        EnsureBuffers(bytes);
        int world = communicator.WorldSizes.PeerGroup;
        var dotnetUs = new List<double>();
        var capiUs = new List<double>();
        var dotnetCpuUs = new List<double>();
        var capiCpuUs = new List<double>();
        for (int i = 0; i < warmup + iterations; i++)
        {
            double dotnet = 0, capi = 0, dotnetCpu = 0, capiCpu = 0;
            for (int turn = 0; turn < 2; turn++)
            {
                if ((turn == 0) == (i % 2 == 0))
                {
                    await BarrierAsync(tag++);
                    TimeSpan cpu = Environment.CpuUsage.TotalTime;
                    long start = Stopwatch.GetTimestamp();
                    await communicator.AllReduceAsync<byte>(_send, _receive, ReduceOp.Sum, tag++, Float32).WaitAsync(CommandBound);
                    dotnet = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                    dotnetCpu = (Environment.CpuUsage.TotalTime - cpu).TotalMicroseconds;
                }
                else
                {
                    (capi, capiCpu) = TimeNativeAllReduce(native, tag);
                    tag += 2;
                }

                CheckResult(world);
                _receive.AsSpan().Clear(); // the next call must produce the result itself, not inherit it
            }

            if (i >= warmup)
            {
                dotnetUs.Add(dotnet);
                capiUs.Add(capi);
                dotnetCpuUs.Add(dotnetCpu);
                capiCpuUs.Add(capiCpu);
            }
        }

        SayTimes("dotnet", dotnetUs);
        SayTimes("capi", capiUs);
        SayTimes("dotnet-cpu", dotnetCpuUs);
        SayTimes("capi-cpu", capiCpuUs);
    }

    private static void SayTimes(string what, List<double> us) =>
        Say($"TIMES {what} " + string.Join(' ', us.Select(t => t.ToString("0.#", CultureInfo.InvariantCulture))));

    /// <summary>A C API barrier on <paramref name="tag"/>, then the timed C API all-reduce on tag + 1 (wall and CPU µs).</summary>
    private unsafe (double Wall, double Cpu) TimeNativeAllReduce(NativePeer native, ulong tag)
    {
        fixed (byte* barrierSend = _barrierSend)
        fixed (byte* barrierReceive = _barrierReceive)
        fixed (byte* send = _send)
        fixed (byte* receive = _receive)
        {
            native.AllReduceFloat32Sum(barrierSend, barrierReceive, _barrierSend.Length, tag);
            TimeSpan cpu = Environment.CpuUsage.TotalTime;
            long start = Stopwatch.GetTimestamp();
            native.AllReduceFloat32Sum(send, receive, _send.Length, tag + 1);
            double wall = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            return (wall, (Environment.CpuUsage.TotalTime - cpu).TotalMicroseconds);
        }
    }
}
