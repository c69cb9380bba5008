using Collectives.Membership;

namespace Collectives.Interop;

/// <summary>The logic behind the master exports (no <c>pcclInit</c> needed, as in PCCL). Methods throw; the exports map.</summary>
internal static unsafe class MasterEntryPoints
{
    /// <summary><c>pcclCreateMaster</c> / <c>collectivesCreateMasterEx</c>.</summary>
    public static void Create(in AbiSocketAddress listen, AbiMasterOptions* extra, bool extended, nint* masterOut)
    {
        LibraryEntryPoints.RequireOut(masterOut, "p_master_handle_out");
        if (extended)
        {
            LibraryEntryPoints.RequireOut(extra, "options");
        }

        MasterOptions options = AbiOptions.Master(listen, extra);
        *masterOut = HandleTable.Shared.Add(new NativeMaster(options));
    }

    /// <summary><c>pcclRunMaster</c>.</summary>
    public static void Run(nint handle) => Lookup(handle).Run();

    /// <summary><c>pcclInterruptMaster</c>.</summary>
    public static void Interrupt(nint handle) => Lookup(handle).Interrupt();

    /// <summary><c>pcclMasterAwaitTermination</c>.</summary>
    public static void AwaitTermination(nint handle) => Lookup(handle).AwaitTermination();

    /// <summary><c>pcclDestroyMaster</c>.</summary>
    public static void Destroy(nint handle) => HandleTable.Shared.Remove<NativeMaster>(handle, "master").Destroy();

    /// <summary><c>collectivesGetMasterPort</c>.</summary>
    public static void GetPort(nint handle, ushort* portOut)
    {
        NativeMaster master = Lookup(handle);
        LibraryEntryPoints.RequireOut(portOut, "port_out");
        *portOut = master.Port;
    }

    private static NativeMaster Lookup(nint handle) => HandleTable.Shared.Get<NativeMaster>(handle, "master");
}
