using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace Collectives.SharedState;

/// <summary>
/// Content hash of a shared-state tensor: XXH3-64 over its bytes, in a domain that includes the element type and
/// count, so equal bytes declared as different types (or the same bytes cut into a different number of elements)
/// never compare equal. Every <see cref="DataType"/> is hashed, 16-bit types included.
/// </summary>
/// <remarks>
/// <para>Format (version 1), a pure function of (type, count, bytes) and the fixed <see cref="BlockSize"/>:</para>
/// <list type="bullet">
/// <item><c>seed = XXH3-64("CLSS" ‖ version ‖ type ‖ count as u64 LE)</c>.</item>
/// <item>Up to <see cref="BlockSize"/> bytes: <c>XXH3-64(bytes, seed)</c>.</item>
/// <item>Larger: each <see cref="BlockSize"/> block (the last may be short) is hashed with <c>seed</c>, and the result
/// is <c>XXH3-64(blockHash0 ‖ blockHash1 ‖ … as u64 LE, seed)</c>. Blocks are independent, so they are hashed in
/// parallel; the combination is in block order, so the result never depends on the thread count.</item>
/// </list>
/// <para>Which branch applies follows from the byte length, which is part of the seed, so the two forms cannot be
/// confused. Changing the block size or the layout changes every hash: bump <see cref="FormatVersion"/> if you do.</para>
/// </remarks>
internal static class TensorHasher
{
    /// <summary>
    /// Bytes per independently hashed block. 8 MiB: large enough that per-block overhead (one task hand-off and one
    /// 8-byte write) is noise at tens of GB/s, small enough that a 64 MiB tensor already splits into 8 parallel blocks.
    /// </summary>
    internal const int BlockSize = 8 << 20;

    /// <summary>Version byte mixed into the seed; peers with different hash formats then never agree by accident.</summary>
    internal const byte FormatVersion = 1;

    private const int DomainHeaderLength = 4 + 1 + 1 + 8;

    /// <summary>Hashes <paramref name="bytes"/> as <c>bytes.Length / SizeOf(type)</c> elements of <paramref name="type"/>.</summary>
    /// <param name="bytes">The tensor's bytes.</param>
    /// <param name="type">The declared element type.</param>
    /// <param name="maxDegreeOfParallelism">Upper bound on threads for large tensors; -1 means the processor count, 1 hashes on the calling thread. The result is the same for every value.</param>
    /// <exception cref="ArgumentException">The length is not a whole number of elements, or the type is undefined.</exception>
    internal static unsafe ulong Hash(ReadOnlySpan<byte> bytes, DataType type, int maxDegreeOfParallelism = -1)
    {
        ulong count = ElementCount((ulong)bytes.Length, type);
        // Parallel workers cannot capture a span; pinning for the (synchronous) duration lets them share a pointer.
        fixed (byte* pointer = bytes)
        {
            return HashCore(pointer, (ulong)bytes.Length, type, count, maxDegreeOfParallelism);
        }
    }

    /// <summary>Hashes <paramref name="count"/> elements of <paramref name="type"/> in unmanaged memory.</summary>
    /// <param name="data">First byte of the tensor; may be null only when <paramref name="count"/> is 0.</param>
    /// <param name="count">Number of elements.</param>
    /// <param name="type">The declared element type.</param>
    /// <param name="maxDegreeOfParallelism">As for the span overload.</param>
    /// <exception cref="ArgumentException">The type is undefined, the byte length overflows, or <paramref name="data"/> is null with a non-zero count.</exception>
    internal static unsafe ulong Hash(void* data, ulong count, DataType type, int maxDegreeOfParallelism = -1)
    {
        if (!DataTypes.IsDefined(type))
        {
            throw new ArgumentException($"undefined data type {type}", nameof(type));
        }

        ulong byteLength;
        try
        {
            byteLength = checked(count * (ulong)DataTypes.SizeOf(type));
        }
        catch (OverflowException)
        {
            throw new ArgumentException($"{count} elements of {type} overflow the address space", nameof(count));
        }

        if (data is null && byteLength != 0)
        {
            throw new ArgumentException("null data with a non-zero count", nameof(data));
        }

        return HashCore((byte*)data, byteLength, type, count, maxDegreeOfParallelism);
    }

    private static ulong ElementCount(ulong byteLength, DataType type)
    {
        if (!DataTypes.IsDefined(type))
        {
            throw new ArgumentException($"undefined data type {type}", nameof(type));
        }

        ulong size = (ulong)DataTypes.SizeOf(type);
        if (byteLength % size != 0)
        {
            throw new ArgumentException($"{byteLength} bytes are not a whole number of {type} elements", nameof(byteLength));
        }

        return byteLength / size;
    }

