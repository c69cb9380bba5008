using System.Diagnostics;
using System.Runtime.InteropServices;
using Collectives.SharedState;

namespace Collectives.Benchmarks;

/// <summary>
/// Tensor hashing throughput over 1 GiB, then a joiner fetching 1 GiB of shared state from 1 and from 3 in-process
/// donors on loopback, against a raw socket moving the same bytes over one connection in the same run.
/// </summary>
/// <remarks>
/// A small sync first warms up (JIT) every code path of a sync. Each case then runs several repetitions in one group,
/// each preceded by its own raw-socket baseline, and reports the median of the per-repetition ratios, so a load swing
/// on this shared machine hits a sync and its baseline alike. Between repetitions the donors step their revision by
/// one and the joiner goes back to revision 0 with different content, so every repetition moves the full 1 GiB.
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
        var joinerData = new float[TensorCount][];
        for (int p = 0; p <= donors; p++)
        {
            bool joiner = p == donors;
            var tensors = new SharedTensor[TensorCount];
            for (int t = 0; t < TensorCount; t++)
            {
                float[] data = GC.AllocateUninitializedArray<float>(TensorElements, pinned: true);
                data.AsSpan().Fill(t + 0.5f);
                tensors[t] = SharedTensor.Create($"weights{t}", data.AsMemory());
                if (joiner)
                {
                    joinerData[t] = data;
                }
            }

            states[p] = new SharedTensorSet(revision, tensors);
        }

        // Joined after the (slow) allocation of the state, so no peer sits through it with only heartbeats to do.
        await using var group = new InProcessGroup();
        for (int i = 0; i <= donors; i++)
        {
            await group.JoinAsync();
        }

        var times = new List<double>();
        var ratios = new List<double>();
        var raws = new List<double>();
        for (int r = 0; r < repetitions; r++)
        {
            for (int p = 0; p < donors; p++)
            {
                states[p].Revision = revision + (ulong)r; // the group adopted revision + r - 1 at the previous repetition
            }

            states[donors].Revision = 0;
            foreach (float[] data in joinerData)
            {
                data.AsSpan().Fill(-1f);
            }

            // Baseline right before the sync, with the same memory allocated, so both see the same machine state.
            double rawGBps = await TransportBenchmark.RawSocketAsync(256 << 20, TensorCount) * 1.073741824;
            var clock = Stopwatch.StartNew();
            SharedStateSyncInfo[] infos = await Task.WhenAll(group.Peers.Select((peer, p) => peer.SynchronizeSharedStateAsync(states[p])));
            double seconds = clock.Elapsed.TotalSeconds;
            SharedStateSyncInfo joinerInfo = infos[donors];
            double gbps = joinerInfo.RxBytes / seconds / 1e9;
            Console.WriteLine($"{donors} donor(s), repetition {r + 1}: raw socket {rawGBps:F2} GB/s; sync {seconds * 1e3:F1} ms, joiner received "
                + $"{joinerInfo.RxBytes >> 20} MiB (rev {joinerInfo.Revision}), {gbps:F2} GB/s, ratio {gbps / rawGBps:F2}");
            if (joinerInfo.RxBytes < StateBytes || !joinerData.All(d => d.AsSpan().IndexOfAnyExcept(Array.IndexOf(joinerData, d) + 0.5f) < 0))
            {
                Console.WriteLine($"  WARNING: joiner received {joinerInfo.RxBytes} bytes of {StateBytes}, or its state differs from the donors'");
            }

            times.Add(seconds * 1e3);
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
}
