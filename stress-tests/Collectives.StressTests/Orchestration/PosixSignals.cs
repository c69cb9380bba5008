using System.Runtime.InteropServices;

namespace Collectives.StressTests.Orchestration;

/// <summary>kill(2): the churn SIGKILLs, SIGSTOPs and SIGCONTs real peer processes.</summary>
internal static partial class PosixSignals
{
    public const int Kill = 9;
    public const int Continue = 18;
    public const int Stop = 19;

    /// <returns>True when the signal was delivered.</returns>
    public static bool Send(int pid, int signal) => SendSignal(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
