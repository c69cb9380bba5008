namespace Collectives.SharedState;

/// <summary>What a peer declares about one named tensor of its shared state at a synchronization.</summary>
/// <param name="Name">Unique (ordinal) name of the tensor within the peer's shared state.</param>
/// <param name="DataType">Element type.</param>
/// <param name="Count">Number of elements.</param>
/// <param name="Hash">The <see cref="TensorHasher"/> hash of the tensor's bytes; ignored when <paramref name="AllowContentInequality"/> is set.</param>
/// <param name="AllowContentInequality">True when peers may hold different bytes for this tensor: it is never compared, elected on or transferred, but its name, type and count must still match.</param>
internal sealed record SharedStateEntry(string Name, DataType DataType, ulong Count, ulong Hash, bool AllowContentInequality)
{
    /// <summary>The tensor's size in bytes (callers validate <see cref="DataType"/> first).</summary>
    internal ulong ByteLength => Count * (ulong)DataTypes.SizeOf(DataType);
}

/// <summary>One peer's request to synchronize its shared state, as the master receives it.</summary>
/// <typeparam name="TPeer">The peer identity; its ordering makes every decision deterministic.</typeparam>
/// <param name="Peer">Who submits.</param>
/// <param name="Revision">The revision the peer's state claims to be at.</param>
/// <param name="Strategy">How the peer takes part.</param>
/// <param name="Entries">The peer's tensors, in any order.</param>
internal sealed record SharedStateSubmission<TPeer>(
    TPeer Peer, ulong Revision, SharedStateStrategy Strategy, IReadOnlyList<SharedStateEntry> Entries)
    where TPeer : notnull, IComparable<TPeer>;
