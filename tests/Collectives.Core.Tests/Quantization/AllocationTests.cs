using Collectives.Quantization;
using NUnit.Framework;
namespace Collectives.Tests.Quantization;

/// <summary>The kernels run once per piece on the hot path of every quantized all-reduce: they must not allocate.</summary>
[NonParallelizable]
public class AllocationTests
{
    [Test]
    public void NoCallAllocates()
    {
        foreach (DataType source in ElementTypes.Sources)
        {
            var options = new QuantizationOptions(QuantizationAlgorithm.ZeroPointScale, DataType.UInt16);
            byte[] values = new TestPiece(source, Shape.Outliers, 5000, 1, WithSpecials: true).Bytes;
            byte[] encoded = new byte[Quantizer.EncodedSize(options, 5000)];
            byte[] decoded = new byte[values.Length];
            DataType accumulatorType = DataTypes.AccumulatorOf(source);
            byte[] accumulator = new byte[5000 * DataTypes.SizeOf(accumulatorType)];

            void RunAll()
            {
                Quantizer.Quantize(source, options, values, encoded);
                Quantizer.Dequantize(source, options, encoded, decoded);
                Quantizer.DequantizeAccumulate(accumulatorType, ReduceOp.Max, options, encoded, accumulator);
            }

            RunAll();
            long before = GC.GetAllocatedBytesForCurrentThread();
            RunAll();
            Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero, source.ToString());
        }
    }
}
