using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Collectives.Interop;

namespace Collectives.Native;

/// <summary>
/// The C entry points of libcollectives (declared in native/include/pccl.h). Each export only forwards to
/// Collectives.Interop and catches everything: no exception ever crosses the boundary, it becomes a result code and
/// the thread's last-error message.
/// </summary>
public static unsafe partial class Exports
{
    /// <summary><c>int collectivesGetVersion(void)</c>: the wire protocol version; also the reference for call overhead.</summary>
    [UnmanagedCallersOnly(EntryPoint = "collectivesGetVersion", CallConvs = [typeof(CallConvCdecl)])]
    public static int GetVersion() => Protocol.ProtocolVersion.Current;

    /// <summary><c>pcclResult_t pcclInit(void)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclInit", CallConvs = [typeof(CallConvCdecl)])]
    public static int Init()
    {
        try
        {
            LibraryEntryPoints.Init();
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t pcclGetBuildInfo(pcclBuildInfo_t *info)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclGetBuildInfo", CallConvs = [typeof(CallConvCdecl)])]
    public static int GetBuildInfo(AbiBuildInfo* info)
    {
        try
        {
            LibraryEntryPoints.GetBuildInfo(info);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t collectivesSetLogLevel(collectivesLogLevel_t level)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "collectivesSetLogLevel", CallConvs = [typeof(CallConvCdecl)])]
    public static int SetLogLevel(int level)
    {
        try
        {
            LibraryEntryPoints.SetLogLevel(level);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t collectivesSetLogCallback(collectivesLogCallback_t callback, void *user)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "collectivesSetLogCallback", CallConvs = [typeof(CallConvCdecl)])]
    public static int SetLogCallback(delegate* unmanaged[Cdecl]<int, byte*, void*, void> callback, void* user)
    {
        try
        {
            LibraryEntryPoints.SetLogCallback(callback, user);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t collectivesCommOptionsInit(collectivesCommOptions_t *options)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "collectivesCommOptionsInit", CallConvs = [typeof(CallConvCdecl)])]
    public static int CommOptionsInit(AbiCommOptions* options)
    {
        try
        {
            LibraryEntryPoints.CommOptionsInit(options);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t collectivesMasterOptionsInit(collectivesMasterOptions_t *options)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "collectivesMasterOptionsInit", CallConvs = [typeof(CallConvCdecl)])]
    public static int MasterOptionsInit(AbiMasterOptions* options)
    {
        try
        {
            LibraryEntryPoints.MasterOptionsInit(options);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>const char *collectivesResultString(pcclResult_t result)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "collectivesResultString", CallConvs = [typeof(CallConvCdecl)])]
    public static byte* ResultString(int result) => ResultStrings.Of(result);

    /// <summary><c>const char *collectivesGetLastErrorMessage(void)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "collectivesGetLastErrorMessage", CallConvs = [typeof(CallConvCdecl)])]
    public static byte* GetLastErrorMessage() => LastError.Pointer;
}
