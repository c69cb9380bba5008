using System.Runtime.InteropServices;
using Collectives.SharedState;

namespace Collectives.Interop;

/// <summary>
/// The logic behind <c>pcclSynchronizeSharedState</c>: the C declaration is checked and converted, synchronised
/// through <see cref="Communicator.SynchronizeSharedStateAsync"/>, and the adopted revision written back.
/// </summary>
internal static unsafe class SharedStateEntryPoints
{
    /// <summary>One tensor of a C shared-state declaration, checked.</summary>
    /// <param name="Name">The key.</param>
    /// <param name="Data">The caller's memory.</param>
    /// <param name="Count">Elements.</param>
    /// <param name="Type">Element type.</param>
    /// <param name="AllowContentInequality">Peers may differ legitimately.</param>
    internal readonly record struct TensorDeclaration(string Name, nint Data, long Count, DataType Type, bool AllowContentInequality);

    /// <summary><c>pcclSynchronizeSharedState</c>.</summary>
    public static void Synchronize(nint handle, AbiSharedState* sharedState, int strategy, AbiSharedStateSyncInfo* infoOut)
    {
        NativeCommunicator communicator = CommunicatorEntryPoints.Lookup(handle);
        Communicator connected = communicator.RequireConnected();
        LibraryEntryPoints.RequireOut(sharedState, "shared_state");
        if (strategy is < (int)AbiSyncStrategy.EnforcePopular or > (int)AbiSyncStrategy.SendOnly)
        {
            throw AbiConvert.Invalid($"unknown shared-state sync strategy {strategy} (ENFORCE_POPULAR = 0 ... SEND_ONLY = 2)");
        }

        TensorDeclaration[] declarations = Declarations(sharedState);
        communicator.RequireNoLaunched("pcclSynchronizeSharedState");

        var tensors = new SharedTensor[declarations.Length];
        for (int i = 0; i < tensors.Length; i++)
        {
            TensorDeclaration d = declarations[i];
            tensors[i] = SharedTensor.FromPointer(d.Name, (void*)d.Data, d.Count, d.Type, d.AllowContentInequality);
        }

        var set = new SharedTensorSet(sharedState->Revision, tensors);
        SharedStateSyncInfo info = connected.SynchronizeSharedStateAsync(set, (SharedStateStrategy)strategy).GetAwaiter().GetResult();

        // PCCL updates the caller's revision in place when it adopts the elected one.
        sharedState->Revision = info.Revision;
        if (infoOut is not null)
        {
            *infoOut = new AbiSharedStateSyncInfo { TxBytes = (ulong)info.TxBytes, RxBytes = (ulong)info.RxBytes };
        }
    }

    /// <summary>Checks and converts every entry of a C shared-state declaration.</summary>
    /// <exception cref="CollectivesException">InvalidArgument for NULLs, unknown types or device types, CUDA, duplicate names.</exception>
    public static TensorDeclaration[] Declarations(AbiSharedState* sharedState)
    {
        if (sharedState->Count > 0 && sharedState->Infos is null)
        {
            throw AbiConvert.Invalid($"shared_state->infos is NULL with count {sharedState->Count}");
        }

        if (sharedState->Count > int.MaxValue)
        {
            throw AbiConvert.Invalid($"shared_state->count {sharedState->Count} is too large");
        }

        var result = new TensorDeclaration[(int)sharedState->Count];
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < result.Length; i++)
        {
            AbiTensorInfo* info = sharedState->Infos + i;
            if (info->Name is null || info->Data is null && info->Count > 0)
            {
                throw AbiConvert.Invalid($"shared_state->infos[{i}]: {(info->Name is null ? "name" : "data")} is NULL");
            }

            string name = Marshal.PtrToStringUTF8((nint)info->Name) ?? string.Empty;
            DataType type = AbiConvert.ToDataType(info->DataType);
            if (info->DeviceType != (int)AbiDeviceType.Cpu)
            {
                throw AbiConvert.Invalid(info->DeviceType == (int)AbiDeviceType.Cuda
                    ? $"shared_state->infos[{i}] ('{name}') is a CUDA tensor; this build of libcollectives has no CUDA support"
                    : $"shared_state->infos[{i}] ('{name}'): unknown device type {info->DeviceType}");
            }

            if (!names.Add(name))
            {
                throw AbiConvert.Invalid($"shared_state->infos[{i}]: the name '{name}' appears twice");
            }

            if (info->Count > (nuint)(long.MaxValue / DataTypes.SizeOf(type)))
            {
                throw AbiConvert.Invalid($"shared_state->infos[{i}] ('{name}'): count {info->Count} is too large");
            }

            result[i] = new TensorDeclaration(name, (nint)info->Data, (long)info->Count, type, info->AllowContentInequality != 0);
        }

        return result;
    }
}
