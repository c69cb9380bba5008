using System.Runtime.InteropServices;

namespace Collectives.Algorithms.Kernels;

/// <summary>
/// The element-wise reduction steps of the ring all-reduce (SPEC §4), as pure functions over raw byte buffers.
/// </summary>
/// <remarks>
/// <para>
/// Buffers hold elements of the stated <see cref="DataType"/> and may be unaligned; their lengths must be whole
/// elements and the buffers of one call must hold the same number of elements, else <see cref="ArgumentException"/>
/// (checked once per call). An undefined type or op throws <see cref="ArgumentOutOfRangeException"/>.
/// </para>
/// <para>
/// Semantics: integers wrap on overflow; Avg reduces as Sum and divides once in <see cref="Finalize"/>; float Max/Min
/// are IEEE 754-2019 maximum/minimum (NaN propagates, +0 &gt; −0). Float16 and BFloat16 reduce in float32
/// (<see cref="DataTypes.AccumulatorOf"/>) and are rounded once, to nearest even, in <see cref="Finalize"/>.
/// The kernels are deterministic: vector widths and scalar tails give the same bits (NaN payloads aside),
/// so a chunk's bits depend only on its inputs and the order in which they were combined.
/// </para>
/// <para>Nothing is allocated; float16/bfloat16 kernels use a 4 KiB stack block.</para>
/// </remarks>
internal static class ReduceKernels
{
    /// <summary>
    /// <c>destination = op(widen(input), incoming)</c>: a peer folds its own input into the partial result it received.
    /// <paramref name="input"/> is in <paramref name="inputType"/>; <paramref name="incoming"/> and
    /// <paramref name="destination"/> are in its accumulator type. <paramref name="destination"/> may be exactly
    /// <paramref name="incoming"/> (or exactly <paramref name="input"/> when the types are equal), never a partial overlap.
    /// </summary>
    public static void CombineInput(DataType inputType, ReduceOp op, ReadOnlySpan<byte> input, ReadOnlySpan<byte> incoming, Span<byte> destination)
    {
        KernelArguments.RequireDefined(inputType, nameof(inputType));
        KernelArguments.RequireDefined(op, nameof(op));
        DataType accumulatorType = DataTypes.AccumulatorOf(inputType);
        int count = KernelArguments.ElementCount(inputType, input, nameof(input));
        KernelArguments.RequireElements(accumulatorType, count, incoming, nameof(incoming));
        KernelArguments.RequireElements(accumulatorType, count, destination, nameof(destination));
        KernelArguments.RequireSameOrDisjoint(incoming, destination, nameof(destination));
        if (accumulatorType == inputType)
        {
            KernelArguments.RequireSameOrDisjoint(input, destination, nameof(destination));
            ElementwiseOps.Apply(inputType, op, input, incoming, destination);
        }
        else
        {
            KernelArguments.RequireDisjoint(input, destination, nameof(destination));
            HalfPrecisionKernels.CombineInput(inputType, op, input, AsFloats(incoming), AsFloats(destination));
        }
    }

    /// <summary>
    /// <c>accumulator = op(accumulator, incoming)</c>, both in <paramref name="accumulatorType"/>, which must be an
    /// accumulator type (not Float16 or BFloat16). <paramref name="incoming"/> may be exactly the accumulator, never a partial overlap.
    /// </summary>
    public static void Accumulate(DataType accumulatorType, ReduceOp op, Span<byte> accumulator, ReadOnlySpan<byte> incoming)
    {
        KernelArguments.RequireDefined(accumulatorType, nameof(accumulatorType));
        KernelArguments.RequireDefined(op, nameof(op));
        if (DataTypes.AccumulatorOf(accumulatorType) != accumulatorType)
        {
            throw new ArgumentException($"{accumulatorType} is not an accumulator type", nameof(accumulatorType));
        }

        int count = KernelArguments.ElementCount(accumulatorType, accumulator, nameof(accumulator));
        KernelArguments.RequireElements(accumulatorType, count, incoming, nameof(incoming));
        KernelArguments.RequireSameOrDisjoint(incoming, accumulator, nameof(accumulator));
        ElementwiseOps.Apply(accumulatorType, op, accumulator, incoming, accumulator);
    }

    /// <summary>
    /// <c>destination = widen(input)</c> into the accumulator type: the first contribution to a chunk. A plain copy
    /// (any overlap allowed) when the types are equal; otherwise the buffers must not overlap.
    /// </summary>
    public static void Widen(DataType inputType, ReadOnlySpan<byte> input, Span<byte> destination)
    {
        KernelArguments.RequireDefined(inputType, nameof(inputType));
        DataType accumulatorType = DataTypes.AccumulatorOf(inputType);
        int count = KernelArguments.ElementCount(inputType, input, nameof(input));
        KernelArguments.RequireElements(accumulatorType, count, destination, nameof(destination));
        if (accumulatorType == inputType)
        {
            input.CopyTo(destination);
            return;
        }

        KernelArguments.RequireDisjoint(input, destination, nameof(destination));
        HalfPrecisionKernels.Widen(inputType, input, AsFloats(destination));
    }

    /// <summary>
    /// The chunk owner's last step: <c>destination = narrow(op == Avg ? accumulator / worldSize : accumulator)</c>,
    /// <paramref name="destination"/> in <paramref name="inputType"/>. Integers divide truncating toward zero; floats
    /// divide truly (in float32 for Float16/BFloat16, then round to nearest even). <paramref name="destination"/> may be
    /// exactly <paramref name="accumulator"/> when the types are equal; otherwise they must not overlap.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="worldSize"/> is less than 1.</exception>
    public static void Finalize(DataType inputType, ReduceOp op, int worldSize, ReadOnlySpan<byte> accumulator, Span<byte> destination)
    {
        KernelArguments.RequireDefined(inputType, nameof(inputType));
        KernelArguments.RequireDefined(op, nameof(op));
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        DataType accumulatorType = DataTypes.AccumulatorOf(inputType);
        int count = KernelArguments.ElementCount(inputType, destination, nameof(destination));
        KernelArguments.RequireElements(accumulatorType, count, accumulator, nameof(accumulator));
        if (accumulatorType != inputType)
        {
            KernelArguments.RequireDisjoint(accumulator, destination, nameof(destination));
            HalfPrecisionKernels.Finalize(inputType, op, worldSize, AsFloats(accumulator), destination);
            return;
        }

        KernelArguments.RequireSameOrDisjoint(accumulator, destination, nameof(destination));
        if (op == ReduceOp.Avg)
        {
            AverageDivision.Divide(inputType, worldSize, accumulator, destination);
        }
        else
        {
            accumulator.CopyTo(destination);
        }
    }

    private static ReadOnlySpan<float> AsFloats(ReadOnlySpan<byte> bytes) => MemoryMarshal.Cast<byte, float>(bytes);

    private static Span<float> AsFloats(Span<byte> bytes) => MemoryMarshal.Cast<byte, float>(bytes);
}
