using System.Runtime.CompilerServices;

namespace Collectives.Quantization;

/// <summary>
/// Sixteen float64 partial sums; element i of a piece always goes to lane i mod 16, in index order. Every kernel
/// width holds the sixteen lanes in registers (2 × Vector512, 4 × Vector256, 8 × Vector128 or 16 scalars), so
/// each lane sees the same additions in the same order and the total is bit-identical on every machine.
/// </summary>
[InlineArray(Count)]
internal struct LaneSums
{
    public const int Count = 16;

    private double _lane;

    /// <summary>Adds the lanes in a fixed pairwise tree.</summary>
    public readonly double Total()
    {
        Span<double> sums = stackalloc double[Count];
        ((ReadOnlySpan<double>)this).CopyTo(sums);
        for (int stride = 1; stride < Count; stride *= 2)
        {
            for (int lane = 0; lane < Count; lane += 2 * stride)
            {
                sums[lane] += sums[lane + stride];
            }
        }

        return sums[0];
    }
}
