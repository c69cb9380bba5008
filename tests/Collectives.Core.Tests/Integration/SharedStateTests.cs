using System.Runtime.InteropServices;
using Collectives.SharedState;
using NUnit.Framework;

namespace Collectives.Tests.Integration;

[TestFixture]
[CancelAfter(180_000)]
public class SharedStateTests
{
    private sealed class PeerState
    {
        public PeerState(ulong revision, int seed, int size = 10_000)
        {
            var random = new Random(seed);
            Weights = Enumerable.Range(0, size).Select(_ => random.NextSingle()).ToArray();
            Moments = Enumerable.Range(0, size / 2).Select(_ => random.NextDouble()).ToArray();
            Steps = [seed, seed * 2];
            Half = Enumerable.Range(0, 777).Select(i => (Half)(random.NextSingle() * i)).ToArray();
            BFloat = Enumerable.Range(0, 333).Select(_ => (ushort)random.Next(0x3000, 0x4000)).ToArray();
            Shorts = Enumerable.Range(0, 99).Select(_ => (short)random.Next(short.MinValue, short.MaxValue)).ToArray();
            Set = new SharedTensorSet(revision,
            [
                SharedTensor.Create("weights", Weights.AsMemory()),
                SharedTensor.Create("moments", Moments.AsMemory()),
                SharedTensor.Create("steps", Steps.AsMemory()),
                SharedTensor.Create("half", Half.AsMemory()),
                SharedTensor.Create("bfloat", BFloat.AsMemory(), dataType: DataType.BFloat16),
                SharedTensor.Create("shorts", Shorts.AsMemory()),
            ]);
        }

        public float[] Weights { get; }

        public double[] Moments { get; }

        public long[] Steps { get; }

        public Half[] Half { get; }

        public ushort[] BFloat { get; }

        public short[] Shorts { get; }

        public SharedTensorSet Set { get; }

        public byte[] Bytes() => [.. MemoryMarshal.AsBytes(Weights.AsSpan()), .. MemoryMarshal.AsBytes(Moments.AsSpan()),
            .. MemoryMarshal.AsBytes(Steps.AsSpan()), .. MemoryMarshal.AsBytes(Half.AsSpan()), .. MemoryMarshal.AsBytes(BFloat.AsSpan()),
            .. MemoryMarshal.AsBytes(Shorts.AsSpan())];
    }

    private static Task<SharedStateSyncInfo[]> SyncAllAsync(LocalRun run, IReadOnlyList<PeerState> states, SharedStateStrategy[]? strategies = null) =>
        Task.WhenAll(run.Peers.Select((p, i) => p.SynchronizeSharedStateAsync(states[i].Set, strategies?[i] ?? SharedStateStrategy.EnforcePopular)))
            .WaitAsync(LocalRun.Bound);

    [Test]
    public async Task JoinerReceivesEveryTypeFromThreeDonorsAndEndsBitIdentical()
    {
        await using var run = new LocalRun();
        for (int i = 0; i < 3; i++)
        {
            await run.JoinAsync();
        }

        var states = new List<PeerState> { new(5, 1), new(5, 1), new(5, 1) };
        SharedStateSyncInfo[] first = await SyncAllAsync(run, states);
        Assert.That(first.Sum(i => i.RxBytes), Is.Zero, "identical peers transfer nothing");

        await run.JoinAsync();
        states.Add(new PeerState(0, 99));
        SharedStateSyncInfo[] infos = await SyncAllAsync(run, states);
        Assert.That(infos[3].RxBytes, Is.EqualTo(states[0].Bytes().Length));
        Assert.That(infos[3].Revision, Is.EqualTo(5UL));
        Assert.That(states[3].Set.Revision, Is.EqualTo(5UL));
        Assert.That(states[3].Bytes(), Is.EqualTo(states[0].Bytes()), "fp16, bf16 and i16 tensors included");
        Assert.That(infos.Take(3).Count(i => i.TxBytes > 0), Is.GreaterThanOrEqualTo(2), "the joiner fetched from several donors at once");
    }

    [Test]
    public async Task APeerWithOneDivergedTensorFetchesOnlyThatTensor()
    {
        await using var run = new LocalRun();
        for (int i = 0; i < 3; i++)
        {
            await run.JoinAsync();
        }

        var states = new List<PeerState> { new(1, 7), new(1, 7), new(1, 7) };
        states[2].Steps[1] = 12345;
        SharedStateSyncInfo[] infos = await SyncAllAsync(run, states);
        Assert.That(infos[2].RxBytes, Is.EqualTo(16), "only the 2-element int64 tensor moved");
        Assert.That(states[2].Steps, Is.EqualTo(states[0].Steps));
    }

    [Test]
    public async Task DeterministicLoopTransfersNothingAfterTheFirstSync()
    {
        await using var run = new LocalRun();
        await run.JoinAsync();
        await run.JoinAsync();
        var states = new List<PeerState> { new(0, 1), new(0, 2) };
        await SyncAllAsync(run, states);
        for (ulong step = 1; step <= 5; step++)
        {
            foreach (PeerState state in states)
            {
                state.Set.Revision = step;
                for (int i = 0; i < state.Weights.Length; i++)
                {
                    state.Weights[i] = (state.Weights[i] * 0.5f) + step;
                }
            }

            SharedStateSyncInfo[] infos = await SyncAllAsync(run, states);
            Assert.That(infos.Select(i => i.RxBytes), Is.All.Zero, $"step {step}");
            Assert.That(infos.Select(i => i.Revision), Is.All.EqualTo(step));
        }
    }

