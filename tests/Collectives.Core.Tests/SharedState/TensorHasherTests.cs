using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Collectives.SharedState;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.SharedState;

public class TensorHasherTests
{
    private const int Block = TensorHasher.BlockSize;

    private static readonly DataType[] AllTypes = Enum.GetValues<DataType>();

    /// <summary>Lengths on both sides of every branch: empty, tiny, one block exactly, one byte over, several blocks.</summary>
    private static readonly int[] BoundaryLengths = [0, 8, Block - 8, Block, Block + 8, (2 * Block) + 24, 3 * Block];

    /// <summary>Three blocks of random bytes, made once: filling them dominates these tests' run time.</summary>
    private static readonly Lazy<byte[]> ThreeBlocks = new(() => RandomBytes(3 * Block, seed: 1));

    [Test]
    public void ParallelAndSingleThreadedHashesAgreeAtEveryBlockBoundary()
    {
        byte[] data = ThreeBlocks.Value;
        foreach (int length in BoundaryLengths)
        {
            ReadOnlySpan<byte> tensor = data.AsSpan(0, length);
            ulong single = TensorHasher.Hash(tensor, DataType.Float64, maxDegreeOfParallelism: 1);
            Assert.That(TensorHasher.Hash(tensor, DataType.Float64, maxDegreeOfParallelism: 2), Is.EqualTo(single), $"length {length}");
            Assert.That(TensorHasher.Hash(tensor, DataType.Float64, maxDegreeOfParallelism: 3), Is.EqualTo(single), $"length {length}");
            Assert.That(TensorHasher.Hash(tensor, DataType.Float64), Is.EqualTo(single), $"length {length}");
        }
    }

    [Test]
    public void MatchesTheDocumentedFormatComputedWithTheStreamingHasher()
    {
        byte[] data = ThreeBlocks.Value;
        foreach (int length in BoundaryLengths)
        {
            ReadOnlySpan<byte> tensor = data.AsSpan(0, length);
            Assert.That(TensorHasher.Hash(tensor, DataType.Int32), Is.EqualTo(DocumentedFormat(tensor, DataType.Int32)), $"length {length}");
        }
    }

    [Test]
    public unsafe void PointerAndSpanOverloadsAgree()
    {
        const ulong count = (Block / 2) + 7; // 16-bit elements: a little over one block
        byte* memory = (byte*)NativeMemory.Alloc((nuint)(count * 2));
        try
        {
            var span = new Span<byte>(memory, (int)(count * 2));
            ThreeBlocks.Value.AsSpan(0, span.Length).CopyTo(span);
            Assert.That(TensorHasher.Hash(memory, count, DataType.BFloat16), Is.EqualTo(TensorHasher.Hash(span, DataType.BFloat16)));
            Assert.That(TensorHasher.Hash(memory, count, DataType.BFloat16, maxDegreeOfParallelism: 1), Is.EqualTo(TensorHasher.Hash(span, DataType.BFloat16)));
        }
        finally
        {
            NativeMemory.Free(memory);
        }
    }

    [Test]
    public void TheSameBytesAsDifferentTypesHashDifferently()
    {
        byte[] data = RandomBytes(64, seed: 4); // a whole number of elements of every type
        ulong[] hashes = AllTypes.Select(type => TensorHasher.Hash(data, type)).ToArray();
        Assert.That(hashes, Is.Unique);

        ulong[] empty = AllTypes.Select(type => TensorHasher.Hash([], type)).ToArray();
        Assert.That(empty, Is.Unique, "empty tensors of different types");
    }

    [Test]
    public unsafe void TheElementCountIsPartOfTheHash()
    {
        // Same memory, same type, one more (zero) element: a tensor that grew must not look unchanged.
        ulong* values = stackalloc ulong[3] { 11, 22, 0 };
        ulong two = TensorHasher.Hash(values, 2, DataType.UInt64);
        ulong three = TensorHasher.Hash(values, 3, DataType.UInt64);
        Assert.That(three, Is.Not.EqualTo(two));
        Assert.That(TensorHasher.Hash(values, 0, DataType.UInt64), Is.Not.EqualTo(TensorHasher.Hash(values, 0, DataType.UInt32)));
    }

