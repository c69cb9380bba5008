using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace DiLoCo.TorchSharp;

/// <summary>
/// Runs an async training loop on one dedicated thread: its continuations come back to that thread (a one-thread
/// synchronization context), so the libtorch compute never occupies a thread-pool thread and the pool stays free for
/// the sockets, the relay and the library's background all-reduce. The library's own continuations do not come here
/// (it awaits with ConfigureAwait(false)).
/// </summary>
internal sealed class TrainingThread : SynchronizationContext, IDisposable
{
    private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = [];

    /// <summary>Runs <paramref name="loop"/> on a new thread whose nice level is raised by <paramref name="nice"/> over the process's (Linux; 0: unchanged).</summary>
    public static T Run<T>(int nice, Func<Task<T>> loop)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            if (nice != 0 && OperatingSystem.IsLinux() && setpriority(0, gettid(), Math.Min(19, getpriority(0, gettid()) + nice)) != 0)
            {
                Console.Error.WriteLine($"setpriority({nice}) failed: {Marshal.GetLastPInvokeError()}");
            }

            using var context = new TrainingThread();
            SetSynchronizationContext(context);
            Task<T> task = loop();
            task.ContinueWith(_ => context._queue.CompleteAdding(), TaskScheduler.Default);
            foreach ((SendOrPostCallback callback, object? state) in context._queue.GetConsumingEnumerable())
            {
                callback(state);
            }

            try
            {
                result = task.GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { Name = "training" };
        thread.Start();
        thread.Join();
        return failure is null ? result : throw new InvalidOperationException("the training loop failed", failure);
    }

    public override void Post(SendOrPostCallback d, object? state)
    {
        try
        {
            _queue.Add((d, state));
        }
        catch (InvalidOperationException)
        {
            ThreadPool.QueueUserWorkItem(_ => d(state)); // posted after the loop ended: nobody pumps any more
        }
    }

    public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("the training thread only takes posts");

    public void Dispose() => _queue.Dispose();

    // Linux: a thread's nice level is per thread (PRIO_PROCESS with a thread id); raising it needs no privilege.
    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int prio);

    [DllImport("libc")]
    private static extern int getpriority(int which, int who);

    [DllImport("libc")]
    private static extern int gettid();
}
