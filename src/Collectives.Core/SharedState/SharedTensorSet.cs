namespace Collectives.SharedState;

/// <summary>
/// The shared state of one peer: named tensors plus a revision that a correct training loop advances by exactly one
/// per step. <see cref="Communicator.SynchronizeSharedStateAsync"/> makes it identical to the group's elected state and
/// updates <see cref="Revision"/> when this peer adopts another.
/// </summary>
public sealed class SharedTensorSet
{
    /// <summary>Creates a set.</summary>
    /// <exception cref="CollectivesException">InvalidArgument: duplicate names.</exception>
    public SharedTensorSet(ulong revision, IReadOnlyList<SharedTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count() != tensors.Count)
        {
            throw new CollectivesException(ErrorCode.InvalidArgument, "shared tensor names must be unique");
        }

        Revision = revision;
        Tensors = tensors;
    }

    /// <summary>The revision this peer is at (updated by a sync that adopts the group's revision).</summary>
    public ulong Revision { get; set; }

    /// <summary>The tensors.</summary>
    public IReadOnlyList<SharedTensor> Tensors { get; }
}

/// <summary>What one sync did.</summary>
/// <param name="TxBytes">Bytes this peer sent to peers that fetched from it.</param>
/// <param name="RxBytes">Bytes this peer fetched. After the first sync of a deterministic loop this is 0: anything else means divergence.</param>
/// <param name="Revision">The revision adopted.</param>
public readonly record struct SharedStateSyncInfo(long TxBytes, long RxBytes, ulong Revision);
