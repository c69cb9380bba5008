namespace Collectives.Interop;

/// <summary>The logic behind the all-reduce exports. Methods throw; the exports map exceptions to result codes.</summary>
internal static unsafe class AllReduceEntryPoints
{
    /// <summary><c>pcclAllReduce</c>: launch and wait.</summary>
    public static void AllReduce(void* send, void* receive, AbiReduceDescriptor* descriptor, nint handle, AbiReduceInfo* infoOut)
    {
        (NativeCommunicator communicator, Communicator connected, ReduceCall call) = Prepare(send, receive, descriptor, handle);
        communicator.RequireTagFree(call.Tag);
        Write(BlockingWait.Result(call.StartOn(connected)), infoOut);
    }

    /// <summary><c>pcclAllReduceAsync</c>: launch only.</summary>
    public static void AllReduceAsync(void* send, void* receive, AbiReduceDescriptor* descriptor, nint handle, AbiAsyncReduceOp* handleOut)
    {
        NativeCommunicator communicator = CommunicatorEntryPoints.Lookup(handle);
        LibraryEntryPoints.RequireOut(handleOut, "reduce_handle_out");
        (_, Communicator connected, ReduceCall call) = Prepare(send, receive, descriptor, handle);
        communicator.Launch(call, connected);
        *handleOut = new AbiAsyncReduceOp { Communicator = handle, Tag = call.Tag };
    }

    /// <summary><c>pcclAwaitAsyncReduce</c>.</summary>
    public static void Await(AbiAsyncReduceOp* operation, AbiReduceInfo* infoOut)
    {
        LibraryEntryPoints.RequireInitialized();
        LibraryEntryPoints.RequireOut(operation, "reduce_handle");
        NativeCommunicator communicator = CommunicatorEntryPoints.Lookup(operation->Communicator);
        Task<AllReduceInfo> launched = communicator.TakeLaunched(operation->Tag);
        Write(BlockingWait.Result(launched), infoOut);
    }

    /// <summary><c>pcclAllReduceMultipleWithRetry</c>.</summary>
    public static void AllReduceMany(AbiReduceOpDescriptor* descriptors, nuint count, nint handle, AbiReduceInfo* infoOut, int maxInFlight)
    {
        NativeCommunicator communicator = CommunicatorEntryPoints.Lookup(handle);
        LibraryEntryPoints.RequireOut(descriptors, "descriptors");
        if (count == 0 || count > int.MaxValue)
        {
            throw AbiConvert.Invalid($"count is {count}; it must be at least 1");
        }

        if (maxInFlight < 1)
        {
            throw AbiConvert.Invalid($"max_in_flight is {maxInFlight}; it must be at least 1");
        }

        Communicator connected = communicator.RequireConnected();

        // Every descriptor is checked before anything is launched, so a bad entry cannot leave half a batch behind.
        var requests = new AllReduceRequest[(int)count];
        for (int i = 0; i < requests.Length; i++)
        {
            AbiReduceOpDescriptor* entry = descriptors + i;
            ReduceCall call;
            try
            {
                call = ReduceCall.Create(entry->SendBuffer, entry->ReceiveBuffer, entry->Descriptor);
            }
            catch (CollectivesException e)
            {
                throw new CollectivesException(e.ErrorCode, $"descriptors[{i}]: {e.Message}", e);
            }

            communicator.RequireTagFree(call.Tag);
            requests[i] = call.ToRequest();
        }

        Write(BlockingWait.Result(connected.AllReduceManyAsync(requests, maxInFlight)), infoOut);
    }

    private static (NativeCommunicator Communicator, Communicator Connected, ReduceCall Call) Prepare(
        void* send, void* receive, AbiReduceDescriptor* descriptor, nint handle)
    {
        NativeCommunicator communicator = CommunicatorEntryPoints.Lookup(handle);
        Communicator connected = communicator.RequireConnected();
        ReduceCall call = ReduceCall.Create(send, receive, descriptor);

        // PCCL refuses a collective of one rather than copying the input; programs written for it wait for peers on this code.
        int group = connected.WorldSizes.PeerGroup;
        if (group < 2)
        {
            throw new CollectivesException(ErrorCode.TooFewPeers, $"this peer is alone in its group (group size {group}); nobody to all-reduce with");
        }

        return (communicator, connected, call);
    }

    private static void Write(AllReduceInfo info, AbiReduceInfo* infoOut)
    {
        if (infoOut is not null)
        {
            *infoOut = new AbiReduceInfo { LocalWorldSize = (uint)info.WorldSize, TxBytes = (ulong)info.TxBytes, RxBytes = (ulong)info.RxBytes };
        }
    }
}
