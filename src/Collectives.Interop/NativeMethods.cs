using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Collectives.Interop;

/// <summary>
/// <c>[LibraryImport]</c> bindings of <c>libcollectives</c>'s C API, for .NET code that drives the native library
/// (its tests; hosts that load it next to other native code). Handles are <see cref="nint"/>; result codes are
/// <see cref="ErrorCode"/> values. Resolve the library with <see cref="NativeLibrary.SetDllImportResolver"/> when it is
/// not on the loader's path. Blocking behaviour and result codes are those documented in <c>native/include/pccl.h</c>.
/// </summary>
public static unsafe partial class NativeMethods
{
    /// <summary>The name the bindings load (<c>libcollectives.so</c> on Linux).</summary>
    public const string LibraryName = "libcollectives";

    /// <summary><c>pcclInit</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclInit")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode Init();

    /// <summary><c>pcclGetBuildInfo</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclGetBuildInfo")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode GetBuildInfo(AbiBuildInfo* info);

    /// <summary><c>pcclCreateCommunicator</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclCreateCommunicator")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode CreateCommunicator(AbiCommCreateParams* parameters, nint* communicatorOut);

    /// <summary><c>collectivesCreateCommunicatorEx</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "collectivesCreateCommunicatorEx")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode CreateCommunicatorEx(AbiCommCreateParams* parameters, AbiCommOptions* options, nint* communicatorOut);

    /// <summary><c>pcclGetAttribute</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclGetAttribute")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode GetAttribute(nint communicator, AbiAttribute attribute, int* valueOut);

    /// <summary><c>pcclDestroyCommunicator</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclDestroyCommunicator")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode DestroyCommunicator(nint communicator);

    /// <summary><c>pcclConnect</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclConnect")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode Connect(nint communicator);

    /// <summary><c>pcclUpdateTopology</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclUpdateTopology")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode UpdateTopology(nint communicator);

    /// <summary><c>pcclArePeersPending</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclArePeersPending")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode ArePeersPending(nint communicator, byte* pendingOut);

    /// <summary><c>pcclOptimizeTopology</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclOptimizeTopology")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode OptimizeTopology(nint communicator);

    /// <summary><c>pcclAllReduce</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclAllReduce")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode AllReduce(void* send, void* receive, AbiReduceDescriptor* descriptor, nint communicator, AbiReduceInfo* infoOut);

    /// <summary><c>pcclAllReduceAsync</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclAllReduceAsync")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode AllReduceAsync(void* send, void* receive, AbiReduceDescriptor* descriptor, nint communicator, AbiAsyncReduceOp* handleOut);

    /// <summary><c>pcclAwaitAsyncReduce</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclAwaitAsyncReduce")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode AwaitAsyncReduce(AbiAsyncReduceOp* operation, AbiReduceInfo* infoOut);

    /// <summary><c>pcclAllReduceMultipleWithRetry</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclAllReduceMultipleWithRetry")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode AllReduceMultipleWithRetry(AbiReduceOpDescriptor* descriptors, nuint count, nint communicator, AbiReduceInfo* infoOut, int maxInFlight);

    /// <summary><c>pcclSynchronizeSharedState</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclSynchronizeSharedState")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode SynchronizeSharedState(nint communicator, AbiSharedState* sharedState, AbiSyncStrategy strategy, AbiSharedStateSyncInfo* infoOut);

    /// <summary><c>pcclCreateMaster</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclCreateMaster")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode CreateMaster(AbiSocketAddress listenAddress, nint* masterOut);

    /// <summary><c>collectivesCreateMasterEx</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "collectivesCreateMasterEx")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode CreateMasterEx(AbiSocketAddress listenAddress, AbiMasterOptions* options, nint* masterOut);

    /// <summary><c>pcclRunMaster</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclRunMaster")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode RunMaster(nint master);

    /// <summary><c>pcclInterruptMaster</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclInterruptMaster")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode InterruptMaster(nint master);

    /// <summary><c>pcclMasterAwaitTermination</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclMasterAwaitTermination")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode MasterAwaitTermination(nint master);

    /// <summary><c>pcclDestroyMaster</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcclDestroyMaster")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode DestroyMaster(nint master);

    /// <summary><c>collectivesGetVersion</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "collectivesGetVersion")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int GetVersion();

    /// <summary><c>collectivesCommOptionsInit</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "collectivesCommOptionsInit")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode CommOptionsInit(AbiCommOptions* options);

    /// <summary><c>collectivesMasterOptionsInit</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "collectivesMasterOptionsInit")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode MasterOptionsInit(AbiMasterOptions* options);

    /// <summary><c>collectivesGetMasterPort</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "collectivesGetMasterPort")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode GetMasterPort(nint master, ushort* portOut);

    /// <summary><c>collectivesSetLogLevel</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "collectivesSetLogLevel")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode SetLogLevel(int level);

    /// <summary><c>collectivesSetLogCallback</c>: a null callback restores stderr.</summary>
    [LibraryImport(LibraryName, EntryPoint = "collectivesSetLogCallback")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ErrorCode SetLogCallback(delegate* unmanaged[Cdecl]<int, byte*, void*, void> callback, void* user);

    /// <summary><c>collectivesResultString</c>: a static NUL-terminated UTF-8 string.</summary>
    [LibraryImport(LibraryName, EntryPoint = "collectivesResultString")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial byte* ResultString(ErrorCode result);

    /// <summary><c>collectivesGetLastErrorMessage</c>: the calling thread's last failure, NUL-terminated UTF-8.</summary>
    [LibraryImport(LibraryName, EntryPoint = "collectivesGetLastErrorMessage")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial byte* GetLastErrorMessage();

    /// <summary>The calling thread's last failure message as a string.</summary>
    public static string LastErrorMessage() => Marshal.PtrToStringUTF8((nint)GetLastErrorMessage()) ?? string.Empty;
}
