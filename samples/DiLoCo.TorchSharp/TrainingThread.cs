using System.Collections.Concurrent;

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

    /// <summary>Runs <paramref name="loop"/> on a new thread scheduled by <paramref name="policy"/>.</summary>
    public static T Run<T>(ComputePolicy policy, Func<Task<T>> loop)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                policy.ApplyToCurrentThread();
            }
            catch (InvalidOperationException e)
            {
                failure = e;
                return;
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
}
