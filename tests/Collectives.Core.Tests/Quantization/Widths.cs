using Collectives.Quantization;
using NUnit.Framework;
namespace Collectives.Tests.Quantization;

/// <summary>The kernel widths to compare; widths the hardware lacks fall back to narrower ones and must still agree.</summary>
internal static class Widths
{
    public static readonly KernelWidth[] Vector = [KernelWidth.Vector128, KernelWidth.Vector256, KernelWidth.Vector512];

    /// <summary>Runs <paramref name="run"/> at the scalar width and at every vector width and asserts identical output bytes.</summary>
    public static void AssertAllAgree(Func<KernelWidth, byte[]> run, string what)
    {
        byte[] reference = run(KernelWidth.Scalar);
        foreach (KernelWidth width in Vector)
        {
            byte[] actual = run(width);
            if (!actual.AsSpan().SequenceEqual(reference))
            {
                int at = actual.AsSpan().CommonPrefixLength(reference);
                Assert.Fail($"{what}: {width} differs from scalar at byte {at} of {reference.Length}");
            }
        }
    }
}
