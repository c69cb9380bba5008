namespace Collectives.StressTests.Peer;

/// <summary>
/// The buffers one step all-reduces. Each peer fills them from its own seed, the revision and the current weights
/// (different on every peer, like real gradients), and refills them before every attempt of a step, because an
/// attempt that failed halfway leaves some buffers reduced.
/// </summary>
internal sealed class Gradients
{
    public Gradients(TrainingState state)
    {
        Weights = new float[state.Weights.Length];
        Momentum = new double[state.Momentum.Length];
        Half = new Half[state.Half.Length];
        BFloat = new ushort[state.BFloat.Length];
        Maxima = new long[4];
        Tally = new int[state.Tally.Length];
        int small = Math.Max(1, state.Weights.Length / 16);
        Products = new float[small];
        Minima = new double[small];
    }

    public float[] Weights { get; }

    public double[] Momentum { get; }

    public Half[] Half { get; }

    public ushort[] BFloat { get; }

    public long[] Maxima { get; }

    public int[] Tally { get; }

    public float[] Products { get; }

    public double[] Minima { get; }

    public void Fill(TrainingState state, int peerSeed)
    {
        var random = new Random(HashCode.Combine(peerSeed, state.Revision, state.Lineage));
        for (int i = 0; i < Weights.Length; i++)
        {
            Weights[i] = (0.1f * state.Weights[i]) + (random.NextSingle() - 0.5f);
        }

        for (int i = 0; i < Momentum.Length; i++)
        {
            Momentum[i] = random.NextDouble() - 0.5;
        }

        for (int i = 0; i < Half.Length; i++)
        {
            Half[i] = (Half)(random.NextSingle() - 0.5f);
        }

        for (int i = 0; i < BFloat.Length; i++)
        {
            BFloat[i] = BFloat16.FromSingle(random.NextSingle() - 0.5f);
        }

        Maxima[0] = peerSeed;
        Maxima[1] = (long)state.Revision;
        Maxima[2] = random.NextInt64();
        Maxima[3] = -random.NextInt64();
        Array.Clear(Tally);
        Tally[(peerSeed & int.MaxValue) % Tally.Length] = 1; // the sum counts who took part
        for (int i = 0; i < Products.Length; i++)
        {
            Products[i] = 1 + ((random.NextSingle() - 0.5f) / 64);
        }

        for (int i = 0; i < Minima.Length; i++)
        {
            Minima[i] = random.NextDouble();
        }
    }

    /// <summary>The deterministic update: every peer with the same state and the same reduced buffers gets the same bits.</summary>
    public void ApplyTo(TrainingState state)
    {
        for (int i = 0; i < state.Weights.Length; i++)
        {
            float extra = (Products[i % Products.Length] - 1) + (0.001f * (float)Minima[i % Minima.Length]);
            state.Weights[i] = (0.99f * state.Weights[i]) - (0.01f * Weights[i]) + (0.001f * extra);
        }

        for (int i = 0; i < state.Momentum.Length; i++)
        {
            state.Momentum[i] = (0.9 * state.Momentum[i]) + (0.1 * Momentum[i]);
        }

        for (int i = 0; i < state.Half.Length; i++)
        {
            state.Half[i] = (Half)((0.5f * (float)state.Half[i]) + (0.05f * (float)Half[i]));
        }

        for (int i = 0; i < state.BFloat.Length; i++)
        {
            state.BFloat[i] = BFloat16.FromSingle((0.5f * BFloat16.ToSingle(state.BFloat[i])) + (0.5f * BFloat16.ToSingle(BFloat[i])));
        }

        for (int i = 0; i < state.Tally.Length; i++)
        {
            state.Tally[i] += Tally[i];
        }

        state.Counters[0]++;
        state.Counters[1] = Maxima[2] ^ Maxima[3] ^ Maxima[0];
        state.Counters[2] += Tally.Sum();
        state.Revision++;
    }
}
