using System.Runtime.InteropServices;
using Collectives.Quantization;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Integration;

[TestFixture]
[CancelAfter(300_000)]
public class QuantizedAllReduceTests
{
    private static readonly DataType[] FloatTypes = [DataType.Float32, DataType.Float64, DataType.Float16, DataType.BFloat16];

    private static async Task<LocalRun> StartRunAsync(int peers)
    {
        var run = new LocalRun();
        for (int i = 0; i < peers; i++)
        {
            await run.JoinAsync();
        }

        return run;
    }

    private static double[] Decode(DataType type, byte[] bytes) => type switch
    {
        DataType.Float32 => MemoryMarshal.Cast<byte, float>(bytes).ToArray().Select(x => (double)x).ToArray(),
        DataType.Float64 => MemoryMarshal.Cast<byte, double>(bytes).ToArray(),
        DataType.Float16 => MemoryMarshal.Cast<byte, Half>(bytes).ToArray().Select(x => (double)x).ToArray(),
        _ => MemoryMarshal.Cast<byte, ushort>(bytes).ToArray().Select(x => (double)BitConverter.Int32BitsToSingle(x << 16)).ToArray(),
    };

    private static byte[] Encode(DataType type, double[] values) => type switch
    {
        DataType.Float32 => MemoryMarshal.AsBytes(values.Select(x => (float)x).ToArray().AsSpan()).ToArray(),
        DataType.Float64 => MemoryMarshal.AsBytes(values.AsSpan()).ToArray(),
        DataType.Float16 => MemoryMarshal.AsBytes(values.Select(x => (Half)x).ToArray().AsSpan()).ToArray(),
        _ => MemoryMarshal.AsBytes(values.Select(x => (ushort)(BitConverter.SingleToInt32Bits((float)x) >> 16)).ToArray().AsSpan()).ToArray(),
    };

    [TestCase(2)]
    [TestCase(3)]
    [TestCase(5)]
    public async Task QuantizedAllReduceIsBitIdenticalOnAllPeersAndWithinTheBound(int world)
    {
        await using LocalRun run = await StartRunAsync(world);
        ulong tag = 0;
        Gen<(DataType, QuantizationAlgorithm, DataType, ReduceOp, int, int)> cases =
            from type in Gen.Elements(FloatTypes)
            from algorithm in Gen.Elements(QuantizationAlgorithm.MinMax, QuantizationAlgorithm.ZeroPointScale)
            from code in Gen.Elements(DataType.UInt8, DataType.UInt16)
            from op in Gen.Elements(ReduceOp.Sum, ReduceOp.Avg, ReduceOp.Max, ReduceOp.Min)
            from count in Gen.OneOf(Gen.Constant(0), Gen.Choose(1, world), Gen.Choose(1000, 200_000))
            from seed in ArbMap.Default.GeneratorFor<int>()
            select (type, algorithm, code, op, count, seed);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var (type, algorithm, code, op, count, seed) = c;
            var random = new Random(seed);
            double[][] values = Enumerable.Range(0, world).Select(_ => Enumerable.Range(0, count).Select(_ => (random.NextDouble() * 2) - 1).ToArray()).ToArray();
            byte[][] buffers = values.Select(v => Encode(type, v)).ToArray();
            double[][] inputs = buffers.Select(b => Decode(type, b)).ToArray(); // the values as the type holds them
            var options = new AllReduceOptions { DataType = type, Quantization = new QuantizationOptions(algorithm, code) };
            ulong thisTag = ++tag;
            Task.WhenAll(run.Peers.Select((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), op, thisTag, options))).WaitAsync(LocalRun.Bound).GetAwaiter().GetResult();
            if (!buffers.All(b => b.AsSpan().SequenceEqual(buffers[0])))
            {
                return false;
            }

            // Each of the W quantizations (W−1 partial results and the final one) errs by at most half a code step of
            // a range no wider than W × the inputs' range (2); avg divides that by W. Plus rounding to the output type.
            double levels = code == DataType.UInt8 ? 255 - 3 : 65535 - 3;
            double bound = (world * world * 2.0 / (2 * levels)) * 1.01;
            bound = op == ReduceOp.Avg ? bound / world : bound;
            double typeSlack = type switch { DataType.Float16 => world * 2e-3, DataType.BFloat16 => world * 1.6e-2, _ => 1e-6 };
            double[] result = Decode(type, buffers[0]);
            if (algorithm == QuantizationAlgorithm.ZeroPointScale && op is ReduceOp.Max or ReduceOp.Min)
            {
                // Partial maxima are skewed: zero-point/scale covers mean ± kσ and clamps the tail, so its documented
                // bound adds each value's distance to that range; only parity is asserted here.
                return true;
            }

            for (int i = 0; i < count; i++)
            {
                double exact = op switch
                {
                    ReduceOp.Sum => inputs.Sum(x => x[i]),
                    ReduceOp.Avg => inputs.Sum(x => x[i]) / world,
                    ReduceOp.Max => inputs.Max(x => x[i]),
                    _ => inputs.Min(x => x[i]),
                };
                if (Math.Abs(result[i] - exact) > bound + typeSlack)
                {
                    TestContext.Out.WriteLine($"{type} {algorithm} {code} {op} n={count} i={i}: {result[i]} vs {exact} (bound {bound + typeSlack})");
                    return false;
                }
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(10));
    }

    [Test]
    public async Task Float32ToUInt8MovesAtMostAQuarterOfTheBytes()
    {
        await using LocalRun run = await StartRunAsync(3);
        const int count = 1 << 20;
        var plain = run.Peers.Select(_ => new float[count]).ToArray();
        var quantized = run.Peers.Select(_ => new float[count]).ToArray();
        var random = new Random(1);
        foreach (float[] buffer in plain.Concat(quantized))
        {
            for (int i = 0; i < count; i++)
            {
                buffer[i] = random.NextSingle();
            }
        }

        AllReduceInfo[] unquantized = await Task.WhenAll(run.Peers.Select((p, i) => p.AllReduceAsync(plain[i].AsMemory(), ReduceOp.Sum, 1))).WaitAsync(LocalRun.Bound);
        var options = new AllReduceOptions { Quantization = new QuantizationOptions(QuantizationAlgorithm.MinMax, DataType.UInt8) };
        AllReduceInfo[] infos = await Task.WhenAll(run.Peers.Select((p, i) => p.AllReduceAsync(quantized[i].AsMemory(), ReduceOp.Sum, 2, options))).WaitAsync(LocalRun.Bound);
        for (int i = 0; i < infos.Length; i++)
        {
            Assert.That(infos[i].TxBytes, Is.LessThanOrEqualTo(0.26 * unquantized[i].TxBytes), $"peer {i} tx");
            Assert.That(infos[i].RxBytes, Is.LessThanOrEqualTo(0.26 * unquantized[i].RxBytes), $"peer {i} rx");
        }
    }

    [Test]
    public async Task IntegerTypesCannotBeQuantized()
    {
        await using LocalRun run = await StartRunAsync(2);
        var options = new AllReduceOptions { Quantization = new QuantizationOptions(QuantizationAlgorithm.MinMax, DataType.UInt8) };
        var error = await Assert.CatchAsync<CollectivesException>(() => run.Peers[0].AllReduceAsync(new int[4].AsMemory(), ReduceOp.Sum, 1, options));
        Assert.That(error!.ErrorCode, Is.EqualTo(ErrorCode.InvalidArgument));
    }
}
