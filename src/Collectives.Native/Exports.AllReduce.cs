using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Collectives.Interop;

namespace Collectives.Native;

public static unsafe partial class Exports
{
    /// <summary><c>pcclResult_t pcclAllReduce(const void *, void *, const pcclReduceDescriptor_t *, const pcclComm_t *, pcclReduceInfo_t *)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclAllReduce", CallConvs = [typeof(CallConvCdecl)])]
    public static int AllReduce(void* send, void* receive, AbiReduceDescriptor* descriptor, nint communicator, AbiReduceInfo* infoOut)
    {
        try
        {
            AllReduceEntryPoints.AllReduce(send, receive, descriptor, communicator, infoOut);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t pcclAllReduceAsync(const void *, void *, const pcclReduceDescriptor_t *, const pcclComm_t *, pcclAsyncReduceOp_t *)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclAllReduceAsync", CallConvs = [typeof(CallConvCdecl)])]
    public static int AllReduceAsync(void* send, void* receive, AbiReduceDescriptor* descriptor, nint communicator, AbiAsyncReduceOp* handleOut)
    {
        try
        {
            AllReduceEntryPoints.AllReduceAsync(send, receive, descriptor, communicator, handleOut);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t pcclAwaitAsyncReduce(const pcclAsyncReduceOp_t *, pcclReduceInfo_t *)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclAwaitAsyncReduce", CallConvs = [typeof(CallConvCdecl)])]
    public static int AwaitAsyncReduce(AbiAsyncReduceOp* operation, AbiReduceInfo* infoOut)
    {
        try
        {
            AllReduceEntryPoints.Await(operation, infoOut);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }

    /// <summary><c>pcclResult_t pcclAllReduceMultipleWithRetry(const pcclReduceOpDescriptor_t *, size_t, const pcclComm_t *, pcclReduceInfo_t *, int)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "pcclAllReduceMultipleWithRetry", CallConvs = [typeof(CallConvCdecl)])]
    public static int AllReduceMultipleWithRetry(AbiReduceOpDescriptor* descriptors, nuint count, nint communicator, AbiReduceInfo* infoOut, int maxInFlight)
    {
        try
        {
            AllReduceEntryPoints.AllReduceMany(descriptors, count, communicator, infoOut, maxInFlight);
            return 0;
        }
        catch (Exception e)
        {
            return Boundary.Fail(e);
        }
    }
}
