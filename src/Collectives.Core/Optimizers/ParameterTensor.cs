namespace Collectives.Optimizers;

/// <summary>
/// One float32 parameter tensor of the model that the inner optimizer trains: a view of the caller's memory (an array,
/// a <see cref="Memory{T}"/>, or native memory such as a TorchSharp CPU tensor). The outer optimizers read it to form
/// the pseudo-gradient and overwrite it with the outer parameters; nothing is copied out of it beyond that.
/// </summary>
public sealed class ParameterTensor
{
    private readonly Memory<float> _memory;

    private ParameterTensor(Memory<float> memory) => _memory = memory;

    /// <summary>Number of elements.</summary>
    public int Length => _memory.Length;

    /// <summary>The parameter's elements (the caller's memory).</summary>
    public Span<float> Span => _memory.Span;

    /// <summary>The same elements as <see cref="Memory{T}"/>, for example to all-reduce gradients held in native memory.</summary>
    public Memory<float> Memory => _memory;

    /// <summary>A tensor over managed memory; the memory is used in place.</summary>
    public static ParameterTensor FromMemory(Memory<float> memory) => new(memory);

    /// <summary>A tensor over a whole array; the array is used in place.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="array"/> is null.</exception>
    public static ParameterTensor FromArray(float[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        return new ParameterTensor(array);
    }

    /// <summary>
    /// A tensor over native memory (for example a contiguous CPU tensor's data pointer). The caller keeps the memory
    /// valid, and the tensor contiguous, for as long as the optimizer that uses it lives.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is null with a positive length, or the length is negative.</exception>
    public static unsafe ParameterTensor FromPointer(float* data, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (data is null && length != 0)
        {
            throw new ArgumentException("null data with a positive length", nameof(data));
        }

        return new ParameterTensor(new NativeFloatMemory(data, length).Memory);
    }

    /// <summary>As <see cref="FromPointer(float*, int)"/>, for callers that hold the address as an integer (TorchSharp's <c>data_ptr()</c>).</summary>
    /// <exception cref="ArgumentException"><paramref name="address"/> is zero with a positive length, or the length is negative.</exception>
    public static unsafe ParameterTensor FromPointer(nint address, int length) => FromPointer((float*)address, length);
}
