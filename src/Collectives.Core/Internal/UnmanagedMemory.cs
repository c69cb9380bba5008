using System.Buffers;

namespace Collectives.Internal;

/// <summary>
/// Exposes pinned or native memory as <see cref="Memory{T}"/> of bytes, so buffers of any element type (arrays,
/// <see cref="Memory{T}"/>, pointers from the C ABI, tensors) flow through the byte-oriented data path without copies.
/// The owner guarantees the memory stays valid and pinned while the manager is in use.
/// </summary>
internal sealed unsafe class UnmanagedMemory : MemoryManager<byte>
{
    private readonly byte* _pointer;
    private readonly int _length;

    public UnmanagedMemory(void* pointer, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _pointer = (byte*)pointer;
        _length = length;
    }

    public override Span<byte> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
