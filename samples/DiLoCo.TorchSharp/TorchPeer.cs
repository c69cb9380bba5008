using Collectives;
using Collectives.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiLoCo.TorchSharp;

/// <summary>One training process's model: a 784-128-10 MLP trained by AdamW on its own random batches.</summary>
internal sealed class TorchPeer : IDisposable
{
    private readonly Sequential _model;
    private readonly AdamW _optimizer;
    private readonly MnistDigits _train;
    private readonly Random _batches;
    private readonly int _batch;
    private readonly float[] _images;
    private readonly long[] _labels;

    public TorchPeer(int rank, MnistDigits train, int batch, double learningRate)
    {
        torch.manual_seed(100 + rank); // different starting weights: the first shared-state sync elects one for everybody
        _model = NewModel();
        _optimizer = new AdamW(_model.parameters(), learningRate);
        _train = train;
        _batches = new Random(rank);
        _batch = batch;
        _images = new float[batch * MnistDigits.Pixels];
        _labels = new long[batch];

        // The optimizers work on the tensors' own memory: no copies in or out of TorchSharp.
        Parameters = [.. _model.parameters().Select(p => ParameterTensor.FromPointer(DataPointer(p), checked((int)p.numel())))];
    }

    public IReadOnlyList<ParameterTensor> Parameters { get; }

    public static int ParameterCount => (MnistDigits.Pixels * 128) + 128 + (128 * 10) + 10;

    /// <summary>The weights rank 0 starts from, which DDP gives every replica (drawn again here: each peer is a process).</summary>
    public static float[] StartingPoint()
    {
        torch.manual_seed(100);
        using Sequential model = NewModel();
        return [.. model.parameters().SelectMany(p => p.data<float>().ToArray())];
    }

    /// <summary>One local AdamW step.</summary>
    public void InnerStep()
    {
        OneThread();
        using DisposeScope scope = torch.NewDisposeScope();
        Tensor loss = Loss();
        _optimizer.ZeroGrad();
        loss.backward();
        _optimizer.Step();
    }

    /// <summary>One data-parallel step: the gradients are averaged over the group before AdamW applies them.</summary>
    public async Task<AllReduceInfo> DataParallelStepAsync(Communicator communicator)
    {
        OneThread();
        using DisposeScope scope = torch.NewDisposeScope();
        Tensor loss = Loss();
        _optimizer.ZeroGrad();
        loss.backward();
        var requests = _model.parameters().Select((p, i) =>
            AllReduceRequest.Create(ParameterTensor.FromPointer(DataPointer(p.grad!), checked((int)p.numel())).Memory, ReduceOp.Avg, (ulong)(i + 1))).ToList();
        AllReduceInfo info = await communicator.AllReduceManyAsync(requests, maxInFlight: 4);
        _optimizer.Step();
        return info;
    }

    /// <summary>The parameters, flat in order.</summary>
    public float[] Snapshot() => [.. Parameters.SelectMany(p => p.Span.ToArray())];

    /// <summary>Overwrites the parameters with a flat snapshot.</summary>
    public void Load(ReadOnlySpan<float> flat)
    {
        int offset = 0;
        foreach (ParameterTensor parameter in Parameters)
        {
            flat.Slice(offset, parameter.Length).CopyTo(parameter.Span);
            offset += parameter.Length;
        }
    }

    /// <summary>Mean cross-entropy of the current parameters over a whole set.</summary>
    public double Evaluate(MnistDigits data)
    {
        OneThread();
        using DisposeScope scope = torch.NewDisposeScope();
        using IDisposable noGrad = torch.no_grad();
        Tensor images = torch.tensor(data.Images, [data.Count, MnistDigits.Pixels]);
        Tensor labels = torch.tensor(data.Labels);
        return nn.functional.cross_entropy(_model.forward(images), labels).item<float>();
    }

    private static Sequential NewModel() =>
        nn.Sequential(("fc1", nn.Linear(MnistDigits.Pixels, 128)), ("relu", nn.ReLU()), ("fc2", nn.Linear(128, 10)));

    // libtorch's OpenMP thread count is per calling thread, and peers run on whichever pool thread is free: without
    // this each peer would start a team per core and four peers would spin against each other on two cores.
    private static void OneThread() => torch.set_num_threads(1);

    private Tensor Loss()
    {
        for (int i = 0; i < _batch; i++)
        {
            int sample = _batches.Next(_train.Count);
            Array.Copy(_train.Images, sample * MnistDigits.Pixels, _images, i * MnistDigits.Pixels, MnistDigits.Pixels);
            _labels[i] = _train.Labels[sample];
        }

        Tensor images = torch.tensor(_images, [_batch, MnistDigits.Pixels]);
        Tensor labels = torch.tensor(_labels);
        return nn.functional.cross_entropy(_model.forward(images), labels);
    }

    /// <summary>
    /// Where a contiguous CPU tensor's elements live. <see cref="Tensor.bytes"/> spans the native buffer itself, so its
    /// address stays valid after the <c>fixed</c> block for as long as the tensor keeps its storage.
    /// </summary>
    private static unsafe nint DataPointer(Tensor tensor)
    {
        if (!tensor.is_contiguous() || tensor.dtype != ScalarType.Float32)
        {
            throw new InvalidOperationException("parameters must be contiguous float32 CPU tensors");
        }

        fixed (byte* data = tensor.bytes)
        {
            return (nint)data;
        }
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _model.Dispose();
    }
}
