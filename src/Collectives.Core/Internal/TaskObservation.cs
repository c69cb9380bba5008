namespace Collectives.Internal;

/// <summary>
/// Internal completion sources are faulted on every failure path (verdicts, master loss, disposal) whether or not a
/// caller is still waiting on them. A faulted task nobody looks at raises TaskScheduler.UnobservedTaskException, which
/// crashes hosts that run with ThrowUnobservedTaskExceptions; marking such tasks observed up front prevents that. The
/// exception still reaches every caller that does await the task.
/// </summary>
internal static class TaskObservation
{
    /// <summary>Marks <paramref name="task"/>'s exception, if it ever faults, as observed.</summary>
    public static void ObserveFaults(this Task task) =>
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
