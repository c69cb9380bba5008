using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Collectives.Interop;

namespace Collectives.Native;

public static unsafe partial class Exports
{
    /// <summary><c>pcclResult_t pcclCreateCommunicator(const pcclCommCreateParams_t *params, pcclComm_t **comm_out)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclCreateCommunicator", CallConvs = [typeof(CallConvCdecl)])]
    public static int CreateCommunicator(AbiCommCreateParams* parameters, nint* communicatorOut)
    {
        try
        {
            CommunicatorEntryPoints.Create(parameters, null, extended: false, communicatorOut);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t collectivesCreateCommunicatorEx(const pcclCommCreateParams_t *, const collectivesCommOptions_t *, pcclComm_t **)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "collectivesCreateCommunicatorEx", CallConvs = [typeof(CallConvCdecl)])]
    public static int CreateCommunicatorEx(AbiCommCreateParams* parameters, AbiCommOptions* options, nint* communicatorOut)
    {
        try
        {
            CommunicatorEntryPoints.Create(parameters, options, extended: true, communicatorOut);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t pcclGetAttribute(const pcclComm_t *, pcclAttribute_t, int *)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclGetAttribute", CallConvs = [typeof(CallConvCdecl)])]
    public static int GetAttribute(nint communicator, int attribute, int* valueOut)
    {
        try
        {
            CommunicatorEntryPoints.GetAttribute(communicator, attribute, valueOut);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t pcclDestroyCommunicator(pcclComm_t *)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclDestroyCommunicator", CallConvs = [typeof(CallConvCdecl)])]
    public static int DestroyCommunicator(nint communicator)
    {
        try
        {
            CommunicatorEntryPoints.Destroy(communicator);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t pcclConnect(pcclComm_t *)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclConnect", CallConvs = [typeof(CallConvCdecl)])]
    public static int Connect(nint communicator)
    {
        try
        {
            CommunicatorEntryPoints.Connect(communicator);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t pcclUpdateTopology(pcclComm_t *)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclUpdateTopology", CallConvs = [typeof(CallConvCdecl)])]
    public static int UpdateTopology(nint communicator)
    {
        try
        {
            CommunicatorEntryPoints.UpdateTopology(communicator);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t pcclArePeersPending(const pcclComm_t *, bool *)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclArePeersPending", CallConvs = [typeof(CallConvCdecl)])]
    public static int ArePeersPending(nint communicator, byte* pendingOut)
    {
        try
        {
            CommunicatorEntryPoints.ArePeersPending(communicator, pendingOut);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t pcclOptimizeTopology(const pcclComm_t *)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclOptimizeTopology", CallConvs = [typeof(CallConvCdecl)])]
    public static int OptimizeTopology(nint communicator)
    {
        try
        {
            CommunicatorEntryPoints.OptimizeTopology(communicator);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t pcclSynchronizeSharedState(const pcclComm_t *, pcclSharedState_t *, pcclSharedStateSyncStrategy_t, pcclSharedStateSyncInfo_t *)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclSynchronizeSharedState", CallConvs = [typeof(CallConvCdecl)])]
    public static int SynchronizeSharedState(nint communicator, AbiSharedState* sharedState, int strategy, AbiSharedStateSyncInfo* infoOut)
    {
        try
        {
            SharedStateEntryPoints.Synchronize(communicator, sharedState, strategy, infoOut);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }
}
