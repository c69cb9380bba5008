using System.Runtime.InteropServices;

namespace Collectives.NetEmulation;

/// <summary>The few libc calls that moving a thread into a network namespace needs.</summary>
internal static partial class LinuxNative
{
    internal const int OpenReadOnly = 0;
    internal const int OpenCloseOnExec = 0x80000;
    internal const int CloneNewNet = 0x40000000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    internal static partial int SetNamespace(int fd, int namespaceType);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    internal static partial uint GetEffectiveUserId();
}
