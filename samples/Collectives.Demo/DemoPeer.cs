using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Collectives.Demo;

/// <summary>
/// One simulated trainer: every step it agrees on the step number with the others (all-reduce max), then averages a
/// "gradient" with them (all-reduce avg), retrying among the survivors when a peer dies. It records the hash of every
/// step's result so the demo can check that all peers ended up with the same bits.
/// </summary>
internal sealed class DemoPeer(string name, Communicator communicator, int elements)
{
    private readonly float[] _gradient = new float[elements];

    public string Name { get; } = name;

    public Communicator Communicator { get; } = communicator;

    public Dictionary<long, ulong> ResultHashes { get; } = [];

    public long Step { get; private set; }

    public int Retries { get; private set; }

    public string Status { get; set; } = "starting";

    public bool Alive { get; set; } = true;

    public async Task RunAsync(long untilStep, bool joiner, Action<DemoPeer> onStep, Action<DemoPeer> onReduceStarted, CancellationToken stop)
    {
        bool checkPending = !joiner; // a joiner was just accepted: it goes straight to the step like the others
        while (!stop.IsCancellationRequested && Step < untilStep)
        {
            if (checkPending && await Communicator.ArePeersPendingAsync(stop))
            {
                Status = "accepting a new peer";
                await Communicator.UpdateTopologyAsync(stop);
            }

            checkPending = true;
            long[] step = [Step];
            await WithRetryAsync(() => Communicator.AllReduceAsync(step.AsMemory(), ReduceOp.Max, tag: 1, cancellationToken: stop), stop);
            Step = step[0];

            FillGradient(Step);
            Status = "all-reduce";
            Task<AllReduceInfo> reduce = WithRetryAsync(() => Communicator.AllReduceAsync(_gradient.AsMemory(), ReduceOp.Avg, tag: 2, cancellationToken: stop), stop);
            onReduceStarted(this);
            AllReduceInfo info = await reduce;
            ResultHashes[Step] = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(_gradient.AsSpan()));
            Status = $"step done (world {info.WorldSize})";
            Step++;
            onStep(this);
        }
    }

    private void FillGradient(long step)
    {
        // Different on every peer and every step, like real gradients; deterministic so runs can be compared.
        var random = new Random(HashCode.Combine(Name, step));
        for (int i = 0; i < _gradient.Length; i++)
        {
            _gradient[i] = (float)(random.NextDouble() - 0.5);
        }
    }

    private async Task<AllReduceInfo> WithRetryAsync(Func<Task<AllReduceInfo>> operation, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                return await operation();
            }
            catch (CollectivesException e) when (e.IsTransient && !stop.IsCancellationRequested)
            {
                Retries++;
                Status = $"retrying after {e.ErrorCode}";
            }
        }
    }
}
