using Collectives.Algorithms.Kernels;
using NUnit.Framework;

namespace Collectives.Tests.Algorithms;

/// <summary>Malformed calls fail once, up front, with an ArgumentException; empty buffers are fine.</summary>
public class ReduceKernelsValidationTests
{
    [Test]
    public void LengthsThatAreNotWholeElementsThrow()
    {
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => ReduceKernels.CombineInput(DataType.Float32, ReduceOp.Sum, new byte[7], new byte[7], new byte[7]));
            Assert.Throws<ArgumentException>(() => ReduceKernels.CombineInput(DataType.Float16, ReduceOp.Sum, new byte[3], new byte[6], new byte[6]));
            Assert.Throws<ArgumentException>(() => ReduceKernels.Accumulate(DataType.Int64, ReduceOp.Max, new byte[12], new byte[12]));
            Assert.Throws<ArgumentException>(() => ReduceKernels.Widen(DataType.BFloat16, new byte[5], new byte[10]));
            Assert.Throws<ArgumentException>(() => ReduceKernels.Finalize(DataType.Int16, ReduceOp.Avg, 2, new byte[3], new byte[3]));
        });
    }

    [Test]
    public void MismatchedElementCountsThrow()
    {
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => ReduceKernels.CombineInput(DataType.Int32, ReduceOp.Sum, new byte[8], new byte[12], new byte[8]));
            Assert.Throws<ArgumentException>(() => ReduceKernels.CombineInput(DataType.Int32, ReduceOp.Sum, new byte[8], new byte[8], new byte[12]));
            // float16 partial results travel as float32: an input-sized incoming buffer is a caller bug.
            Assert.Throws<ArgumentException>(() => ReduceKernels.CombineInput(DataType.Float16, ReduceOp.Sum, new byte[8], new byte[8], new byte[16]));
            Assert.Throws<ArgumentException>(() => ReduceKernels.Accumulate(DataType.UInt8, ReduceOp.Sum, new byte[4], new byte[5]));
            Assert.Throws<ArgumentException>(() => ReduceKernels.Widen(DataType.Float16, new byte[8], new byte[8]));
            Assert.Throws<ArgumentException>(() => ReduceKernels.Widen(DataType.Int8, new byte[8], new byte[9]));
            Assert.Throws<ArgumentException>(() => ReduceKernels.Finalize(DataType.BFloat16, ReduceOp.Sum, 1, new byte[8], new byte[8]));
            Assert.Throws<ArgumentException>(() => ReduceKernels.Finalize(DataType.Float64, ReduceOp.Sum, 1, new byte[16], new byte[8]));
        });
    }

    [Test]
    public void SixteenBitTypesAreNotAccumulatorTypes()
    {
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => ReduceKernels.Accumulate(DataType.Float16, ReduceOp.Sum, new byte[4], new byte[4]));
            Assert.Throws<ArgumentException>(() => ReduceKernels.Accumulate(DataType.BFloat16, ReduceOp.Sum, new byte[4], new byte[4]));
        });
    }

    [Test]
    public void UndefinedTypesOpsAndWorldSizesThrow()
    {
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => ReduceKernels.CombineInput((DataType)12, ReduceOp.Sum, [], [], []));
            Assert.Throws<ArgumentOutOfRangeException>(() => ReduceKernels.CombineInput(DataType.Int32, (ReduceOp)5, [], [], []));
            Assert.Throws<ArgumentOutOfRangeException>(() => ReduceKernels.Accumulate((DataType)(-1), ReduceOp.Sum, [], []));
            Assert.Throws<ArgumentOutOfRangeException>(() => ReduceKernels.Accumulate(DataType.Int32, (ReduceOp)(-1), [], []));
            Assert.Throws<ArgumentOutOfRangeException>(() => ReduceKernels.Widen((DataType)99, [], []));
            Assert.Throws<ArgumentOutOfRangeException>(() => ReduceKernels.Finalize(DataType.Float32, ReduceOp.Avg, 0, [], []));
            Assert.Throws<ArgumentOutOfRangeException>(() => ReduceKernels.Finalize(DataType.Float32, ReduceOp.Sum, -3, [], []));
            Assert.Throws<ArgumentOutOfRangeException>(() => ReduceKernels.Finalize(DataType.Float32, (ReduceOp)9, 2, [], []));
        });
    }

    [Test]
    public void PartiallyOverlappingBuffersThrow()
    {
        var memory = new byte[256];
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => ReduceKernels.CombineInput(DataType.Float32, ReduceOp.Sum, memory.AsSpan(128, 32), memory.AsSpan(0, 32), memory.AsSpan(4, 32)));
            Assert.Throws<ArgumentException>(() => ReduceKernels.CombineInput(DataType.Float32, ReduceOp.Sum, memory.AsSpan(4, 32), memory.AsSpan(128, 32), memory.AsSpan(0, 32)));
            // Different element sizes can never share memory safely, not even from the same start.
            Assert.Throws<ArgumentException>(() => ReduceKernels.CombineInput(DataType.Float16, ReduceOp.Sum, memory.AsSpan(0, 16), memory.AsSpan(128, 32), memory.AsSpan(0, 32)));
            Assert.Throws<ArgumentException>(() => ReduceKernels.Accumulate(DataType.Int16, ReduceOp.Sum, memory.AsSpan(0, 32), memory.AsSpan(2, 32)));
            Assert.Throws<ArgumentException>(() => ReduceKernels.Widen(DataType.BFloat16, memory.AsSpan(0, 16), memory.AsSpan(8, 32)));
            Assert.Throws<ArgumentException>(() => ReduceKernels.Finalize(DataType.Float16, ReduceOp.Avg, 2, memory.AsSpan(0, 32), memory.AsSpan(0, 16)));
            Assert.Throws<ArgumentException>(() => ReduceKernels.Finalize(DataType.Int32, ReduceOp.Avg, 2, memory.AsSpan(0, 32), memory.AsSpan(4, 32)));
        });
    }

    [Test]
    public void EmptyBuffersAreAccepted()
    {
        foreach (DataType type in KernelTestData.AllTypes)
        {
            foreach (ReduceOp op in KernelTestData.AllOps)
            {
                Assert.DoesNotThrow(() =>
                {
                    ReduceKernels.CombineInput(type, op, [], [], []);
                    ReduceKernels.Widen(type, [], []);
                    ReduceKernels.Finalize(type, op, 4, [], []);
                    ReduceKernels.Accumulate(DataTypes.AccumulatorOf(type), op, [], []);
                }, $"{type} {op}");
            }
        }
    }

    [Test]
    public void WarmCallsDoNotAllocate()
    {
        var input = new byte[8192 * 8 + 8];
        var incoming = new byte[8192 * 8 + 8];
        var destination = new byte[8192 * 8 + 8];
        foreach (DataType type in KernelTestData.AllTypes)
        {
            DataType accumulatorType = DataTypes.AccumulatorOf(type);
            int count = 3001;
            Span<byte> inputSpan = input.AsSpan(1, count * DataTypes.SizeOf(type));
            Span<byte> incomingSpan = incoming.AsSpan(3, count * DataTypes.SizeOf(accumulatorType));
            Span<byte> destinationSpan = destination.AsSpan(5, count * DataTypes.SizeOf(accumulatorType));
            foreach (ReduceOp op in KernelTestData.AllOps)
            {
                for (int round = 0; round < 2; round++)
                {
                    // The first round warms up (JIT, static initialisation); only the second is measured.
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    ReduceKernels.Widen(type, inputSpan, destinationSpan);
                    ReduceKernels.CombineInput(type, op, inputSpan, incomingSpan, destinationSpan);
                    ReduceKernels.Accumulate(accumulatorType, op, destinationSpan, incomingSpan);
                    ReduceKernels.Finalize(type, op, 3, destinationSpan, inputSpan);
                    long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    if (round == 1)
                    {
                        Assert.That(allocated, Is.Zero, $"{type} {op}");
                    }
                }
            }
        }
    }
}
