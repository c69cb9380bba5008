using System.Diagnostics;
using System.Runtime.InteropServices;
using Collectives.SharedState;

namespace Collectives.Benchmarks;

/// <summary>
/// Tensor hashing throughput over 1 GiB, then a joiner fetching 1 GiB of shared state from 1 and from 3 in-process
/// donors on loopback, against a raw socket moving the same bytes over one connection in the same run.
/// </summary>
/// <remarks>
/// A small sync first warms up (JIT) every code path of a sync. Each case reports its first sync (cold pages, see
/// <see cref="RawSocketCopy"/>) apart, then runs several repetitions in one group, each preceded by its own
/// raw-socket baseline over the same memory, and reports the median of the per-repetition ratios, so a load swing on
/// this shared machine hits a sync and its baseline alike. Between syncs the donors step their revision by one and the
/// joiner goes back to revision 0 with different content, so every sync moves the full 1 GiB.
/// Usage: <c>sharedstate [repetitions]</c> (default 3).
/// </remarks>
internal static class SharedStateBenchmark
{
    private const int TensorCount = 4;
    private const int TensorElements = 64 << 20; // 256 MiB of float32
    private const long StateBytes = (long)TensorCount * TensorElements * sizeof(float);

    public static async Task RunAsync(string[] args)
    {
        int repetitions = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 3;
        MachineLoad.Print("sharedstate", "before");
        Hashing();
        await TransportBenchmark.RawSocketAsync(16 << 20, 4); // warm-up of the socket path
        await WarmUpAsync();
        foreach (int donors in new[] { 1, 3 })
        {
            await SyncAsync(donors, repetitions);
        }

        MachineLoad.Print("sharedstate", "after");
    }

    /// <summary>One joiner fetching 16 MiB from one donor: JIT-compiles the sync, serving and fetching paths.</summary>
    private static async Task WarmUpAsync()
    {
        await using var group = new InProcessGroup();
        await group.JoinAsync();
        await group.JoinAsync();
        SharedTensorSet[] states = [State(4 << 20, 1, 0.5f), State(4 << 20, 0, -1f)];
        await Task.WhenAll(group.Peers.Select((peer, p) => peer.SynchronizeSharedStateAsync(states[p])));
    }

    private static SharedTensorSet State(int elements, ulong revision, float value)
    {
        float[] data = GC.AllocateUninitializedArray<float>(elements, pinned: true);
        data.AsSpan().Fill(value);
        return new SharedTensorSet(revision, [SharedTensor.Create("weights", data.AsMemory())]);
    }

    private static void Hashing()
    {
        float[] buffer = new float[TensorElements * TensorCount];
        var random = new Random(1);
        for (int i = 0; i < buffer.Length; i += 1 << 20)
        {
            buffer.AsSpan(i, 1 << 20).Fill((float)random.NextDouble());
        }

        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(buffer.AsSpan());
        foreach ((string label, int degree) in new[] { ("1core", 1), ("allcores", -1) })
        {
            TensorHasher.Hash(bytes, DataType.Float32, degree); // warm-up
            var times = new List<double>();
            for (int r = 0; r < 5; r++)
            {
                var clock = Stopwatch.StartNew();
                TensorHasher.Hash(bytes, DataType.Float32, degree);
                times.Add(clock.Elapsed.TotalSeconds);
            }

            times.Sort();
            double gbps = bytes.Length / times[times.Count / 2] / 1e9;
            Console.WriteLine($"TensorHasher.Hash 1 GiB, {label} ({Environment.ProcessorCount} cores): {gbps:F2} GB/s (median of 5)");
            Report.Result($"sharedstate_hash_{label}", gbps, "GB/s");
        }
    }

