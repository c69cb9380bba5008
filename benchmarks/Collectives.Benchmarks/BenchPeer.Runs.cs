using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Collectives.Benchmarks;

internal sealed partial class BenchPeer
{
    /// <summary>
    /// Timed iterations, each started on a barrier: the all-reduce, then (when <paramref name="withRing"/>) the ring
    /// copy of the same per-peer volume, interleaved so both see the same machine load. Tags: 3 per iteration.
    /// </summary>
    private async Task BenchAsync(int bytes, int warmup, int iterations, ulong tag, bool withRing)
    {
        EnsureBuffers(bytes);
        int world = communicator.WorldSizes.PeerGroup;
        long ringBytes = RingBytesPerPeer(bytes, world);
        var allReduceUs = new List<double>();
        var ringUs = new List<double>();
        using var deadline = new CancellationTokenSource(CommandBound * 4);
        var cost = default(ProcessCost);
        for (int i = 0; i < warmup + iterations; i++)
        {
            if (i == warmup)
            {
                cost = ProcessCost.Now();
            }

            await BarrierAsync(tag++);
            long start = Stopwatch.GetTimestamp();
            await communicator.AllReduceAsync<byte>(_send, _receive, ReduceOp.Sum, tag++, Float32).WaitAsync(CommandBound);
            double us = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            CheckResult(world);
            if (withRing)
            {
                await BarrierAsync(tag++);
                start = Stopwatch.GetTimestamp();
                await ring.CopyAsync(_send, _receive, ringBytes, deadline.Token);
                double ringTime = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                if (i >= warmup)
                {
                    ringUs.Add(ringTime);
                }
            }
            else
            {
                tag++;
            }

            if (i >= warmup)
            {
                allReduceUs.Add(us);
            }
        }

        ProcessCost spent = ProcessCost.Now() - cost;
        Say("TIMES allreduce " + string.Join(' ', allReduceUs.Select(t => t.ToString("0.#", CultureInfo.InvariantCulture))));
        Say("TIMES ring " + string.Join(' ', ringUs.Select(t => t.ToString("0.#", CultureInfo.InvariantCulture))));
        Say(FormattableString.Invariant($"COST {spent.WorkItems / (double)Math.Max(1, iterations):0.##} {spent.CpuUs / Math.Max(1, iterations):0.#}"));
    }

    /// <summary>
    /// The pieces a small all-reduce is made of, timed on their own, each started on a barrier: a master round trip
    /// that waits for every peer (the peers-pending query) and one byte passed once around the raw-socket ring.
    /// </summary>
    private async Task LatencyAsync(int warmup, int iterations, ulong tag, bool first)
    {
        var pendingUs = new List<double>();
        var tokenUs = new List<double>();
        using var deadline = new CancellationTokenSource(CommandBound);
        var cost = default(ProcessCost);
        for (int i = 0; i < warmup + iterations; i++)
        {
            if (i == warmup)
            {
                cost = ProcessCost.Now();
            }

            await BarrierAsync(tag++);
            long start = Stopwatch.GetTimestamp();
            await communicator.ArePeersPendingAsync().WaitAsync(CommandBound);
            double pending = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            await BarrierAsync(tag++);
            start = Stopwatch.GetTimestamp();
            await ring.PassTokenAsync(first, deadline.Token);
            double token = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            if (i >= warmup)
            {
                pendingUs.Add(pending);
                tokenUs.Add(token);
            }
        }

        Say("TIMES pending " + string.Join(' ', pendingUs.Select(t => t.ToString("0.#", CultureInfo.InvariantCulture))));
        Say("TIMES token " + string.Join(' ', tokenUs.Select(t => t.ToString("0.#", CultureInfo.InvariantCulture))));
    }

    /// <summary>What one peer sends (and receives) in a ring all-reduce: 2(N−1)/N of the buffer.</summary>
    public static long RingBytesPerPeer(long bytes, int world) => 2 * (world - 1) * bytes / world;

    /// <summary>Every input is 1.0f, so every output element must equal the world size (sampled: the check is not timed, but it is not free).</summary>
    private void CheckResult(int world)
    {
        ReadOnlySpan<float> result = MemoryMarshal.Cast<byte, float>(_receive.AsSpan());
        for (int i = 0; i < result.Length; i += 997)
        {
            if (result[i] != world)
            {
                throw new InvalidOperationException($"all-reduce result [{i}] = {result[i]}, expected {world}");
            }
        }

        if (result.Length > 0 && result[^1] != world)
        {
            throw new InvalidOperationException($"all-reduce result [^1] = {result[^1]}, expected {world}");
        }
    }

    /// <summary>
    /// The failure run: barrier on <paramref name="tag"/>, then the all-reduce on tag + 1. Prints STARTED &lt;t&gt;,
    /// FLOWING &lt;t&gt; once this peer received <paramref name="fraction"/> of its share (the parent's cue to kill),
    /// then either DONE &lt;t&gt; or FAILED &lt;t&gt; &lt;error&gt; followed by RETRIED &lt;t&gt; &lt;world&gt; &lt;attempts&gt; once the same
    /// call, retried at once as a training loop would, succeeded among the survivors.
    /// </summary>
    private async Task FailOpAsync(int bytes, ulong tag, double fraction)
    {
        EnsureBuffers(bytes);
        await BarrierAsync(tag);
        long threshold = communicator.BytesReceived + (long)(fraction * RingBytesPerPeer(bytes, communicator.WorldSizes.PeerGroup));
        using var stopWatching = new CancellationTokenSource();
        Task watcher = WatchProgressAsync(threshold, stopWatching.Token);
        Say($"STARTED {Now()}");
        try
        {
            await communicator.AllReduceAsync<byte>(_send, _receive, ReduceOp.Sum, tag + 1, Float32).WaitAsync(CommandBound);
            Say($"DONE {Now()}");
            return;
        }
        catch (CollectivesException e)
        {
            Say($"FAILED {Now()} {e.ErrorCode}");
        }
        finally
        {
            await stopWatching.CancelAsync();
            await watcher;
        }

        for (int attempt = 1; ; attempt++)
        {
            try
            {
                AllReduceInfo info = await communicator.AllReduceAsync<byte>(_send, _receive, ReduceOp.Sum, tag + 1, Float32).WaitAsync(CommandBound);
                Say($"RETRIED {Now()} {info.WorldSize} {attempt}");
                CheckResult(info.WorldSize);
                return;
            }
            catch (CollectivesException e) when (e.IsTransient && attempt < 10)
            {
                Say($"RETRY-FAILED {Now()} {e.ErrorCode}");
            }
        }
    }

    /// <summary>
    /// The library raises no event per received piece, so the cue is found by sampling the byte counter every
    /// millisecond; this runs only during failure runs and costs a timer tick.
    /// </summary>
    private async Task WatchProgressAsync(long threshold, CancellationToken cancellationToken)
    {
        try
        {
            while (communicator.BytesReceived < threshold)
            {
                await Task.Delay(1, cancellationToken);
            }

            Say($"FLOWING {Now()}");
        }
        catch (OperationCanceledException)
        {
            // the run ended before the threshold
        }
    }
}
