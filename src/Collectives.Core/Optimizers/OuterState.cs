using Collectives.SharedState;

namespace Collectives.Optimizers;

/// <summary>
/// The outer optimizer's state, laid out flat: the parameters one after another in the order given, so that hashing,
/// reducing and the element-wise kernels each make one pass over contiguous memory.
/// </summary>
internal sealed class OuterState
{
    private const int StepCounter = 0;
    private const int PendingFlag = 1;

    private readonly ParameterTensor[] _parameters;
    private readonly int[] _offsets;
    private readonly string _name;

    public OuterState(IReadOnlyList<ParameterTensor> parameters, string name)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        _offsets = new int[_parameters.Length];
        long total = 0;
        for (int i = 0; i < _parameters.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(_parameters[i], nameof(parameters));
            _offsets[i] = (int)total;
            total += _parameters[i].Length;
            if (total > Array.MaxLength)
            {
                throw new CollectivesException(ErrorCode.InvalidArgument, $"the parameters hold more than {Array.MaxLength} elements");
            }
        }

        _name = name;
        Outer = new float[total];
        Momentum = new float[total];
    }

    /// <summary>θ_outer, all parameters flat.</summary>
    public float[] Outer { get; }

    /// <summary>The outer momentum buffer, same layout.</summary>
    public float[] Momentum { get; }

    /// <summary>[outer step, 1 when an averaged pseudo-gradient waits to be applied]: int64 so they travel as shared state.</summary>
    public long[] Counters { get; } = new long[2];

    public int Count => Outer.Length;

    public ulong Step => (ulong)Counters[StepCounter];

    public bool HasPending
    {
        get => Counters[PendingFlag] != 0;
        set => Counters[PendingFlag] = value ? 1 : 0;
    }

    /// <summary>Starts from the caller's parameters, zero momentum and step 0 (the group may elect another peer's start).</summary>
    public void SeedFromParameters()
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            _parameters[i].Span.CopyTo(Outer.AsSpan(_offsets[i], _parameters[i].Length));
        }

        Array.Clear(Momentum);
        Array.Clear(Counters);
    }

    /// <summary>Δ = θ_outer − θ_local into <paramref name="delta"/>.</summary>
    public void PseudoGradient(Span<float> delta)
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            int length = _parameters[i].Length;
            OuterKernels.PseudoGradient(Outer.AsSpan(_offsets[i], length), _parameters[i].Span, delta.Slice(_offsets[i], length));
        }
    }

    /// <summary>Applies an averaged pseudo-gradient (consumed: overwritten).</summary>
    public void Apply(Span<float> averaged, DiLoCoOptions options) =>
        OuterKernels.NesterovStep(Outer, Momentum, averaged, options.OuterLearningRate, options.OuterMomentum);

    /// <summary>
    /// Counts an outer step, applied or not: the counter is the shared-state revision, so once a run has stepped, a
    /// joiner's fresh weights (revision 0) are behind and can never outvote the run's state.
    /// </summary>
    public void AdvanceStep() => Counters[StepCounter]++;

    /// <summary>θ_local ← θ_outer.</summary>
    public void ResetParameters()
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            Outer.AsSpan(_offsets[i], _parameters[i].Length).CopyTo(_parameters[i].Span);
        }
    }

    /// <summary>
    /// The shared state at the current step: outer parameters, momentum and counters, plus the averaged pseudo-gradient
    /// that waits to be applied when <paramref name="pending"/> is given (the async optimizer's joiners need it).
    /// </summary>
    public SharedTensorSet ToSharedState(float[]? pending)
    {
        List<SharedTensor> tensors =
        [
            SharedTensor.Create(_name + ".outer", Outer.AsMemory()),
            SharedTensor.Create(_name + ".momentum", Momentum.AsMemory()),
            SharedTensor.Create(_name + ".counters", Counters.AsMemory()),
        ];
        if (pending is not null)
        {
            tensors.Add(SharedTensor.Create(_name + ".pending", pending.AsMemory()));
        }

        return new SharedTensorSet(Step, tensors);
    }
}
