namespace Collectives.Tests.Internal;

/// <summary>Counts the unobserved task exceptions a piece of code leaves behind once its tasks are collected.</summary>
internal static class UnobservedFaults
{
    /// <summary>
    /// Runs <paramref name="dropFaultedTasks"/> (which must let go of every task it created; a separate, non-inlined method
    /// keeps no local of the caller alive), collects twice, and counts the unobserved exceptions whose text contains
    /// <paramref name="marker"/> (so faults of other, concurrently running tests are not counted).
    /// </summary>
    public static int CountAfter(string marker, Action dropFaultedTasks)
    {
        int seen = 0;
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            if (e.Exception.ToString().Contains(marker, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref seen);
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            dropFaultedTasks();
            for (int i = 0; i < 2; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }

        return Volatile.Read(ref seen);
    }
}