    [Test]
    public void FlippingAnyBitOfAnyTypeChangesTheHash()
    {
        Gen<(DataType Type, byte[] Bytes, int Bit)> cases =
            from type in Gen.Elements(AllTypes)
            from elements in Gen.Choose(1, 200)
            from bytes in Gen.ArrayOf(Gen.Choose(0, 255).Select(value => (byte)value), elements * DataTypes.SizeOf(type))
            from bit in Gen.Choose(0, (elements * DataTypes.SizeOf(type) * 8) - 1)
            select (type, bytes, bit);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(cases.ToArbitrary(), c =>
        {
            ulong before = TensorHasher.Hash(c.Bytes, c.Type);
            byte[] flipped = (byte[])c.Bytes.Clone();
            flipped[c.Bit / 8] ^= (byte)(1 << (c.Bit % 8));
            return TensorHasher.Hash(flipped, c.Type) != before && TensorHasher.Hash(c.Bytes, c.Type) == before;
        }));
    }

    [TestCase(DataType.Float16)]
    [TestCase(DataType.BFloat16)]
    [TestCase(DataType.Int16)]
    public void SixteenBitStateIsReallyHashed(DataType type)
    {
        // PCCL skips these types; a change in the last element of a multi-block tensor must be seen.
        byte[] data = ThreeBlocks.Value.AsSpan(0, Block + 2).ToArray();
        ulong before = TensorHasher.Hash(data, type);
        data[^1] ^= 0x80;
        Assert.That(TensorHasher.Hash(data, type), Is.Not.EqualTo(before));
    }

    [Test]
    public unsafe void RejectsInconsistentArguments()
    {
        Assert.Throws<ArgumentException>(() => TensorHasher.Hash(new byte[3], DataType.Int16));
        Assert.Throws<ArgumentException>(() => TensorHasher.Hash(new byte[4], (DataType)99));
        Assert.Throws<ArgumentException>(() => TensorHasher.Hash(null, 1, DataType.UInt8));
        Assert.Throws<ArgumentException>(() => TensorHasher.Hash(null, ulong.MaxValue / 2, DataType.UInt64));
        Assert.That(TensorHasher.Hash(null, 0, DataType.UInt8), Is.EqualTo(TensorHasher.Hash([], DataType.UInt8)));
    }

    /// <summary>The format as the hasher's documentation states it, built with the incremental XxHash3 API.</summary>
    private static ulong DocumentedFormat(ReadOnlySpan<byte> bytes, DataType type)
    {
        var header = new byte[14];
        "CLSS"u8.CopyTo(header);
        header[4] = 1;
        header[5] = (byte)type;
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(6), (ulong)(bytes.Length / DataTypes.SizeOf(type)));
        var seedHasher = new XxHash3();
        seedHasher.Append(header);
        long seed = unchecked((long)seedHasher.GetCurrentHashAsUInt64());

        if (bytes.Length <= Block)
        {
            var whole = new XxHash3(seed);
            whole.Append(bytes);
            return whole.GetCurrentHashAsUInt64();
        }

        var combined = new XxHash3(seed);
        Span<byte> blockHash = stackalloc byte[8];
        for (int offset = 0; offset < bytes.Length; offset += Block)
        {
            var block = new XxHash3(seed);
            block.Append(bytes.Slice(offset, Math.Min(Block, bytes.Length - offset)));
            BinaryPrimitives.WriteUInt64LittleEndian(blockHash, block.GetCurrentHashAsUInt64());
            combined.Append(blockHash);
        }

        return combined.GetCurrentHashAsUInt64();
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
