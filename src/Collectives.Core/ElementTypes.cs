namespace Collectives;

/// <summary>Maps .NET element types to <see cref="DataType"/>.</summary>
public static class ElementTypes
{
    /// <summary>The <see cref="DataType"/> of <typeparamref name="T"/>.</summary>
    /// <exception cref="CollectivesException">InvalidArgument for a type the library does not reduce.</exception>
    public static DataType Of<T>() where T : unmanaged =>
        typeof(T) == typeof(byte) ? DataType.UInt8
        : typeof(T) == typeof(sbyte) ? DataType.Int8
        : typeof(T) == typeof(short) ? DataType.Int16
        : typeof(T) == typeof(ushort) ? DataType.UInt16
        : typeof(T) == typeof(int) ? DataType.Int32
        : typeof(T) == typeof(uint) ? DataType.UInt32
        : typeof(T) == typeof(long) ? DataType.Int64
        : typeof(T) == typeof(ulong) ? DataType.UInt64
        : typeof(T) == typeof(float) ? DataType.Float32
        : typeof(T) == typeof(double) ? DataType.Float64
        : typeof(T) == typeof(Half) ? DataType.Float16
        : throw new CollectivesException(ErrorCode.InvalidArgument, $"{typeof(T).Name} is not a supported element type");
}
