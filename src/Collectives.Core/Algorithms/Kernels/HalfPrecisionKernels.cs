using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Collectives.Algorithms.Kernels;

/// <summary>
/// The 16-bit float inputs (float16 and bfloat16), which reduce in float32. Values are widened exactly,
/// combined in float32 by the same <see cref="ElementwiseOps"/> as float32 itself, and rounded once, to
/// nearest even, by the chunk owner. Work goes block by block through a small stack buffer so the widened
/// values stay in L1 and nothing is allocated; callers validate lengths and overlap.
/// </summary>
internal static class HalfPrecisionKernels
{
    // 1024 float32 = 4 KiB: big enough to amortise the per-call cost of TensorPrimitives,
    // small enough that the block and its operands stay in L1 next to each other.
    private const int BlockElements = 1024;

    [SkipLocalsInit]
    public static void CombineInput(DataType inputType, ReduceOp op, ReadOnlySpan<byte> input, ReadOnlySpan<float> incoming, Span<float> destination)
    {
        Span<float> widened = stackalloc float[BlockElements];
        for (int start = 0; start < incoming.Length; start += BlockElements)
        {
            int count = Math.Min(BlockElements, incoming.Length - start);
            Span<float> block = widened[..count];
            Widen(inputType, input.Slice(start * sizeof(ushort), count * sizeof(ushort)), block);
            ElementwiseOps.Apply<float>(op, block, incoming.Slice(start, count), destination.Slice(start, count));
        }
    }

    public static void Widen(DataType inputType, ReadOnlySpan<byte> input, Span<float> destination)
    {
        if (inputType == DataType.Float16)
        {
            TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(input), destination);
        }
        else
        {
            BFloat16Conversion.Widen(MemoryMarshal.Cast<byte, ushort>(input), destination);
        }
    }

    [SkipLocalsInit]
    public static void Finalize(DataType inputType, ReduceOp op, int worldSize, ReadOnlySpan<float> accumulator, Span<byte> destination)
    {
        if (op != ReduceOp.Avg)
        {
            Narrow(inputType, accumulator, destination);
            return;
        }

        // The quotient is rounded to float32 first and then to 16 bits: the same two steps a float32 Avg
        // followed by a cast would take, which the reference and every peer reproduce bit for bit.
        float divisor = worldSize;
        Span<float> quotients = stackalloc float[BlockElements];
        for (int start = 0; start < accumulator.Length; start += BlockElements)
        {
            int count = Math.Min(BlockElements, accumulator.Length - start);
            Span<float> block = quotients[..count];
            TensorPrimitives.Divide(accumulator.Slice(start, count), divisor, block);
            Narrow(inputType, block, destination.Slice(start * sizeof(ushort), count * sizeof(ushort)));
        }
    }

    private static void Narrow(DataType inputType, ReadOnlySpan<float> source, Span<byte> destination)
    {
        if (inputType == DataType.Float16)
        {
            TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(destination));
        }
        else
        {
            BFloat16Conversion.Narrow(source, MemoryMarshal.Cast<byte, ushort>(destination));
        }
    }
}