    private static unsafe ulong HashCore(byte* data, ulong byteLength, DataType type, ulong count, int maxDegreeOfParallelism)
    {
        long seed = DomainSeed(type, count);
        if (byteLength <= BlockSize)
        {
            return XxHash3.HashToUInt64(new ReadOnlySpan<byte>(data, (int)byteLength), seed);
        }

        int blockCount = BlockCount(byteLength);
        ulong[] blockHashes = ArrayPool<ulong>.Shared.Rent(blockCount);
        try
        {
            HashBlocks(data, byteLength, seed, blockHashes, blockCount, maxDegreeOfParallelism);
            return Combine(blockHashes.AsSpan(0, blockCount), byteLength, seed);
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(blockHashes);
        }
    }

    /// <summary>Number of blocks a tensor of <paramref name="byteLength"/> bytes is hashed in (1 up to <see cref="BlockSize"/>, empty included).</summary>
    /// <exception cref="ArgumentException">The tensor has more blocks than the format can combine.</exception>
    internal static int BlockCount(ulong byteLength)
    {
        ulong blocks = Math.Max(1, (byteLength + BlockSize - 1) / BlockSize);
        return blocks > int.MaxValue / sizeof(ulong)
            ? throw new ArgumentException($"{byteLength} bytes exceed the largest hashable tensor", nameof(byteLength))
            : (int)blocks;
    }

    /// <summary>The seed every block of a tensor of <paramref name="count"/> elements of <paramref name="type"/> is hashed with.</summary>
    /// <exception cref="ArgumentException">The type is undefined.</exception>
    internal static long Seed(DataType type, ulong count) => DataTypes.IsDefined(type)
        ? DomainSeed(type, count)
        : throw new ArgumentException($"undefined data type {type}", nameof(type));

    /// <summary>
    /// Hash of block <paramref name="block"/> of <paramref name="tensor"/> (all the tensor's bytes). Blocks are independent,
    /// so they can be hashed in any order, e.g. each as soon as it has arrived; <see cref="Combine"/> makes the tensor hash.
    /// </summary>
    internal static ulong HashBlock(ReadOnlySpan<byte> tensor, int block, long seed)
    {
        int offset = checked(block * BlockSize);
        return XxHash3.HashToUInt64(tensor.Slice(offset, Math.Min(BlockSize, tensor.Length - offset)), seed);
    }

    /// <summary>The tensor hash from its <see cref="BlockCount"/> block hashes (in block order) — equal to <see cref="Hash(ReadOnlySpan{byte}, DataType, int)"/>.</summary>
    /// <exception cref="ArgumentException">The number of block hashes does not fit the length.</exception>
    internal static ulong Combine(ReadOnlySpan<ulong> blockHashes, ulong byteLength, long seed)
    {
        if (blockHashes.Length != BlockCount(byteLength))
        {
            throw new ArgumentException($"{blockHashes.Length} block hashes for {byteLength} bytes", nameof(blockHashes));
        }

        if (byteLength <= BlockSize)
        {
            return blockHashes[0]; // a single block is hashed directly, not combined
        }

        // The combination hashes the block hashes as little-endian u64s, whatever this machine's byte order.
        byte[] bytes = ArrayPool<byte>.Shared.Rent(blockHashes.Length * sizeof(ulong));
        try
        {
            for (int block = 0; block < blockHashes.Length; block++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(block * sizeof(ulong)), blockHashes[block]);
            }

            return XxHash3.HashToUInt64(bytes.AsSpan(0, blockHashes.Length * sizeof(ulong)), seed);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static unsafe void HashBlocks(byte* data, ulong byteLength, long seed, ulong[] blockHashes, int blockCount, int maxDegreeOfParallelism)
    {
        if (maxDegreeOfParallelism == 1)
        {
            for (int block = 0; block < blockCount; block++)
            {
                blockHashes[block] = HashBlock(data, byteLength, seed, block);
            }

            return;
        }

        nint address = (nint)data;
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        Parallel.For(0, blockCount, options, block => blockHashes[block] = HashBlock((byte*)address, byteLength, seed, block));
    }

    private static unsafe ulong HashBlock(byte* data, ulong byteLength, long seed, int block)
    {
        ulong offset = (ulong)block * BlockSize;
        int length = (int)Math.Min(BlockSize, byteLength - offset);
        return XxHash3.HashToUInt64(new ReadOnlySpan<byte>(data + offset, length), seed);
    }

    private static long DomainSeed(DataType type, ulong count)
    {
        Span<byte> header = stackalloc byte[DomainHeaderLength];
        "CLSS"u8.CopyTo(header);
        header[4] = FormatVersion;
        header[5] = (byte)type;
        BinaryPrimitives.WriteUInt64LittleEndian(header[6..], count);
        return unchecked((long)XxHash3.HashToUInt64(header));
    }
}
