using Collectives.Protocol;

namespace Collectives.Interop;

/// <summary>
/// The logic behind the communicator lifecycle and membership exports. Methods throw; the exports map exceptions to
/// result codes. Blocking calls wait on the async library API from the caller's thread (the library never needs the
/// caller's thread to make progress: its continuations run on the thread pool).
/// </summary>
internal static unsafe class CommunicatorEntryPoints
{
    /// <summary>The communicator behind a handle, after the initialisation check every communicator call makes.</summary>
    public static NativeCommunicator Lookup(nint handle)
    {
        LibraryEntryPoints.RequireInitialized();
        return HandleTable.Shared.Get<NativeCommunicator>(handle, "communicator");
    }

    /// <summary><c>pcclCreateCommunicator</c> / <c>collectivesCreateCommunicatorEx</c>.</summary>
    public static void Create(AbiCommCreateParams* parameters, AbiCommOptions* extra, bool extended, nint* communicatorOut)
    {
        LibraryEntryPoints.RequireInitialized();
        LibraryEntryPoints.RequireOut(parameters, "params");
        LibraryEntryPoints.RequireOut(communicatorOut, "comm_out");
        if (extended)
        {
            LibraryEntryPoints.RequireOut(extra, "options");
        }

        CommunicatorOptions options = AbiOptions.Communicator(*parameters, extra);
        *communicatorOut = HandleTable.Shared.Add(new NativeCommunicator(options));
    }

    /// <summary><c>pcclDestroyCommunicator</c>.</summary>
    public static void Destroy(nint handle)
    {
        LibraryEntryPoints.RequireInitialized();
        HandleTable.Shared.Remove<NativeCommunicator>(handle, "communicator").Destroy();
    }

    /// <summary><c>pcclConnect</c>.</summary>
    public static void Connect(nint handle) => Lookup(handle).Connect();

    /// <summary><c>pcclGetAttribute</c>.</summary>
    public static void GetAttribute(nint handle, int attribute, int* valueOut)
    {
        NativeCommunicator communicator = Lookup(handle);
        LibraryEntryPoints.RequireOut(valueOut, "p_attribute_out");
        WorldSizes sizes = communicator.RequireConnected().WorldSizes;
        *valueOut = (AbiAttribute)attribute switch
        {
            AbiAttribute.GlobalWorldSize => sizes.Global,
            AbiAttribute.PeerGroupWorldSize => sizes.PeerGroup,
            AbiAttribute.NumDistinctPeerGroups => sizes.NumPeerGroups,
            AbiAttribute.LargestPeerGroupWorldSize => sizes.LargestPeerGroup,
            _ => throw AbiConvert.Invalid($"unknown attribute {attribute} (PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE = 1 ... PCCL_ATTRIBUTE_LARGEST_PEER_GROUP_WORLD_SIZE = 4)"),
        };
    }

    /// <summary><c>pcclUpdateTopology</c>.</summary>
    public static void UpdateTopology(nint handle)
    {
        NativeCommunicator communicator = Lookup(handle);
        Communicator connected = communicator.RequireConnected();
        communicator.RequireNoLaunched("pcclUpdateTopology");
        connected.UpdateTopologyAsync().GetAwaiter().GetResult();
    }

    /// <summary><c>pcclArePeersPending</c>.</summary>
    public static void ArePeersPending(nint handle, byte* pendingOut)
    {
        NativeCommunicator communicator = Lookup(handle);
        LibraryEntryPoints.RequireOut(pendingOut, "pending_out");
        bool pending = communicator.RequireConnected().ArePeersPendingAsync().GetAwaiter().GetResult();
        *pendingOut = pending ? (byte)1 : (byte)0;
    }

    /// <summary>
    /// <c>pcclOptimizeTopology</c>: the collective optimize-topology call of the library (measure unknown links, solve,
    /// apply the new ring for the next collective) for a group of any size. A run of one peer is InvalidUsage, as in PCCL.
    /// </summary>
    public static void OptimizeTopology(nint handle)
    {
        NativeCommunicator communicator = Lookup(handle);
        Communicator connected = communicator.RequireConnected();
        if (connected.WorldSizes.Global < 2)
        {
            throw new CollectivesException(ErrorCode.InvalidUsage, "pcclOptimizeTopology needs at least two peers in the run");
        }

        connected.OptimizeTopologyAsync().GetAwaiter().GetResult();
    }
}
