using System.Runtime.InteropServices;
using Collectives.Optimizers;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Optimizers;

public class OuterKernelTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(200).WithQuietOnSuccess(true);

    // Finite floats of every magnitude (raw bit patterns), so rounding differences would show.
    private static readonly Gen<float> Finite = ArbMap.Default.ArbFor<int>().Generator
        .Select(BitConverter.Int32BitsToSingle).Where(float.IsFinite);

    private static readonly Gen<float> Moderate = Gen.Choose(-1_000_000, 1_000_000).Select(i => i / 1000f);

    /// <summary>The documented formula, one rounding per operation, written independently of the kernel.</summary>
    private static void ReferenceNesterov(float[] theta, float[] momentum, float[] gradient, float lr, float mu)
    {
        for (int i = 0; i < theta.Length; i++)
        {
            float m = (mu * momentum[i]) + gradient[i];
            momentum[i] = m;
            float direction = gradient[i] + (mu * m);
            theta[i] -= lr * direction;
        }
    }

    private static bool SameBits(float[] a, float[] b) =>
        MemoryMarshal.AsBytes(a.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b.AsSpan()));

    [Test]
    public void NesterovStepMatchesTheScalarReferenceBitForBit()
    {
        Gen<(float[] Theta, float[] Momentum, float[] Gradient, float Lr, float Mu)> cases =
            from length in Gen.Choose(0, 300)
            from values in Gen.ArrayOf(Gen.OneOf(Finite, Moderate), length * 3)
            from lr in Gen.Choose(1, 2000).Select(i => i / 1000f)
            from mu in Gen.Choose(0, 999).Select(i => i / 1000f)
            select (values[..length], values[length..(2 * length)], values[(2 * length)..], lr, mu);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            float[] theta = [.. c.Theta], momentum = [.. c.Momentum], gradient = [.. c.Gradient];
            float[] refTheta = [.. c.Theta], refMomentum = [.. c.Momentum], refGradient = [.. c.Gradient];
            OuterKernels.NesterovStep(theta, momentum, gradient, c.Lr, c.Mu);
            ReferenceNesterov(refTheta, refMomentum, refGradient, c.Lr, c.Mu);
            return SameBits(theta, refTheta) && SameBits(momentum, refMomentum);
        }).Check(Quick);
    }

    [Test]
    public void PseudoGradientIsOuterMinusLocalBitForBit()
    {
        Gen<(float[] Outer, float[] Local)> cases =
            from length in Gen.Choose(0, 300)
            from values in Gen.ArrayOf(Gen.OneOf(Finite, Moderate), length * 2)
            select (values[..length], values[length..]);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var delta = new float[c.Outer.Length];
            OuterKernels.PseudoGradient(c.Outer, c.Local, delta);
            return SameBits(delta, c.Outer.Select((o, i) => o - c.Local[i]).ToArray());
        }).Check(Quick);
    }

    [Test]
    public void NesterovStepOnValuesWorkedOutByHand()
    {
        // lr 0.5, μ 0.5, exact in binary: m = 0.5·0.25 + 0.5 = 0.625; d = 0.5 + 0.5·0.625 = 0.8125; θ = 1 − 0.5·0.8125 = 0.59375.
        float[] theta = [1f], momentum = [0.25f], gradient = [0.5f];
        OuterKernels.NesterovStep(theta, momentum, gradient, 0.5f, 0.5f);
        Assert.That(momentum[0], Is.EqualTo(0.625f));
        Assert.That(theta[0], Is.EqualTo(0.59375f));

        // With zero momentum it is plain SGD on the pseudo-gradient: lr 1 lands exactly on θ − Δ (model averaging).
        float[] outer = [3f, -2f], none = [0f, 0f], delta = [1f, -0.5f];
        OuterKernels.NesterovStep(outer, none, delta, 1f, 0f);
        Assert.That(outer, Is.EqualTo(new[] { 2f, -1.5f }));
    }

    [Test]
    public void NesterovStepRejectsMismatchedLengths() =>
        Assert.Throws<ArgumentException>(() => OuterKernels.NesterovStep(new float[3], new float[3], new float[2], 0.7f, 0.9f));

    [Test]
    public unsafe void OuterStateWorksInPlaceOnPointerAndArrayParametersLaidOutFlat()
    {
        float* native = (float*)NativeMemory.Alloc(5, sizeof(float));
        try
        {
            float[] managed = [10f, 20f, 30f];
            for (int i = 0; i < 5; i++)
            {
                native[i] = i;
            }

            var state = new OuterState([ParameterTensor.FromArray(managed), ParameterTensor.FromPointer(native, 5)], "t");
            state.SeedFromParameters();
            Assert.That(state.Outer, Is.EqualTo(new[] { 10f, 20f, 30f, 0f, 1f, 2f, 3f, 4f }));

            managed[1] = 25f;
            native[4] = 1f;
            var delta = new float[8];
            state.PseudoGradient(delta);
            Assert.That(delta, Is.EqualTo(new[] { 0f, -5f, 0f, 0f, 0f, 0f, 0f, 3f }));

            state.ResetParameters();
            Assert.That(managed[1], Is.EqualTo(20f));
            Assert.That(native[4], Is.EqualTo(4f));
            Assert.That(state.ToSharedState(null).Tensors.Select(t => t.Name), Is.EqualTo(new[] { "t.outer", "t.momentum", "t.counters" }));
        }
        finally
        {
            NativeMemory.Free(native);
        }
    }

    [Test]
    public void OptionsOutOfRangeAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => (DiLoCoOptions.Default with { OuterMomentum = 1f }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (DiLoCoOptions.Default with { OuterLearningRate = float.NaN }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (DiLoCoOptions.Default with { BucketElements = 0 }).Validate());
        Assert.DoesNotThrow(() => DiLoCoOptions.AsyncDefault.Validate());
    }
}