    private static async Task SyncAsync(int donors, int repetitions)
    {
        const ulong revision = 7;
        var states = new SharedTensorSet[donors + 1];
        var data = new float[donors + 1][][];
        for (int p = 0; p <= donors; p++)
        {
            data[p] = new float[TensorCount][];
            var tensors = new SharedTensor[TensorCount];
            for (int t = 0; t < TensorCount; t++)
            {
                data[p][t] = GC.AllocateUninitializedArray<float>(TensorElements, pinned: true);
                data[p][t].AsSpan().Fill(t + 0.5f);
                tensors[t] = SharedTensor.Create($"weights{t}", data[p][t].AsMemory());
            }

            states[p] = new SharedTensorSet(revision, tensors);
        }

        float[][] joiner = data[donors];
        // The arrays are pinned (allocated on the pinned heap), so the handles need no release before the end.
        Memory<byte>[] donorBytes = [.. states[0].Tensors.Select(t => t.Pin().Bytes)];
        Memory<byte>[] joinerBytes = [.. states[donors].Tensors.Select(t => t.Pin().Bytes)];

        // Joined after the (slow) allocation of the state, so no peer sits through it with only heartbeats to do.
        await using var group = new InProcessGroup();
        for (int i = 0; i <= donors; i++)
        {
            await group.JoinAsync();
        }

        // The first sync after allocating the state touches every page from the kernel for the first time; it is reported
        // apart, against the baseline of earlier sessions (fresh 256 MiB buffers, 4 passes, only the first of them cold).
        double freshRaw = await TransportBenchmark.RawSocketAsync(256 << 20, TensorCount) * 1.073741824;
        (double coldMs, double coldGBps) = await TimedSyncAsync(group, states, joiner, donors, revision);
        Console.WriteLine($"{donors} donor(s), first (cold) sync: {coldMs:F1} ms, {coldGBps:F2} GB/s; raw socket over fresh buffers {freshRaw:F2} GB/s, "
            + $"ratio {coldGBps / freshRaw:F2}");
        Report.Result($"sharedstate_sync_{donors}donor_cold_time", coldMs, "ms");
        Report.Result($"sharedstate_sync_{donors}donor_cold_ratio_fresh_raw", coldGBps / freshRaw, "x");

        await RawSocketCopy.MoveAsync(donorBytes, joinerBytes); // with several donors, the cold sync read only part of donor 0's memory
        var times = new List<double>();
        var ratios = new List<double>();
        var raws = new List<double>();
        for (int r = 1; r <= repetitions; r++)
        {
            // Baseline right before the sync, over the same memory (donor 0's tensors into the joiner's).
            double rawGBps = await RawSocketCopy.MoveAsync(donorBytes, joinerBytes);
            (double ms, double gbps) = await TimedSyncAsync(group, states, joiner, donors, revision + (ulong)r);
            Console.WriteLine($"{donors} donor(s), repetition {r}: raw socket {rawGBps:F2} GB/s; sync {ms:F1} ms, {gbps:F2} GB/s, ratio {gbps / rawGBps:F2}");
            times.Add(ms);
            raws.Add(rawGBps);
            ratios.Add(gbps / rawGBps);
        }

        double time = Stats.Median(times);
        Console.WriteLine($"sync from {donors} donor(s), median of {repetitions}: {time:F1} ms, {StateBytes / time / 1e6:F2} GB/s, "
            + $"raw socket {Stats.Median(raws):F2} GB/s, ratio {Stats.Median(ratios):F2} (per repetition {string.Join(" ", ratios.Select(x => x.ToString("F2")))})");
        Report.Result($"sharedstate_sync_{donors}donor_raw_socket", Stats.Median(raws), "GB/s");
        Report.Result($"sharedstate_sync_{donors}donor_time", time, "ms");
        Report.Result($"sharedstate_sync_{donors}donor_throughput", StateBytes / time / 1e6, "GB/s");
        Report.Result($"sharedstate_sync_{donors}donor_ratio", Stats.Median(ratios), "x");
    }

    /// <summary>
    /// One timed sync: the donors at <paramref name="donorRevision"/> (one more than the group adopted last time), the
    /// joiner at revision 0 with different content; checks that the joiner received all of the state, bit for bit.
    /// </summary>
    private static async Task<(double Ms, double GBps)> TimedSyncAsync(InProcessGroup group, SharedTensorSet[] states, float[][] joiner, int donors,
        ulong donorRevision)
    {
        for (int p = 0; p < donors; p++)
        {
            states[p].Revision = donorRevision;
        }

        states[donors].Revision = 0;
        foreach (float[] tensor in joiner)
        {
            tensor.AsSpan().Fill(-1f);
        }

        var clock = Stopwatch.StartNew();
        SharedStateSyncInfo[] infos = await Task.WhenAll(group.Peers.Select((peer, p) => peer.SynchronizeSharedStateAsync(states[p])));
        double seconds = clock.Elapsed.TotalSeconds;
        long received = infos[donors].RxBytes;
        if (received != StateBytes || infos[donors].Revision != donorRevision
            || !joiner.Select((tensor, t) => tensor.AsSpan().IndexOfAnyExcept(t + 0.5f) < 0).All(same => same))
        {
            throw new InvalidOperationException($"the joiner received {received} of {StateBytes} bytes, or its state differs from the donors'");
        }

        return (seconds * 1e3, received / seconds / 1e9);
    }
}
