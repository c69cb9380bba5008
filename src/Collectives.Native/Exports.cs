using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Collectives.Native;

/// <summary>C entry points. Each export catches everything: no exception crosses the boundary.</summary>
public static class Exports
{
    /// <summary>Returns the library's protocol version, a cheap call used to measure call overhead.</summary>
    [UnmanagedCallersOnly(EntryPoint = "collectivesGetVersion", CallConvs = [typeof(CallConvCdecl)])]
    public static int GetVersion() => Collectives.Protocol.ProtocolVersion.Current;
}