    [Test]
    public async Task TiesAreResolvedIdenticallyOnEveryPeer()
    {
        await using var run = new LocalRun();
        await run.JoinAsync();
        await run.JoinAsync();
        var states = new List<PeerState> { new(3, 10), new(3, 20) };
        await SyncAllAsync(run, states);
        Assert.That(states[0].Bytes(), Is.EqualTo(states[1].Bytes()));
    }

    [Test]
    public async Task PeersJumpingAheadAreRemovedAndTheRestCarryOn()
    {
        await using var run = new LocalRun();
        for (int i = 0; i < 4; i++)
        {
            await run.JoinAsync();
        }

        var states = new List<PeerState> { new(1, 1), new(1, 1), new(1, 1), new(1, 1) };
        await SyncAllAsync(run, states);
        states[0].Set.Revision = 2;
        states[1].Set.Revision = 2;
        states[2].Set.Revision = 5;
        states[3].Set.Revision = 6;
        Task<SharedStateSyncInfo>[] syncs = run.Peers.Select((p, i) => p.SynchronizeSharedStateAsync(states[i].Set)).ToArray();
        foreach (int ahead in new[] { 2, 3 })
        {
            var error = await Assert.CatchAsync<CollectivesException>(() => syncs[ahead].WaitAsync(LocalRun.Bound));
            Assert.That(error!.ErrorCode, Is.AnyOf(ErrorCode.Kicked, ErrorCode.MasterConnectionFailed), error.Message);
        }

        SharedStateSyncInfo[] rest = await Task.WhenAll(syncs[0], syncs[1]).WaitAsync(LocalRun.Bound);
        Assert.That(rest.Select(r => r.Revision), Is.All.EqualTo(2UL));
    }

    [Test]
    public async Task ReceiveOnlyNeverDonatesAndSendOnlyMustAlreadyHoldThePopularContent()
    {
        await using var run = new LocalRun();
        for (int i = 0; i < 3; i++)
        {
            await run.JoinAsync();
        }

        // The receive-only peer's content is the odd one out and must not win, even though nobody else agrees either.
        var states = new List<PeerState> { new(1, 1), new(1, 1), new(1, 3) };
        SharedStateSyncInfo[] infos = await SyncAllAsync(run, states,
            [SharedStateStrategy.SendOnly, SharedStateStrategy.EnforcePopular, SharedStateStrategy.ReceiveOnly]);
        Assert.That(infos[2].TxBytes, Is.Zero);
        Assert.That(states[2].Bytes(), Is.EqualTo(states[0].Bytes()));

        states[0].Weights[0] += 1;
        foreach (PeerState state in states)
        {
            state.Set.Revision = 2;
        }

        Task<SharedStateSyncInfo>[] syncs = run.Peers.Select((p, i) =>
            p.SynchronizeSharedStateAsync(states[i].Set, i == 0 ? SharedStateStrategy.SendOnly : SharedStateStrategy.EnforcePopular)).ToArray();
        var error = await Assert.CatchAsync<CollectivesException>(() => syncs[0].WaitAsync(LocalRun.Bound));
        Assert.That(error!.ErrorCode, Is.AnyOf(ErrorCode.Kicked, ErrorCode.MasterConnectionFailed), "send-only peer with diverged content");
        await Task.WhenAll(syncs[1], syncs[2]).WaitAsync(LocalRun.Bound);
    }

    [Test]
    public async Task DonorCutMidTransferFailsTheSyncCleanlyAndTheRetrySucceeds()
    {
        await using var run = new LocalRun();
        for (int i = 0; i < 3; i++)
        {
            await run.JoinAsync();
        }

        const int big = 4 << 20; // 16 MiB of float32: half from each donor
        var states = new List<PeerState> { new(1, 1, big), new(1, 1, big), new(0, 2, big) };
        // Donor 1 is frozen, so the joiner's transfer is certainly still running (half its data is stuck) when donor 1 is cut.
        run.Peers[1].SimulateStall(true);
        Task<SharedStateSyncInfo>[] syncs = run.Peers.Select((p, i) => p.SynchronizeSharedStateAsync(states[i].Set)).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (run.Peers[2].SharedStateBytesReceived == 0 && clock.Elapsed < LocalRun.Bound)
        {
            await Task.Delay(5);
        }

        Assert.That(syncs[2].IsCompleted, Is.False, "the transfer was still running when the donor was cut");
        run.Peers[1].SimulateConnectionFailure();
        var error = await Assert.CatchAsync<CollectivesException>(() => syncs[2].WaitAsync(LocalRun.Bound));
        Assert.That(error!.IsTransient || error.ErrorCode == ErrorCode.RankConnectionLost, Is.True, error.ToString());
        await Assert.CatchAsync<CollectivesException>(() => syncs[1].WaitAsync(LocalRun.Bound));

        await run.Peers[0].WaitForWorldSizesAsync(s => s.PeerGroup == 2, LocalRun.Bound);
        try
        {
            await syncs[0].WaitAsync(LocalRun.Bound);
        }
        catch (CollectivesException)
        {
            // The surviving donor's round failed too: expected.
        }

        SharedStateSyncInfo[] retry = await Task.WhenAll(
            run.Peers[0].SynchronizeSharedStateAsync(states[0].Set), run.Peers[2].SynchronizeSharedStateAsync(states[2].Set)).WaitAsync(LocalRun.Bound);
        Assert.That(states[2].Bytes(), Is.EqualTo(states[0].Bytes()));
        Assert.That(retry[1].RxBytes, Is.GreaterThan(0));
    }
}
