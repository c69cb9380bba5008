using System.Numerics.Tensors;

namespace Collectives.Optimizers;

/// <summary>
/// The element-wise math of the outer step. Each operation rounds once per arithmetic operation, in the order written
/// (no fused multiply-add), so every peer of the same architecture computes the same bits from the same inputs, and a
/// plain scalar loop reproduces them exactly.
/// </summary>
internal static class OuterKernels
{
    /// <summary>Δ = θ_outer − θ_local.</summary>
    public static void PseudoGradient(ReadOnlySpan<float> outer, ReadOnlySpan<float> local, Span<float> delta) =>
        TensorPrimitives.Subtract(outer, local, delta);

    /// <summary>
    /// SGD with Nesterov momentum (PyTorch's formulation, dampening 0, no weight decay), with g the averaged
    /// pseudo-gradient: m ← μ·m + g; d ← g + μ·m; θ ← θ − lr·d. <paramref name="gradient"/> is overwritten with d.
    /// </summary>
    public static void NesterovStep(Span<float> theta, Span<float> momentum, Span<float> gradient, float learningRate, float momentumFactor)
    {
        if (theta.Length != momentum.Length || theta.Length != gradient.Length)
        {
            throw new ArgumentException("theta, momentum and gradient must have equal lengths");
        }

        TensorPrimitives.MultiplyAdd(momentum, momentumFactor, gradient, momentum);
        TensorPrimitives.MultiplyAdd(momentum, momentumFactor, gradient, gradient);

        // θ + d·(−lr) has the same bits as θ − lr·d: negating is exact.
        TensorPrimitives.MultiplyAdd(gradient, -learningRate, theta, theta);
    }
}
