using Collectives.Internal;
using Collectives.Quantization;

namespace Collectives.Interop;

/// <summary>
/// One all-reduce as the C API describes it (raw buffers plus a descriptor), validated once and turned into the
/// library's byte-level call. The caller keeps the buffers valid until the operation settled.
/// </summary>
internal readonly struct ReduceCall
{
    private ReduceCall(Memory<byte> send, Memory<byte> receive, bool inPlace, long count, DataType type, ReduceOp op, ulong tag,
        QuantizationOptions quantization)
    {
        Send = send;
        Receive = receive;
        InPlace = inPlace;
        Count = count;
        Type = type;
        Op = op;
        Tag = tag;
        Quantization = quantization;
    }

    public Memory<byte> Send { get; }

    public Memory<byte> Receive { get; }

    public bool InPlace { get; }

    public long Count { get; }

    public DataType Type { get; }

    public ReduceOp Op { get; }

    public ulong Tag { get; }

    public QuantizationOptions Quantization { get; }

    /// <summary>Validates buffers and descriptor.</summary>
    /// <exception cref="CollectivesException">InvalidArgument for NULLs, unknown enums, overlap, or a buffer of 2 GiB or more.</exception>
    public static unsafe ReduceCall Create(void* send, void* receive, AbiReduceDescriptor* descriptor)
    {
        if (descriptor is null)
        {
            throw AbiConvert.Invalid("descriptor is NULL");
        }

        return Create(send, receive, *descriptor);
    }

    /// <inheritdoc cref="Create(void*, void*, AbiReduceDescriptor*)"/>
    public static unsafe ReduceCall Create(void* send, void* receive, in AbiReduceDescriptor descriptor)
    {
        if (send is null || receive is null)
        {
            throw AbiConvert.Invalid(send is null ? "sendbuff is NULL" : "recvbuff is NULL");
        }

        DataType type = AbiConvert.ToDataType(descriptor.Source.DataType);
        AbiConvert.CheckDistributionHint(descriptor.Source.DistributionHint);
        ReduceOp op = AbiConvert.ToReduceOp(descriptor.Op);
        QuantizationOptions quantization = AbiConvert.ToQuantization(descriptor.Quantization);

        // Memory<byte> spans at most int.MaxValue bytes; larger tensors are split by the caller into several tags.
        ulong bytes = (ulong)descriptor.Count * (ulong)DataTypes.SizeOf(type);
        if (descriptor.Count > int.MaxValue || bytes > int.MaxValue)
        {
            throw AbiConvert.Invalid($"{descriptor.Count} elements of {type} exceed the 2 GiB limit of one operation; split it into several tags");
        }

        bool inPlace = send == receive;
        if (!inPlace && Overlaps((byte*)send, (byte*)receive, (long)bytes))
        {
            throw AbiConvert.Invalid("sendbuff and recvbuff overlap without being equal; use the same pointer for in-place or disjoint buffers");
        }

        Memory<byte> sendMemory = new UnmanagedMemory(send, (int)bytes).Memory;
        Memory<byte> receiveMemory = inPlace ? sendMemory : new UnmanagedMemory(receive, (int)bytes).Memory;
        return new ReduceCall(sendMemory, receiveMemory, inPlace, (long)descriptor.Count, type, op, descriptor.Tag, quantization);
    }

    /// <summary>Starts the operation on <paramref name="communicator"/>.</summary>
    public Task<AllReduceInfo> StartOn(Communicator communicator) =>
        communicator.AllReduceBytesAsync(Send, Receive, InPlace, Count, Type, Op, Tag, Quantization, CancellationToken.None);

    /// <summary>The same operation as an entry of an all-reduce-many batch.</summary>
    public AllReduceRequest ToRequest() =>
        AllReduceRequest.Create((ReadOnlyMemory<byte>)Send, Receive, Op, Tag, new AllReduceOptions { DataType = Type, Quantization = Quantization });

    private static unsafe bool Overlaps(byte* a, byte* b, long length) => length > 0 && a < b + length && b < a + length;
}
