using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Collectives.Interop;

namespace Collectives.Native;

public static unsafe partial class Exports
{
    /// <summary><c>pcclResult_t pcclCreateMaster(ccoip_socket_address_t listen_address, pcclMasterInstance_t **)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclCreateMaster", CallConvs = [typeof(CallConvCdecl)])]
    public static int CreateMaster(AbiSocketAddress listenAddress, nint* masterOut)
    {
        try
        {
            MasterEntryPoints.Create(listenAddress, null, extended: false, masterOut);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t collectivesCreateMasterEx(ccoip_socket_address_t, const collectivesMasterOptions_t *, pcclMasterInstance_t **)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "collectivesCreateMasterEx", CallConvs = [typeof(CallConvCdecl)])]
    public static int CreateMasterEx(AbiSocketAddress listenAddress, AbiMasterOptions* options, nint* masterOut)
    {
        try
        {
            MasterEntryPoints.Create(listenAddress, options, extended: true, masterOut);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t pcclRunMaster(pcclMasterInstance_t *)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclRunMaster", CallConvs = [typeof(CallConvCdecl)])]
    public static int RunMaster(nint master)
    {
        try
        {
            MasterEntryPoints.Run(master);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t pcclInterruptMaster(pcclMasterInstance_t *)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclInterruptMaster", CallConvs = [typeof(CallConvCdecl)])]
    public static int InterruptMaster(nint master)
    {
        try
        {
            MasterEntryPoints.Interrupt(master);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t pcclMasterAwaitTermination(pcclMasterInstance_t *)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclMasterAwaitTermination", CallConvs = [typeof(CallConvCdecl)])]
    public static int MasterAwaitTermination(nint master)
    {
        try
        {
            MasterEntryPoints.AwaitTermination(master);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t pcclDestroyMaster(pcclMasterInstance_t *)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclDestroyMaster", CallConvs = [typeof(CallConvCdecl)])]
    public static int DestroyMaster(nint master)
    {
        try
        {
            MasterEntryPoints.Destroy(master);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t collectivesGetMasterPort(const pcclMasterInstance_t *, uint16_t *)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "collectivesGetMasterPort", CallConvs = [typeof(CallConvCdecl)])]
    public static int GetMasterPort(nint master, ushort* portOut)
    {
        try
        {
            MasterEntryPoints.GetPort(master, portOut);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }
}
