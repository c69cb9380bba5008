using System.Buffers;

namespace Collectives.Optimizers;

/// <summary>Native float memory as <see cref="Memory{T}"/>, so pointer-backed parameters flow through the same span kernels.</summary>
internal sealed unsafe class NativeFloatMemory : MemoryManager<float>
{
    private readonly float* _pointer;
    private readonly int _length;

    public NativeFloatMemory(float* pointer, int length)
    {
        _pointer = pointer;
        _length = length;
    }

    public override Span<float> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
