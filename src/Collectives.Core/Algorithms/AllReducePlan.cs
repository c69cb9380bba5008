namespace Collectives.Algorithms;

/// <summary>Which all-reduce algorithm a run uses. Every peer decides from the same descriptor and ring, so all agree.</summary>
internal enum AllReduceAlgorithm
{
    /// <summary>Pipelined ring (reduce-scatter + all-gather): bandwidth-optimal, 2(N−1) sequential hops.</summary>
    Ring,

    /// <summary>Everyone sends its input to everyone, everyone folds in rank order: one hop, for small buffers.</summary>
    Direct,
}

/// <summary>The choice between the ring and the direct all-reduce.</summary>
internal static class AllReducePlan
{
    /// <summary>Largest input sent whole to every peer. Beyond it the ring's lower volume wins even on loopback.</summary>
    public const int DirectMaxInputBytes = 64 << 10;

    /// <summary>Largest total a peer sends in a direct run (input × (N − 1)).</summary>
    public const long DirectMaxSentBytes = 256 << 10;

    /// <summary>Largest world for the direct all-reduce: it opens a link to every peer, the ring only to one.</summary>
    public const int DirectMaxWorldSize = 16;

    /// <summary>
    /// Direct for non-empty, unquantized inputs of at most <see cref="DirectMaxInputBytes"/> whose total fan-out stays
    /// within <see cref="DirectMaxSentBytes"/>, in worlds of 2 to <see cref="DirectMaxWorldSize"/>; the ring otherwise.
    /// Quantized runs always use the ring: its owner-quantizes-once scheme is what keeps them bit-identical.
    /// </summary>
    public static AllReduceAlgorithm Choose(long inputBytes, int worldSize, bool quantized) =>
        !quantized && worldSize is >= 2 and <= DirectMaxWorldSize && inputBytes is > 0 and <= DirectMaxInputBytes
            && inputBytes * (worldSize - 1) <= DirectMaxSentBytes
            ? AllReduceAlgorithm.Direct
            : AllReduceAlgorithm.Ring;
}
