using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiLoCo.TorchSharp;

/// <summary>
/// AdamW with TorchSharp's defaults (betas 0.9/0.999, eps 1e-8, no weight decay), the same tensor operations in the
/// same order as <c>torch.optim.AdamW</c> in TorchSharp 0.107, so the arithmetic is the same. It exists because that
/// implementation passes temporary <see cref="Scalar"/>s (converted from doubles) to in-place operations: once the
/// JIT has optimized the step, the temporary can be collected and finalized while libtorch still reads it, and the step
/// fails with "Expected false to be true" from <c>c10::Scalar::toDouble</c> (seen in about one run in four with
/// tiered compilation off). Here every scalar, alpha included (TorchSharp's overloads without one make a temporary), lives in a
/// field or a <c>using</c> until the operation has returned.
/// </summary>
internal sealed class AdamW : IDisposable
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _firstMoments;
    private readonly Tensor[] _secondMoments;
    private readonly Scalar _beta1 = Beta1.ToScalar();
    private readonly Scalar _beta2 = Beta2.ToScalar();
    private readonly Scalar _oneMinusBeta1 = (1 - Beta1).ToScalar();
    private readonly Scalar _oneMinusBeta2 = (1 - Beta2).ToScalar();
    private readonly Scalar _epsilon = 1e-8.ToScalar();
    private readonly Scalar _one = 1.0.ToScalar(); // explicit: add_(Scalar) without alpha makes a temporary one
    private readonly double _learningRate;
    private long _step;

    public AdamW(IEnumerable<Parameter> parameters, double learningRate)
    {
        _parameters = [.. parameters];
        _firstMoments = [.. _parameters.Select(p => torch.zeros_like(p).DetachFromDisposeScope())];
        _secondMoments = [.. _parameters.Select(p => torch.zeros_like(p).DetachFromDisposeScope())];
        _learningRate = learningRate;
    }

    /// <summary>Zeroes the gradients in place (the backward pass accumulates into them; no new allocation per step).</summary>
    public void ZeroGrad()
    {
        foreach (Parameter parameter in _parameters)
        {
            using Tensor? grad = parameter.grad;
            grad?.zero_();
        }
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        _step++;
        double biasCorrection1 = 1 - Math.Pow(Beta1, _step);
        double biasCorrection2 = 1 - Math.Pow(Beta2, _step);
        using Scalar sqrtBiasCorrection2 = Math.Sqrt(biasCorrection2).ToScalar();
        using Scalar negativeStepSize = (-(_learningRate / biasCorrection1)).ToScalar();
        using DisposeScope scope = torch.NewDisposeScope();
        using IDisposable noGrad = torch.no_grad(); // the update is not part of the graph
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i].grad is not { } grad)
            {
                continue;
            }

            _firstMoments[i].mul_(_beta1).add_(grad, alpha: _oneMinusBeta1);
            _secondMoments[i].mul_(_beta2).addcmul_(grad, grad, value: _oneMinusBeta2);
            Tensor denominator = _secondMoments[i].sqrt().div_(sqrtBiasCorrection2).add_(_epsilon, _one);
            _parameters[i].addcdiv_(_firstMoments[i], denominator, value: negativeStepSize);
        }
    }

    public void Dispose()
    {
        foreach (Tensor moment in _firstMoments.Concat(_secondMoments))
        {
            moment.Dispose();
        }

        foreach (Scalar scalar in new[] { _beta1, _beta2, _oneMinusBeta1, _oneMinusBeta2, _epsilon, _one })
        {
            scalar.Dispose();
        }
    }
}
