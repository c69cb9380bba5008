using Collectives.Optimizers;

namespace Collectives.Tests.Optimizers;

/// <summary>Training settings shared by the baseline and the DiLoCo runs, so both see the same number of samples.</summary>
internal sealed record TrainingSettings
{
    public int InnerSteps { get; init; } = 10;

    public int OuterSteps { get; init; } = 24;

    public int Batch { get; init; } = 16;

    public float InnerLearningRate { get; init; } = 0.1f;

    public bool Async { get; init; }

    /// <summary>The optimizer's options; null: the optimizer's defaults. Waits for peers are short either way.</summary>
    public DiLoCoOptions? Options { get; init; }

    public DiLoCoOptions EffectiveOptions =>
        (Options ?? (Async ? DiLoCoOptions.AsyncDefault : DiLoCoOptions.Default)) with { PeerWaitTimeout = TimeSpan.FromMilliseconds(500) };
}

/// <summary>What one peer's training loop ended with.</summary>
internal sealed record TrainingResult(float[] OuterParameters, ulong OuterStep, IReadOnlyList<OuterStepInfo> Steps, OuterStepInfo Initialization);

/// <summary>One peer's training loop: the MLP trained by plain SGD for H inner steps per outer step, on batches drawn from its own random stream.</summary>
internal sealed class TrainingPeer
{
    private readonly Communicator _communicator;
    private readonly TrainingSettings _settings;
    private readonly Mlp _model;
    private readonly Random _batches;
    private readonly float[] _gradient = new float[Mlp.ParameterCount];
    private readonly int[] _batch;

    public TrainingPeer(Communicator communicator, int rank, TrainingSettings settings)
    {
        _communicator = communicator;
        _settings = settings;
        _model = new Mlp(seed: 1 + rank); // different starts: the first sync elects one for everybody
        _batches = new Random(1000 + rank);
        _batch = new int[settings.Batch];
    }

    public Mlp Model => _model;

    /// <summary>Called after each outer step with the outer step counter (test hooks: wait for a joiner, kill a peer).</summary>
    public Func<ulong, Task>? AfterStep { get; init; }

    /// <summary>When the outer step counter reaches this value, the peer cuts its connections in the middle of its next outer step.</summary>
    public ulong? FailAtStep { get; init; }

    /// <summary>Trains until the shared outer step counter reaches the settings' outer steps; null when this peer was made to fail.</summary>
    public async Task<TrainingResult?> RunAsync()
    {
        await using var optimizer = new OuterOptimizer(_communicator, _model.Tensors, _settings);
        OuterStepInfo initialization = await optimizer.InitializeAsync();
        var steps = new List<OuterStepInfo>();
        while (optimizer.OuterStep < (ulong)_settings.OuterSteps)
        {
            InnerSteps();
            ulong reached = optimizer.OuterStep;
            Task<OuterStepInfo> step = optimizer.StepAsync();
            if (FailAtStep == reached)
            {
                // The step already initiated its all-reduce: the others lose this peer in the middle of it.
                _communicator.SimulateConnectionFailure();
                try
                {
                    await step;
                }
                catch (CollectivesException)
                {
                }

                return null;
            }

            steps.Add(await step);
            if (AfterStep is not null)
            {
                await AfterStep(optimizer.OuterStep);
            }
        }

        await optimizer.FinishAsync();
        return new TrainingResult(optimizer.OuterParameters.ToArray(), optimizer.OuterStep, steps, initialization);
    }

    /// <summary>The data-parallel baseline: one gradient all-reduce per step, as many steps (and samples) as DiLoCo's inner steps.</summary>
    public async Task<(float[] Parameters, long TxBytes)> RunEveryStepAllReduceAsync(int steps)
    {
        // Every peer starts from the same point, as DDP broadcasts it.
        new Mlp(seed: 1).Parameters.CopyTo(_model.Parameters, 0);
        long tx = 0;
        for (int step = 0; step < steps; step++)
        {
            NextBatch();
            _model.Gradient(DigitSet.Train, _batch, _gradient);
            tx += (await _communicator.AllReduceAsync(_gradient.AsMemory(), ReduceOp.Avg, tag: 1)).TxBytes;
            _model.SgdStep(_gradient, _settings.InnerLearningRate);
        }

        return (_model.Parameters, tx);
    }

    private void InnerSteps()
    {
        for (int h = 0; h < _settings.InnerSteps; h++)
        {
            NextBatch();
            _model.Gradient(DigitSet.Train, _batch, _gradient);
            _model.SgdStep(_gradient, _settings.InnerLearningRate);
        }
    }

    private void NextBatch()
    {
        for (int i = 0; i < _batch.Length; i++)
        {
            _batch[i] = _batches.Next(DigitSet.Train.Count);
        }
    }

    /// <summary>One face for both optimizers, so every test runs either.</summary>
    private sealed class OuterOptimizer : IAsyncDisposable
    {
        private readonly DiLoCoOptimizer? _sync;
        private readonly AsyncDiLoCoOptimizer? _async;

        public OuterOptimizer(Communicator communicator, IReadOnlyList<ParameterTensor> parameters, TrainingSettings settings)
        {
            if (settings.Async)
            {
                _async = new AsyncDiLoCoOptimizer(communicator, parameters, settings.EffectiveOptions);
            }
            else
            {
                _sync = new DiLoCoOptimizer(communicator, parameters, settings.EffectiveOptions);
            }
        }

        public ulong OuterStep => _sync?.OuterStep ?? _async!.OuterStep;

        public ReadOnlyMemory<float> OuterParameters => _sync?.OuterParameters ?? _async!.OuterParameters;

        public Task<OuterStepInfo> InitializeAsync() => _sync?.InitializeAsync() ?? _async!.InitializeAsync();

        public Task<OuterStepInfo> StepAsync() => _sync?.StepAsync() ?? _async!.StepAsync();

        public Task FinishAsync() => _async?.FinishAsync() ?? Task.CompletedTask;

        public ValueTask DisposeAsync() => _async?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
