using System.IO.Hashing;
using System.Runtime.InteropServices;
using Collectives.SharedState;

namespace Collectives.StressTests.Peer;

/// <summary>
/// The shared state of a simulated trainer: tensors of several types (float32, float64, float16, bfloat16, int64,
/// int32) plus one per-peer tensor that may differ between peers. Every peer starts from the same content for a run
/// seed, so the first peers of a run agree without a transfer.
/// </summary>
internal sealed class TrainingState
{
    /// <summary>Index of the lineage id in <see cref="Counters"/>: it changes only when a peer restarts a lost state.</summary>
    public const int LineageSlot = 3;

    public TrainingState(int size, int runSeed)
    {
        Weights = new float[size];
        Momentum = new double[Math.Max(1, size / 4)];
        Half = new Half[Math.Max(1, size / 8)];
        BFloat = new ushort[Math.Max(1, size / 8)];
        Counters = new long[4];
        Tally = new int[64];
        Local = new long[2];
        var random = new Random(runSeed);
        for (int i = 0; i < Weights.Length; i++)
        {
            Weights[i] = (random.NextSingle() * 2) - 1;
        }

        for (int i = 0; i < Momentum.Length; i++)
        {
            Momentum[i] = random.NextDouble();
        }

        for (int i = 0; i < Half.Length; i++)
        {
            Half[i] = (Half)random.NextSingle();
        }

        for (int i = 0; i < BFloat.Length; i++)
        {
            BFloat[i] = BFloat16.FromSingle(random.NextSingle());
        }

        Set = new SharedTensorSet(0,
        [
            SharedTensor.Create("weights", Weights.AsMemory()),
            SharedTensor.Create("momentum", Momentum.AsMemory()),
            SharedTensor.Create("half", Half.AsMemory()),
            SharedTensor.Create("bfloat", BFloat.AsMemory(), dataType: DataType.BFloat16),
            SharedTensor.Create("counters", Counters.AsMemory()),
            SharedTensor.Create("tally", Tally.AsMemory()),
            // Like a data loader's position: each peer's own, never compared nor transferred.
            SharedTensor.Create("local", Local.AsMemory(), allowContentInequality: true),
        ]);
    }

    public float[] Weights { get; }

    public double[] Momentum { get; }

    public Half[] Half { get; }

    public ushort[] BFloat { get; }

    public long[] Counters { get; }

    public int[] Tally { get; }

    public long[] Local { get; }

    public SharedTensorSet Set { get; }

    public ulong Revision
    {
        get => Set.Revision;
        set => Set.Revision = value;
    }

    public long Lineage => Counters[LineageSlot];

    /// <summary>Starts a new history from this content (the previous one is lost to the run).</summary>
    public void StartLineage(long lineage)
    {
        Counters[LineageSlot] = lineage;
        Revision = 0;
    }

    /// <summary>XXH3 of every tensor that must be identical across peers, in a fixed order.</summary>
    public ulong Hash()
    {
        var hasher = new XxHash3();
        hasher.Append(MemoryMarshal.AsBytes(Weights.AsSpan()));
        hasher.Append(MemoryMarshal.AsBytes(Momentum.AsSpan()));
        hasher.Append(MemoryMarshal.AsBytes(Half.AsSpan()));
        hasher.Append(MemoryMarshal.AsBytes(BFloat.AsSpan()));
        hasher.Append(MemoryMarshal.AsBytes(Counters.AsSpan()));
        hasher.Append(MemoryMarshal.AsBytes(Tally.AsSpan()));
        return hasher.GetCurrentHashAsUInt64();
    }
}
