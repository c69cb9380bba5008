namespace Collectives.Algorithms.Kernels;

/// <summary>
/// Argument checks shared by the reduction kernels. They run once per call, never per element, so that
/// a caller's bug (a torn chunk, a wrong type, overlapping buffers) fails loudly instead of reducing garbage.
/// </summary>
internal static class KernelArguments
{
    public static void RequireDefined(DataType type, string paramName)
    {
        if (!DataTypes.IsDefined(type))
        {
            throw new ArgumentOutOfRangeException(paramName, type, "unknown data type");
        }
    }

    public static void RequireDefined(ReduceOp op, string paramName)
    {
        if (op is < ReduceOp.Sum or > ReduceOp.Min)
        {
            throw new ArgumentOutOfRangeException(paramName, op, "unknown reduce operation");
        }
    }

    /// <summary>The number of <paramref name="type"/> elements in <paramref name="buffer"/>, which must hold whole elements.</summary>
    public static int ElementCount(DataType type, ReadOnlySpan<byte> buffer, string paramName)
    {
        int size = DataTypes.SizeOf(type);
        if (buffer.Length % size != 0)
        {
            throw new ArgumentException($"length {buffer.Length} is not a multiple of the {type} element size {size}", paramName);
        }

        return buffer.Length / size;
    }

    public static void RequireElements(DataType type, int count, ReadOnlySpan<byte> buffer, string paramName)
    {
        long expected = (long)count * DataTypes.SizeOf(type);
        if (buffer.Length != expected)
        {
            throw new ArgumentException($"length {buffer.Length} does not hold exactly {count} {type} elements ({expected} bytes)", paramName);
        }
    }

    /// <summary>
    /// Element-wise kernels may write over a source they have already read only when both cover exactly the
    /// same bytes; any other overlap would feed already-written results back in as inputs.
    /// </summary>
    public static void RequireSameOrDisjoint(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, string paramName)
    {
        if (source.Overlaps(destination, out int offset) && !(offset == 0 && source.Length == destination.Length))
        {
            throw new ArgumentException("the destination partially overlaps a source buffer", paramName);
        }
    }

    public static void RequireDisjoint(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, string paramName)
    {
        if (source.Overlaps(destination))
        {
            throw new ArgumentException("the destination overlaps a source buffer of a different element type", paramName);
        }
    }
}
