using System.Numerics.Tensors;
using Collectives.Optimizers;

namespace Collectives.Tests.Optimizers;

/// <summary>
/// A 196-32-10 multilayer perceptron (ReLU, softmax cross-entropy) with hand-written backpropagation. All parameters
/// live in one flat array (W1, b1, W2, b2), so a data-parallel baseline reduces one buffer and DiLoCo sees four tensors.
/// Deterministic: the same parameters and batch give the same bits.
/// </summary>
internal sealed class Mlp
{
    public const int Hidden = 32;
    private const int Inputs = DigitSet.Features;
    private const int Classes = DigitSet.Classes;
    private const int W1Length = Hidden * Inputs;
    private const int W2Length = Classes * Hidden;
    public const int ParameterCount = W1Length + Hidden + W2Length + Classes;

    private readonly float[] _hidden = new float[Hidden];
    private readonly float[] _hiddenGradient = new float[Hidden];
    private readonly float[] _logits = new float[Classes];

    public Mlp(int seed)
    {
        var random = new Random(seed);
        float scale1 = MathF.Sqrt(2f / Inputs);
        float scale2 = MathF.Sqrt(2f / Hidden);
        for (int i = 0; i < W1Length; i++)
        {
            Parameters[i] = ((random.NextSingle() * 2) - 1) * scale1;
        }

        for (int i = 0; i < W2Length; i++)
        {
            Parameters[W1Length + Hidden + i] = ((random.NextSingle() * 2) - 1) * scale2;
        }
    }

    public float[] Parameters { get; } = new float[ParameterCount];

    /// <summary>The four tensors as views of <see cref="Parameters"/> (no copies).</summary>
    public IReadOnlyList<ParameterTensor> Tensors =>
    [
        ParameterTensor.FromMemory(Parameters.AsMemory(0, W1Length)),
        ParameterTensor.FromMemory(Parameters.AsMemory(W1Length, Hidden)),
        ParameterTensor.FromMemory(Parameters.AsMemory(W1Length + Hidden, W2Length)),
        ParameterTensor.FromMemory(Parameters.AsMemory(W1Length + Hidden + W2Length, Classes)),
    ];

    /// <summary>Mean cross-entropy over the batch; <paramref name="gradient"/> receives its gradient (same layout as the parameters).</summary>
    public float Gradient(DigitSet data, ReadOnlySpan<int> batch, Span<float> gradient)
    {
        gradient.Clear();
        float loss = 0;
        float inverse = 1f / batch.Length;
        foreach (int index in batch)
        {
            loss += Forward(data.Sample(index), data.Labels[index]);
            Backward(data.Sample(index), data.Labels[index], inverse, gradient);
        }

        return loss * inverse;
    }

    /// <summary>Plain SGD: θ ← θ − lr·g.</summary>
    public void SgdStep(ReadOnlySpan<float> gradient, float learningRate) =>
        TensorPrimitives.MultiplyAdd(gradient, -learningRate, Parameters, Parameters);

    /// <summary>Mean cross-entropy over a whole set.</summary>
    public double Loss(DigitSet data)
    {
        double loss = 0;
        for (int i = 0; i < data.Count; i++)
        {
            loss += Forward(data.Sample(i), data.Labels[i]);
        }

        return loss / data.Count;
    }

    private float Forward(ReadOnlySpan<float> x, int label)
    {
        ReadOnlySpan<float> w1 = Parameters.AsSpan(0, W1Length);
        ReadOnlySpan<float> b1 = Parameters.AsSpan(W1Length, Hidden);
        ReadOnlySpan<float> w2 = Parameters.AsSpan(W1Length + Hidden, W2Length);
        ReadOnlySpan<float> b2 = Parameters.AsSpan(W1Length + Hidden + W2Length, Classes);
        for (int j = 0; j < Hidden; j++)
        {
            _hidden[j] = MathF.Max(0, TensorPrimitives.Dot(w1.Slice(j * Inputs, Inputs), x) + b1[j]);
        }

        for (int k = 0; k < Classes; k++)
        {
            _logits[k] = TensorPrimitives.Dot(w2.Slice(k * Hidden, Hidden), _hidden) + b2[k];
        }

        // Softmax in place (shifted by the maximum for range), then the loss of the true class.
        float max = TensorPrimitives.Max(_logits);
        TensorPrimitives.Subtract(_logits, max, _logits);
        TensorPrimitives.Exp(_logits, _logits);
        float sum = TensorPrimitives.Sum(_logits);
        TensorPrimitives.Divide(_logits, sum, _logits);
        return -MathF.Log(MathF.Max(_logits[label], 1e-30f));
    }

    /// <summary>Adds this sample's gradient times <paramref name="weight"/>; needs the activations of the preceding <see cref="Forward"/>.</summary>
    private void Backward(ReadOnlySpan<float> x, int label, float weight, Span<float> gradient)
    {
        ReadOnlySpan<float> w2 = Parameters.AsSpan(W1Length + Hidden, W2Length);
        Span<float> gw1 = gradient[..W1Length];
        Span<float> gb1 = gradient.Slice(W1Length, Hidden);
        Span<float> gw2 = gradient.Slice(W1Length + Hidden, W2Length);
        Span<float> gb2 = gradient.Slice(W1Length + Hidden + W2Length, Classes);
        Array.Clear(_hiddenGradient);
        for (int k = 0; k < Classes; k++)
        {
            float dLogit = (_logits[k] - (k == label ? 1 : 0)) * weight;
            gb2[k] += dLogit;
            TensorPrimitives.MultiplyAdd(_hidden, dLogit, gw2.Slice(k * Hidden, Hidden), gw2.Slice(k * Hidden, Hidden));
            TensorPrimitives.MultiplyAdd(w2.Slice(k * Hidden, Hidden), dLogit, _hiddenGradient, _hiddenGradient);
        }

        for (int j = 0; j < Hidden; j++)
        {
            float dHidden = _hidden[j] > 0 ? _hiddenGradient[j] : 0;
            if (dHidden != 0)
            {
                gb1[j] += dHidden;
                TensorPrimitives.MultiplyAdd(x, dHidden, gw1.Slice(j * Inputs, Inputs), gw1.Slice(j * Inputs, Inputs));
            }
        }
    }
}
