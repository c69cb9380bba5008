using System.Runtime.InteropServices;
using Collectives.Optimizers;
using Collectives.Tests.Integration;
using NUnit.Framework;

namespace Collectives.Tests.Optimizers;

/// <summary>
/// The optimizers on the pure-.NET workload (MNIST subset, 196-32-10 MLP, plain SGD inside) with peers in-process
/// over loopback: convergence against the every-step all-reduce baseline, and churn (a peer killed, a peer joining).
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public class DiLoCoTrainingTests
{
    private static readonly TrainingSettings Settings = new();

    private static async Task<TrainingResult[]> TrainAsync(int peers, TrainingSettings settings)
    {
        await using var run = new LocalRun();
        for (int i = 0; i < peers; i++)
        {
            await run.JoinAsync();
        }

        TrainingResult?[] results = await Task.WhenAll(run.Peers.Select((p, rank) => Task.Run(() => new TrainingPeer(p, rank, settings).RunAsync())))
            .WaitAsync(LocalRun.Bound);
        return results.Select(r => r!).ToArray();
    }

    private static double EvalLoss(float[] parameters)
    {
        var model = new Mlp(seed: 0);
        parameters.CopyTo(model.Parameters, 0);
        return model.Loss(DigitSet.Eval);
    }

    private static void AssertBitIdentical(IEnumerable<TrainingResult> results)
    {
        TrainingResult[] all = results.ToArray();
        for (int i = 1; i < all.Length; i++)
        {
            Assert.That(MemoryMarshal.AsBytes(all[i].OuterParameters.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(all[0].OuterParameters.AsSpan())),
                Is.True, $"peer {i}'s outer parameters differ from peer 0's");
            Assert.That(all[i].OuterStep, Is.EqualTo(all[0].OuterStep));
        }
    }

    [Test]
    public async Task DiLoCoReachesTheEveryStepAllReduceLossWithHTimesFewerAllReduces()
    {
        const int peers = 4;
        int steps = Settings.OuterSteps * Settings.InnerSteps;
        float[] baseline;
        long baselineTx;
        await using (var run = new LocalRun())
        {
            for (int i = 0; i < peers; i++)
            {
                await run.JoinAsync();
            }

            var results = await Task.WhenAll(run.Peers.Select((p, rank) =>
                Task.Run(() => new TrainingPeer(p, rank, Settings).RunEveryStepAllReduceAsync(steps)))).WaitAsync(LocalRun.Bound);
            (baseline, baselineTx) = results[0];
        }

        TrainingResult[] diloco = await TrainAsync(peers, Settings);
        double initial = EvalLoss(new Mlp(seed: 1).Parameters);
        double baselineLoss = EvalLoss(baseline);
        double dilocoLoss = EvalLoss(diloco[0].OuterParameters);
        TestContext.Out.WriteLine($"eval loss: initial {initial:F4}, every-step all-reduce {baselineLoss:F4}, DiLoCo H={Settings.InnerSteps} {dilocoLoss:F4}");

        Assert.That(dilocoLoss, Is.LessThanOrEqualTo(baselineLoss * 1.05), "DiLoCo within 5% of the baseline (or better)");
        Assert.That(baselineLoss, Is.LessThan(initial * 0.5), "the baseline itself learned");
        AssertBitIdentical(diloco);
        foreach (TrainingResult peer in diloco)
        {
            Assert.That(peer.Steps, Has.Count.EqualTo(Settings.OuterSteps));
            Assert.That(peer.Steps.Select(s => s.WorldSize), Is.All.EqualTo(peers));
            Assert.That(peer.Steps.Select(s => s.SyncRxBytes), Is.All.Zero, "a deterministic loop transfers nothing after the first sync");
        }

        // One reduction of the same payload per outer step instead of one per inner step.
        long dilocoTx = diloco[0].Steps.Sum(s => s.ReduceTxBytes);
        Assert.That(dilocoTx * Settings.InnerSteps, Is.EqualTo(baselineTx));
        Assert.That(diloco.Sum(p => p.Initialization.SyncRxBytes), Is.GreaterThan(0), "peers started from different weights and adopted one");
    }

    [Test]
    public async Task AsyncDiLoCoConverges()
    {
        TrainingResult[] results = await TrainAsync(4, Settings with { Async = true });
        double initial = EvalLoss(new Mlp(seed: 1).Parameters);
        double loss = EvalLoss(results[0].OuterParameters);
        TestContext.Out.WriteLine($"eval loss: initial {initial:F4}, async DiLoCo {loss:F4}");
        Assert.That(loss, Is.LessThan(initial * 0.35));
        AssertBitIdentical(results);
        foreach (TrainingResult peer in results)
        {
            Assert.That(peer.Steps[0].Applied, Is.False, "the first reduction is applied one step late");
            Assert.That(peer.Steps.Skip(1).Select(s => s.Applied), Is.All.True);
            Assert.That(peer.Steps.Select(s => s.SyncRxBytes), Is.All.Zero);
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task APeerKilledMidReduceLeavesTheSurvivorsBitIdentical(bool async)
    {
        TrainingSettings settings = Settings with { Async = async, OuterSteps = 8 };
        await using var run = new LocalRun();
        for (int i = 0; i < 4; i++)
        {
            await run.JoinAsync();
        }

        Task<TrainingResult?>[] peers = run.Peers.Select((p, rank) => Task.Run(() =>
            new TrainingPeer(p, rank, settings) { FailAtStep = rank == 3 ? 3UL : null }.RunAsync())).ToArray();
        TrainingResult?[] results = await Task.WhenAll(peers).WaitAsync(LocalRun.Bound);

        Assert.That(results[3], Is.Null, "the victim's step failed");
        TrainingResult[] survivors = results.Take(3).Select(r => r!).ToArray();
        AssertBitIdentical(survivors);
        Assert.That(survivors[0].Steps[^1].WorldSize, Is.EqualTo(3), "training went on among the survivors");
        Assert.That(EvalLoss(survivors[0].OuterParameters), Is.LessThan(EvalLoss(new Mlp(seed: 1).Parameters)));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task APeerJoiningMidTrainingContinuesBitIdentically(bool async)
    {
        TrainingSettings settings = Settings with { Async = async, OuterSteps = 8 };
        await using var run = new LocalRun();
        for (int i = 0; i < 3; i++)
        {
            await run.JoinAsync();
        }

        var joiner = new Communicator(run.Options());
        try
        {
            var midway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            List<Task<TrainingResult?>> peers = run.Peers.Select((p, rank) => Task.Run(() => new TrainingPeer(p, rank, settings)
            {
                // At step 2 the joiner starts connecting and everyone holds until it registered, so it is accepted at step 3.
                AfterStep = step =>
                {
                    if (step != 2)
                    {
                        return Task.CompletedTask;
                    }

                    midway.TrySetResult();
                    return registered.Task.WaitAsync(LocalRun.Bound);
                },
            }.RunAsync())).ToList();
            peers.Add(Task.Run(async () =>
            {
                await midway.Task.WaitAsync(LocalRun.Bound);
                Task connect = joiner.ConnectAsync();
                await joiner.Registration.WaitAsync(LocalRun.Bound);
                registered.SetResult();
                await connect.WaitAsync(LocalRun.Bound);
                return await new TrainingPeer(joiner, 3, settings).RunAsync();
            }));
            TrainingResult[] results = (await Task.WhenAll(peers).WaitAsync(LocalRun.Bound)).Select(r => r!).ToArray();

            AssertBitIdentical(results);
            Assert.That(results[3].Initialization.SyncRxBytes, Is.GreaterThan(0), "the joiner received the outer state");
            // The sync optimizer asks at every step; the async one asks in the background and accepts at the next step,
            // so depending on whether the joiner registered before the last peer's step-2 query it joins at 3 or 4.
            Assert.That(results[3].Initialization.OuterStep, async ? Is.InRange(3UL, 4UL) : Is.EqualTo(3UL), "it joined mid-training");
            Assert.That(results.Take(3).SelectMany(r => r.Steps).Count(s => s.AcceptedPeers), Is.EqualTo(3), "each old peer accepted it once");
            Assert.That(results.Take(3).SelectMany(r => r.Steps).Select(s => s.SyncRxBytes), Is.All.Zero, "old peers never fetch");
            Assert.That(results[3].Steps[^1].WorldSize, Is.EqualTo(4));
        }
        finally
        {
            await joiner.DisposeAsync();
        }
    }

    [Test]
    public async Task AnAsyncStepDoesNotWaitForTheOtherPeersOnceItsBackgroundWorkIsDone()
    {
        await using var run = new LocalRun();
        for (int i = 0; i < 3; i++)
        {
            await run.JoinAsync();
        }

        float[][] parameters = [.. Enumerable.Range(0, 3).Select(rank => Enumerable.Range(0, 500).Select(i => MathF.Sin(i + rank)).ToArray())];
        AsyncDiLoCoOptimizer[] optimizers = [.. run.Peers.Select((p, rank) => new AsyncDiLoCoOptimizer(p, [ParameterTensor.FromArray(parameters[rank])]))];
        try
        {
            await Task.WhenAll(optimizers.Select(o => o.InitializeAsync())).WaitAsync(LocalRun.Bound);
            for (int step = 1; step <= 2; step++)
            {
                MoveLocally(parameters, step);
                await Task.WhenAll(optimizers.Select(o => o.StepAsync())).WaitAsync(LocalRun.Bound);
            }

            // Every peer has launched the background work of step 2, so peer 0's step 3 has nothing left to wait for
            // on the others: no barrier (shared-state sync, peers-pending query) may sit on its critical path.
            MoveLocally(parameters, 3);
            OuterStepInfo alone = await optimizers[0].StepAsync().WaitAsync(LocalRun.Bound);
            Assert.That(alone.OuterStep, Is.EqualTo(3UL));
            Assert.That(alone.Applied, Is.True);
            Assert.That(alone.WorldSize, Is.EqualTo(3));
            Assert.That(alone.Timings.SharedStateSync, Is.EqualTo(TimeSpan.Zero), "no shared-state sync on the critical path");
            Assert.That(alone.Timings.PeersPending, Is.EqualTo(TimeSpan.Zero), "no peers-pending query on the critical path");
            Assert.That(alone.Timings.Total, Is.GreaterThanOrEqualTo(alone.Timings.CommunicationWait + alone.Timings.Kernels + alone.Timings.Launch));

            await Task.WhenAll(optimizers.Skip(1).Select(o => o.StepAsync())).WaitAsync(LocalRun.Bound);
            OuterStepInfo[] finished = await Task.WhenAll(optimizers.Select(o => o.FinishAsync())).WaitAsync(LocalRun.Bound);
            Assert.That(finished.Select(f => f.SyncRxBytes), Is.All.Zero);
            for (int rank = 1; rank < 3; rank++)
            {
                Assert.That(optimizers[rank].OuterParameters.ToArray(), Is.EqualTo(optimizers[0].OuterParameters.ToArray()).AsCollection);
            }
        }
        finally
        {
            // Bounded: a step stuck on the others would leave a reduction in flight that disposal waits for.
            foreach (AsyncDiLoCoOptimizer optimizer in optimizers)
            {
                await optimizer.DisposeAsync().AsTask().WaitAsync(LocalRun.Bound);
            }
        }

        static void MoveLocally(float[][] parameters, int step)
        {
            for (int rank = 0; rank < parameters.Length; rank++)
            {
                for (int i = 0; i < parameters[rank].Length; i++)
                {
                    parameters[rank][i] -= 0.01f * MathF.Cos((i * 0.1f) + step + rank);
                }
            }
        }
    }

    [Test]
    public async Task TheOuterStepOfTwoPeersEqualsTheReferenceNesterovStepExactly()
    {
        await using var run = new LocalRun();
        await run.JoinAsync();
        await run.JoinAsync();
        float[][] locals = [Enumerable.Range(0, 1000).Select(i => MathF.Sin(i)).ToArray(), Enumerable.Range(0, 1000).Select(i => MathF.Cos(i)).ToArray()];
        DiLoCoOptimizer[] optimizers = run.Peers.Select((p, i) => new DiLoCoOptimizer(p, [ParameterTensor.FromArray(locals[i])])).ToArray();
        await Task.WhenAll(optimizers.Select(o => o.InitializeAsync())).WaitAsync(LocalRun.Bound);

        float[] theta = optimizers[0].OuterParameters.ToArray();
        var momentum = new float[theta.Length];
        for (int step = 1; step <= 3; step++)
        {
            // Stand-ins for inner steps: each peer moves its parameters its own way.
            for (int i = 0; i < theta.Length; i++)
            {
                locals[0][i] -= 0.01f * step * MathF.Cos(i * 0.1f);
                locals[1][i] += 0.02f * MathF.Sin((i * 0.3f) + step);
            }

            // With two peers the ring's average is (Δ0 + Δ1) / 2 in any order, so the test can form it independently.
            float[] average = theta.Select((t, i) => ((t - locals[0][i]) + (t - locals[1][i])) / 2).ToArray();
            for (int i = 0; i < theta.Length; i++)
            {
                float m = (0.9f * momentum[i]) + average[i];
                momentum[i] = m;
                theta[i] -= 0.7f * (average[i] + (0.9f * m));
            }

            OuterStepInfo[] infos = await Task.WhenAll(optimizers.Select(o => o.StepAsync())).WaitAsync(LocalRun.Bound);
            Assert.That(infos.Select(s => s.OuterStep), Is.All.EqualTo((ulong)step));
            foreach (DiLoCoOptimizer optimizer in optimizers)
            {
                Assert.That(optimizer.OuterParameters.ToArray(), Is.EqualTo(theta).AsCollection, $"θ_outer at step {step}");
                Assert.That(optimizer.OuterMomentum.ToArray(), Is.EqualTo(momentum).AsCollection, $"momentum at step {step}");
            }

            Assert.That(locals[0], Is.EqualTo(theta).AsCollection, "θ_local was reset to θ_outer");
            Assert.That(locals[1], Is.EqualTo(theta).AsCollection);
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AnAlonePeerDropsItsContributionThenAcceptsAPeerThatAsksToJoin(bool async)
    {
        await using var run = new LocalRun();
        Communicator first = await run.JoinAsync();
        float[] parameters = Enumerable.Range(0, 100).Select(i => (float)i).ToArray();
        DiLoCoOptions options = DiLoCoOptions.Default with { PeerWaitTimeout = TimeSpan.FromSeconds(20) };
        await using var optimizer = new Optimizer(first, parameters, options, async);
        await optimizer.InitializeAsync().WaitAsync(LocalRun.Bound);
        float[] start = [.. parameters];

        parameters[7] = 1000f; // this peer's inner steps
        var joiner = new Communicator(run.Options());
        try
        {
            Task connect = joiner.ConnectAsync();
            await joiner.Registration.WaitAsync(LocalRun.Bound);
            Task<OuterStepInfo> step = optimizer.StepAsync();

            // The step accepts the joiner and then syncs the shared state with it, so the joiner initializes meanwhile.
            await connect.WaitAsync(LocalRun.Bound);
            float[] joinerParameters = new float[100];
            await using var second = new Optimizer(joiner, joinerParameters, options, async);
            await second.InitializeAsync().WaitAsync(LocalRun.Bound);
            OuterStepInfo alone = await step.WaitAsync(LocalRun.Bound);

            Assert.That(alone.Applied, Is.False);
            Assert.That(alone.OuterStep, Is.EqualTo(1UL), "the step counts although nothing was applied");
            Assert.That(alone.AcceptedPeers, Is.True, "the waiting peer was accepted while alone");
            Assert.That(parameters, Is.EqualTo(start), "θ_local was reset to the unchanged θ_outer");
            Assert.That(joinerParameters, Is.EqualTo(start), "the joiner adopted the outer parameters");
        }
        finally
        {
            await joiner.DisposeAsync();
        }
    }

    [Test]
    public async Task AnAlonePeerWithNobodyToWaitForGoesOnAfterTheTimeout()
    {
        await using var run = new LocalRun();
        Communicator only = await run.JoinAsync();
        float[] parameters = [1f, 2f, 3f];
        var optimizer = new DiLoCoOptimizer(only, [ParameterTensor.FromArray(parameters)],
            DiLoCoOptions.Default with { PeerWaitTimeout = TimeSpan.FromMilliseconds(50) });
        await optimizer.InitializeAsync().WaitAsync(LocalRun.Bound);
        parameters[0] = 5f;
        OuterStepInfo info = await optimizer.StepAsync().WaitAsync(LocalRun.Bound);
        Assert.That(info.Applied, Is.False);
        Assert.That(info.AcceptedPeers, Is.False);
        Assert.That(info.WorldSize, Is.EqualTo(1));
        Assert.That(parameters, Is.EqualTo(new[] { 1f, 2f, 3f }));
        await Assert.ThrowsAsync<CollectivesException>(() => optimizer.InitializeAsync());
    }

    /// <summary>The two optimizers behind one face, over a single parameter array.</summary>
    private sealed class Optimizer(Communicator communicator, float[] parameters, DiLoCoOptions options, bool async) : IAsyncDisposable
    {
        private readonly DiLoCoOptimizer? _sync = async ? null : new DiLoCoOptimizer(communicator, [ParameterTensor.FromArray(parameters)], options);
        private readonly AsyncDiLoCoOptimizer? _async = async ? new AsyncDiLoCoOptimizer(communicator, [ParameterTensor.FromArray(parameters)], options) : null;

        public Task<OuterStepInfo> InitializeAsync() => _sync?.InitializeAsync() ?? _async!.InitializeAsync();

        public Task<OuterStepInfo> StepAsync() => _sync?.StepAsync() ?? _async!.StepAsync();

        public ValueTask DisposeAsync() => _async?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
