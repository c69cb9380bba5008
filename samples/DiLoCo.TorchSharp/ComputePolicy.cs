using System.Globalization;
using System.Runtime.InteropServices;

namespace DiLoCo.TorchSharp;

/// <summary>
/// How the training thread (and with it libtorch, which runs one intra-op thread: the caller) is scheduled against the
/// process's other threads (sockets, relay, the library's background all-reduce). <c>idle</c> (Linux SCHED_IDLE) models
/// compute on an accelerator: any communication thread that becomes runnable takes the core at once, as it would on a
/// machine whose CPU is free because a GPU computes. <c>nice:N</c> raises the thread's nice level by N; <c>normal</c>
/// leaves it as the process's other threads.
/// </summary>
internal sealed record ComputePolicy(string Kind, int Nice)
{
    public static readonly ComputePolicy Normal = new("normal", 0);

    public static readonly ComputePolicy Idle = new("idle", 0);

    /// <summary>Parses <c>idle</c>, <c>normal</c> or <c>nice:N</c>.</summary>
    public static ComputePolicy Parse(string text) => text switch
    {
        "idle" => Idle,
        "normal" => Normal,
        _ when text.StartsWith("nice:", StringComparison.Ordinal) => new("nice", int.Parse(text.AsSpan(5), CultureInfo.InvariantCulture)),
        _ => throw new ArgumentException($"--compute-policy: expected idle, normal or nice:N, got '{text}'"),
    };

    public override string ToString() => Kind == "nice" ? $"nice:{Nice}" : Kind;

    /// <summary>Applies the policy to the calling thread (Linux; elsewhere nothing happens). Throws when the kernel refuses.</summary>
    public void ApplyToCurrentThread()
    {
        if (!OperatingSystem.IsLinux() || Kind == "normal")
        {
            return;
        }

        int thread = gettid();
        int result = Kind == "idle"
            ? sched_setscheduler(thread, SchedIdle, new SchedParam())
            : setpriority(PrioProcess, thread, Math.Min(19, getpriority(PrioProcess, thread) + Nice));
        if (result != 0)
        {
            throw new InvalidOperationException($"compute policy {this}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>The calling thread's kernel id (Linux; 0 elsewhere).</summary>
    public static int CurrentThreadId() => OperatingSystem.IsLinux() ? gettid() : 0;

    /// <summary>The calling thread's scheduling policy as the kernel reports it (for the log): 0 normal, 5 idle.</summary>
    public static int CurrentSchedulerPolicy() => OperatingSystem.IsLinux() ? sched_getscheduler(gettid()) : 0;

    // Linux: SCHED_IDLE (5) and a thread's nice level are per thread (a thread id as pid); lowering needs no privilege.
    private const int SchedIdle = 5;
    private const int PrioProcess = 0;

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority; // must be 0 for SCHED_IDLE
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setscheduler(int pid, int policy, in SchedParam param);

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_getscheduler(int pid);

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int prio);

    [DllImport("libc")]
    private static extern int getpriority(int which, int who);

    [DllImport("libc")]
    private static extern int gettid();
}
