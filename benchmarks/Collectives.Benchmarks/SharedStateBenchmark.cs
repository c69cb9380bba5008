using System.Diagnostics;
using System.Runtime.InteropServices;
using Collectives.SharedState;

namespace Collectives.Benchmarks;

/// <summary>
/// Tensor hashing throughput over 1 GiB, then a joiner fetching 1 GiB of shared state from 1 and from 3 in-process
/// donors on loopback, against a raw socket moving the same bytes over one connection in the same run.
/// </summary>
internal static class SharedStateBenchmark
{
    private const int TensorCount = 4;
    private const int TensorElements = 64 << 20; // 256 MiB of float32
    private const long StateBytes = (long)TensorCount * TensorElements * sizeof(float);

    public static async Task RunAsync(string[] args)
    {
        _ = args;
        Hashing();
        await TransportBenchmark.RawSocketAsync(16 << 20, 4); // warm-up of the socket path
        foreach (int donors in new[] { 1, 3 })
        {
            await SyncAsync(donors);
        }
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

    private static async Task SyncAsync(int donors)
    {
        await using var group = new InProcessGroup();
        for (int i = 0; i <= donors; i++)
        {
            await group.JoinAsync();
        }

        const ulong revision = 7;
        var states = new SharedTensorSet[donors + 1];
        for (int p = 0; p <= donors; p++)
        {
            bool joiner = p == donors;
            var tensors = new SharedTensor[TensorCount];
            for (int t = 0; t < TensorCount; t++)
            {
                float[] data = GC.AllocateUninitializedArray<float>(TensorElements, pinned: true);
                data.AsSpan().Fill(joiner ? -1f : t + 0.5f);
                tensors[t] = SharedTensor.Create($"weights{t}", data.AsMemory());
            }

            states[p] = new SharedTensorSet(joiner ? 0 : revision, tensors);
        }

        // Baseline right before the sync, with the same memory allocated, so both see the same machine state.
        double rawGBps = await TransportBenchmark.RawSocketAsync(256 << 20, TensorCount) * 1.073741824;
        Console.WriteLine($"raw socket baseline, one connection, 1 GiB: {rawGBps:F2} GB/s");
        Report.Result($"sharedstate_sync_{donors}donor_raw_socket", rawGBps, "GB/s");
        var clock = Stopwatch.StartNew();
        SharedStateSyncInfo[] infos = await Task.WhenAll(group.Peers.Select((peer, p) => peer.SynchronizeSharedStateAsync(states[p])));
        double seconds = clock.Elapsed.TotalSeconds;
        SharedStateSyncInfo joinerInfo = infos[donors];
        double gbps = joinerInfo.RxBytes / seconds / 1e9;
        Console.WriteLine($"sync from {donors} donor(s): {seconds * 1e3:F1} ms, joiner received {joinerInfo.RxBytes >> 20} MiB (rev {joinerInfo.Revision}), "
            + $"{gbps:F2} GB/s, ratio to raw socket {gbps / rawGBps:F2}");
        Report.Result($"sharedstate_sync_{donors}donor_time", seconds * 1e3, "ms");
        Report.Result($"sharedstate_sync_{donors}donor_throughput", gbps, "GB/s");
        Report.Result($"sharedstate_sync_{donors}donor_ratio", gbps / rawGBps, "x");
        if (joinerInfo.RxBytes < StateBytes)
        {
            Console.WriteLine($"  WARNING: joiner received {joinerInfo.RxBytes} bytes, less than the {StateBytes} bytes of state");
        }
    }
}
