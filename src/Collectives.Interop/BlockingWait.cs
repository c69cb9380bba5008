namespace Collectives.Interop;

/// <summary>
/// Blocks a C caller's thread until a library task settled, without spinning first. Task.GetAwaiter().GetResult()
/// spins (twice: the task, then its event) before it sleeps; on a machine whose cores are busy with the library's own
/// I/O and reduction threads that spinning takes CPU from exactly the work being waited for, and it made the C API's
/// small all-reduces measurably slower than the same call awaited from .NET (benchmarks/RESULTS.md, capi).
/// </summary>
internal static class BlockingWait
{
    /// <summary>The task's result (or its exception, unwrapped), after a wait that sleeps at once.</summary>
    public static T Result<T>(Task<T> task)
    {
        if (!task.IsCompleted)
        {
            using var settled = new ManualResetEventSlim(false, spinCount: 0);
            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(settled.Set);
            settled.Wait();
        }

        return task.GetAwaiter().GetResult();
    }
}
