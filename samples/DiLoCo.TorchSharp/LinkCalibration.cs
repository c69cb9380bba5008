using System.Diagnostics;
using Collectives;

namespace DiLoCo.TorchSharp;

/// <summary>
/// What every run measures first, in its own peer processes: H inner steps with all peers computing at once and no
/// communication (compute-only), then the link rate at which one all-reduce of the parameters takes
/// <see cref="Settings.LinkFraction"/> of that. Decisions use values every peer holds after a max all-reduce, so all
/// peers set the same rate.
/// </summary>
internal sealed class LinkCalibration(Communicator peer, ThrottledRelay relay, Settings settings)
{
    private const ulong Tag = 820;

    /// <summary>This peer's compute-only phases, seconds each.</summary>
    public List<double> ComputePhases { get; } = [];

    /// <summary>This process's CPU seconds per all-reduce of the parameters in the last calibration round (peers idle: all of it is communication, the relay's included).</summary>
    public double ReduceCpu { get; private set; }

    /// <summary>The slowest peer's mean of every measured round, seconds, in order.</summary>
    public List<double> ComputeRounds { get; } = [];

    /// <summary>
    /// Compute-only that has settled: after <paramref name="warmUp"/> untimed phases, and at least
    /// <paramref name="minWarmUp"/> of them (a fresh peer computes up to 2× slower for its first several seconds, however
    /// many steps it ran: two slow rounds could agree with each other and pass for settled), rounds of
    /// <paramref name="phases"/> phases (each <see cref="MeasureComputeAsync"/>) until two consecutive rounds agree
    /// within 10 % or <paramref name="maxRounds"/> rounds ran; returns the mean of the last two rounds. Early rounds
    /// can be slower than the rest (JIT tiers, allocator, page faults), and the link is calibrated against this figure,
    /// so it must be the one the training will see.
    /// </summary>
    public async Task<(double Seconds, bool Settled)> MeasureSettledComputeAsync(TorchPeer model, int warmUp, TimeSpan minWarmUp, int phases, int maxRounds, ulong tag)
    {
        long started = Stopwatch.GetTimestamp();
        for (int phase = 0; phase < warmUp || Stopwatch.GetElapsedTime(started) < minWarmUp; phase++)
        {
            for (int h = 0; h < settings.InnerSteps; h++)
            {
                model.InnerStep();
            }
        }

        double previous = await MeasureComputeAsync(model, 0, phases, tag);
        for (int round = 1; round < maxRounds; round++)
        {
            double current = await MeasureComputeAsync(model, 0, phases, tag + (2 * (ulong)round));
            if (Agree(previous, current))
            {
                return ((previous + current) / 2, true);
            }

            previous = current;
        }

        return (previous, false);
    }

    /// <summary>Two compute-only figures agree when they differ by at most 10 % of the smaller.</summary>
    public static bool Agree(double a, double b) => Math.Abs(a - b) <= 0.1 * Math.Min(a, b);

    /// <summary>
    /// Seconds per H inner steps, all peers computing at once, free-running (no barrier between phases, as in an
    /// outer loop whose communication is hidden): the slowest peer's mean over <paramref name="phases"/> phases that
    /// follow <paramref name="warmUp"/> untimed ones.
    /// </summary>
    public async Task<double> MeasureComputeAsync(TorchPeer model, int warmUp, int phases, ulong tag)
    {
        // The first phases of a fresh process run on tier-0 JIT code and share the cores with the background JIT.
        for (int step = 0; step < warmUp * settings.InnerSteps; step++)
        {
            model.InnerStep();
        }

        await BarrierAsync(peer, tag);
        for (int phase = 0; phase < phases; phase++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int h = 0; h < settings.InnerSteps; h++)
            {
                model.InnerStep();
            }

            ComputePhases.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        double slowest = await MaxAsync(ComputePhases.TakeLast(phases).Average(), tag + 1);
        ComputeRounds.Add(slowest);
        return slowest;
    }

    /// <summary>Sets the link rate (or keeps the fixed one) and returns it with the all-reduce time it gives (peers idle).</summary>
    public async Task<(double Rate, double Reduce)> CalibrateAsync(double computeOnly, double? fixedRate)
    {
        double target = settings.LinkFraction * computeOnly;
        double rate = fixedRate ?? (4.0 * TorchPeer.ParameterCount * 2 * (settings.Peers - 1) / settings.Peers / target); // payload into each peer / target
        for (int round = 0; ; round++)
        {
            relay.BytesPerSecond = rate;
            double reduce = await MeasureAllReduceAsync(repeats: 5, Tag + 10 + ((ulong)round * 10));
            Console.WriteLine($"calibration round {round}: link {rate / 1e6:F3} MB/s, all-reduce {reduce * 1000:F1} ms (target {target * 1000:F1} ms)");
            if (fixedRate is not null || round == 4 || Math.Abs(reduce - target) < 0.05 * target)
            {
                return (rate, reduce);
            }

            rate *= Math.Clamp(reduce / target, 0.25, 4); // bounded: one disturbed round must not throw the rate far off
        }
    }

    /// <summary>A one-element all-reduce: returns when every peer got there.</summary>
    public static Task BarrierAsync(Communicator peer, ulong tag) => peer.AllReduceAsync(new float[1].AsMemory(), ReduceOp.Sum, tag);

    // Median of the slowest peer's timings of one all-reduce of the parameters' size.
    private async Task<double> MeasureAllReduceAsync(int repeats, ulong tag)
    {
        float[] buffer = new float[TorchPeer.ParameterCount];
        var times = new List<double>();
        TimeSpan cpu = TimeSpan.Zero;
        for (int i = 0; i <= repeats; i++)
        {
            TimeSpan cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            await peer.AllReduceAsync(buffer.AsMemory(), ReduceOp.Avg, tag + (ulong)i);
            times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            if (times[^1] > 2)
            {
                Console.WriteLine($"calibration all-reduce (tag {tag + (ulong)i}) took {times[^1]:F1} s");
            }
            cpu += i > 0 ? Process.GetCurrentProcess().TotalProcessorTime - cpuStart : TimeSpan.Zero;
        }

        ReduceCpu = cpu.TotalSeconds / repeats;

        return await MaxAsync(times.Skip(1).Order().ElementAt(repeats / 2), tag + 9);
    }

    private async Task<double> MaxAsync(double value, ulong tag)
    {
        double[] buffer = [value];
        await peer.AllReduceAsync(buffer.AsMemory(), ReduceOp.Max, tag);
        return buffer[0];
    }
}
