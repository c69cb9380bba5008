using System.Buffers;
using System.Runtime.InteropServices;
using Collectives.Internal;

namespace Collectives.SharedState;

/// <summary>
/// One named tensor of shared state: the library reads it to hash and to send, and writes it when this peer fetches
/// the elected content. The memory is the caller's (arrays, <see cref="Memory{T}"/>, native pointers, tensors): no copy.
/// </summary>
public sealed class SharedTensor
{
    private readonly Func<(MemoryHandle Pin, Memory<byte> Bytes)> _pin;

    private SharedTensor(string name, DataType dataType, long count, bool allowContentInequality, Func<(MemoryHandle, Memory<byte>)> pin)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        DataType = dataType;
        Count = count;
        AllowContentInequality = allowContentInequality;
        _pin = pin;
    }

    /// <summary>Unique name within its <see cref="SharedTensorSet"/>.</summary>
    public string Name { get; }

    /// <summary>Element type.</summary>
    public DataType DataType { get; }

    /// <summary>Number of elements.</summary>
    public long Count { get; }

    /// <summary>True when peers may hold different content here (never compared, never transferred).</summary>
    public bool AllowContentInequality { get; }

    /// <summary>Size in bytes.</summary>
    public long ByteLength => Count * DataTypes.SizeOf(DataType);

    /// <summary>A tensor over managed or pinned memory; <paramref name="dataType"/> overrides the inferred type (bfloat16 in ushort).</summary>
    /// <exception cref="CollectivesException">InvalidArgument: the type does not fit the element type.</exception>
    public static SharedTensor Create<T>(string name, Memory<T> memory, bool allowContentInequality = false, DataType? dataType = null)
        where T : unmanaged
    {
        DataType type = dataType ?? ElementTypes.Of<T>();
        int size = DataTypes.SizeOf(type);
        long bytes = (long)memory.Length * Marshal.SizeOf<T>();
        if (bytes % size != 0)
        {
            throw new CollectivesException(ErrorCode.InvalidArgument, $"{name}: {bytes} bytes is not a whole number of {type} elements");
        }

        return new SharedTensor(name, type, bytes / size, allowContentInequality, () =>
        {
            MemoryHandle pin = memory.Pin();
            unsafe
            {
                return (pin, new UnmanagedMemory(pin.Pointer, checked((int)bytes)).Memory);
            }
        });
    }

    /// <summary>A tensor over native memory that the caller keeps valid for every sync that uses it.</summary>
    public static unsafe SharedTensor FromPointer(string name, void* data, long count, DataType dataType, bool allowContentInequality = false)
    {
        if (data is null && count != 0)
        {
            throw new CollectivesException(ErrorCode.InvalidArgument, $"{name}: null data with {count} elements");
        }

        if (!DataTypes.IsDefined(dataType))
        {
            throw new CollectivesException(ErrorCode.InvalidArgument, $"{name}: unknown data type {(int)dataType}");
        }

        int bytes = checked((int)(count * DataTypes.SizeOf(dataType)));
        nint address = (nint)data;
        return new SharedTensor(name, dataType, count, allowContentInequality,
            () => (default, new UnmanagedMemory((void*)address, bytes).Memory));
    }

    internal (MemoryHandle Pin, Memory<byte> Bytes) Pin() => _pin();
}
