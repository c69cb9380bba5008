using System.Diagnostics;
using System.Runtime.InteropServices;
using Collectives.Quantization;

namespace Collectives.Benchmarks;

/// <summary>
/// Single-core quantization kernel throughput (GB/s of input), then an in-process all-reduce of 64 MiB float32,
/// plain against quantized (MinMax, UInt8), with every peer's inbound traffic capped by a user-space relay.
/// </summary>
internal static class QuantizationBenchmark
{
    private const int PieceElements = 64 << 10;
    private const int BufferElements = 64 << 20; // 256 MiB of float32: well past the caches
    private static readonly TimeSpan Timed = TimeSpan.FromSeconds(2);

    public static async Task RunAsync(string[] args)
    {
        int peers = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 3;
        Kernels();
        await EndToEndAsync(peers, 1e9);
    }

    private static void Kernels()
    {
        Console.WriteLine($"quantization kernels, single thread, {PieceElements >> 10} Ki-element pieces over {BufferElements * 4L >> 20} MiB, GB/s = 1e9 bytes of float32 input per second");
        float[] source = new float[BufferElements];
        var random = new Random(1);
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = (float)(random.NextDouble() * 2 - 1);
        }

        int pieceBytes = PieceElements * sizeof(float);
        int pieces = BufferElements / PieceElements;
        float[] accumulator = new float[BufferElements];
        foreach (QuantizationAlgorithm algorithm in new[] { QuantizationAlgorithm.MinMax, QuantizationAlgorithm.ZeroPointScale })
        {
            foreach (DataType code in new[] { DataType.UInt8, DataType.UInt16 })
            {
                var options = new QuantizationOptions(algorithm, code);
                int encodedSize = Quantizer.EncodedSize(options, PieceElements);
                byte[] encoded = new byte[(long)encodedSize * pieces];
                double quantize = Measure(pieces, p => Quantizer.Quantize(DataType.Float32, options,
                    MemoryMarshal.AsBytes(source.AsSpan(p * PieceElements, PieceElements)), encoded.AsSpan(p * encodedSize, encodedSize)), pieceBytes);
                double accumulate = Measure(pieces, p => Quantizer.DequantizeAccumulate(DataType.Float32, ReduceOp.Sum, options,
                    encoded.AsSpan(p * encodedSize, encodedSize), MemoryMarshal.AsBytes(accumulator.AsSpan(p * PieceElements, PieceElements))), pieceBytes);
                string name = $"{algorithm}_{code}".ToLowerInvariant();
                Console.WriteLine($"  {algorithm,-15} {code,-7} quantize {quantize,6:F2} GB/s   dequantize-accumulate {accumulate,6:F2} GB/s");
                Report.Result($"quant_quantize_{name}", quantize, "GB/s");
                Report.Result($"quant_dequant_accumulate_{name}", accumulate, "GB/s");
            }
        }
    }

    // Warm-up pass over the buffer, then whole passes until the timed window is over.
    private static double Measure(int pieces, Action<int> kernel, int pieceBytes)
    {
        for (int p = 0; p < pieces; p++)
        {
            kernel(p);
        }

        long bytes = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Timed)
        {
            for (int p = 0; p < pieces; p++)
            {
                kernel(p);
            }

            bytes += (long)pieces * pieceBytes;
        }

        return bytes / clock.Elapsed.TotalSeconds / 1e9;
    }

    private static async Task EndToEndAsync(int n, double bitsPerSecond)
    {
        const int elements = 16 << 20; // 64 MiB float32
        const int iterations = 3;
        Console.WriteLine($"end to end: {n} in-process peers, 64 MiB float32 Sum, inbound of each peer capped at {bitsPerSecond / 1e9:0.##} Gbit/s by a user-space relay (token bucket, burst 256 KiB)");
        await using var group = new InProcessGroup();
        for (int i = 0; i < n; i++)
        {
            await group.JoinAsync(bitsPerSecond);
        }

        float[][] send = Enumerable.Range(0, n).Select(r => Enumerable.Range(0, elements).Select(i => (float)Math.Sin(i * 0.001 + r)).ToArray()).ToArray();
        float[][] receive = Enumerable.Range(0, n).Select(_ => new float[elements]).ToArray();
        var quantized = new AllReduceOptions { Quantization = new QuantizationOptions(QuantizationAlgorithm.MinMax, DataType.UInt8) };
        ulong tag = 1;

        async Task<(double Seconds, long Tx, long Relayed)> Run(AllReduceOptions? options)
        {
            var times = new List<double>();
            long tx = 0;
            long relayedBefore = group.Relays.Sum(r => Interlocked.Read(ref r.BytesForwarded));
            for (int it = 0; it < iterations + 1; it++)
            {
                ulong t = tag++;
                var clock = Stopwatch.StartNew();
                AllReduceInfo[] infos = await Task.WhenAll(group.Peers.Select((p, r) => p.AllReduceAsync<float>(send[r], receive[r], ReduceOp.Sum, t, options)));
                if (it > 0)
                {
                    times.Add(clock.Elapsed.TotalSeconds);
                }

                tx = infos.Sum(i => i.TxBytes);
            }

            long relayed = group.Relays.Sum(r => Interlocked.Read(ref r.BytesForwarded)) - relayedBefore;
            times.Sort();
            return (times[times.Count / 2], tx, relayed / (iterations + 1));
        }

        (double plainTime, long plainTx, long plainRelayed) = await Run(null);
        float check = receive[0][12345];
        (double quantTime, long quantTx, long quantRelayed) = await Run(quantized);
        float error = Math.Abs(receive[0][12345] - check);
        Console.WriteLine($"  plain     median {plainTime * 1e3,8:F1} ms  tx {plainTx >> 20} MiB (all peers)  relayed {plainRelayed >> 20} MiB");
        Console.WriteLine($"  quantized median {quantTime * 1e3,8:F1} ms  tx {quantTx >> 20} MiB (all peers)  relayed {quantRelayed >> 20} MiB  |error| at one element {error:G3}");
        Console.WriteLine($"  speedup {plainTime / quantTime:F2}x, tx ratio plain/quantized {(double)plainTx / quantTx:F2}");
        Report.Result($"quant_e2e_n{n}_plain_time", plainTime * 1e3, "ms");
        Report.Result($"quant_e2e_n{n}_quantized_time", quantTime * 1e3, "ms");
        Report.Result($"quant_e2e_n{n}_speedup", plainTime / quantTime, "x");
        Report.Result($"quant_e2e_n{n}_tx_ratio", (double)plainTx / quantTx, "x");
    }
}
