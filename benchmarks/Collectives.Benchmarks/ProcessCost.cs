using System.Diagnostics;

namespace Collectives.Benchmarks;

/// <summary>
/// What a process spent: thread-pool work items run and CPU time. On a machine with fewer cores than busy processes a
/// small all-reduce's latency follows its CPU cost and its thread hand-offs (each work item is one), so the benchmark
/// prints both per iteration next to the times, which scatter far more with the machine's load than these do.
/// </summary>
internal readonly record struct ProcessCost(long WorkItems, double CpuUs)
{
    public static ProcessCost Now()
    {
        using Process self = Process.GetCurrentProcess();
        return new ProcessCost(ThreadPool.CompletedWorkItemCount, self.TotalProcessorTime.TotalMicroseconds);
    }

    public static ProcessCost operator -(ProcessCost a, ProcessCost b) => new(a.WorkItems - b.WorkItems, a.CpuUs - b.CpuUs);
}
