using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Collectives.PackageConsumer;

/// <summary>
/// Two exports of libcollectives.so, which the Collectives.Native.Runtime package puts under runtimes/linux-x64/native;
/// the .NET host finds it there through the app's deps.json, with no path in this code.
/// </summary>
internal static partial class LibCollectives
{
    [LibraryImport("libcollectives", EntryPoint = "collectivesGetVersion")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int GetVersion();

    [LibraryImport("libcollectives", EntryPoint = "collectivesResultString")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial nint ResultString(int result);

    /// <summary>The library's description of a result code.</summary>
    public static string Describe(int result) => Marshal.PtrToStringUTF8(ResultString(result)) ?? string.Empty;
}
