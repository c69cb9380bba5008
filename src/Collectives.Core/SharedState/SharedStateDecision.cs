namespace Collectives.SharedState;

/// <summary>What the master tells one peer after a synchronization round.</summary>
/// <typeparam name="TPeer">The peer identity.</typeparam>
/// <param name="Peer">The peer this outcome is for.</param>
internal abstract record SharedStateOutcome<TPeer>(TPeer Peer)
    where TPeer : notnull, IComparable<TPeer>;

/// <summary>The peer holds the elected content at the elected revision; nothing moves into it.</summary>
/// <param name="Peer">The peer.</param>
/// <param name="IsDonor">True when the peer may be asked to send (every up-to-date peer except receive-only ones).</param>
internal sealed record UpToDateOutcome<TPeer>(TPeer Peer, bool IsDonor) : SharedStateOutcome<TPeer>(Peer)
    where TPeer : notnull, IComparable<TPeer>;

/// <summary>
/// The peer is behind or holds losing content: it fetches <paramref name="Transfers"/> (possibly none, when only its
/// revision is behind), verifies each entry against its expected hash, and adopts the decision's revision.
/// </summary>
/// <param name="Peer">The peer.</param>
/// <param name="Transfers">One item per differing entry, in ordinal name order.</param>
internal sealed record FetchOutcome<TPeer>(TPeer Peer, IReadOnlyList<EntryTransfer<TPeer>> Transfers) : SharedStateOutcome<TPeer>(Peer)
    where TPeer : notnull, IComparable<TPeer>
{
    /// <summary>Total bytes this peer receives.</summary>
    internal ulong ByteCount => Transfers.Aggregate(0UL, (sum, transfer) => sum + transfer.ByteLength);
}

/// <summary>The synchronization fails for this peer only; the others proceed without it.</summary>
/// <param name="Peer">The peer.</param>
/// <param name="Code"><see cref="ErrorCode.ProtocolViolation"/> when the peer broke the rules (the master removes it), <see cref="ErrorCode.NoSharedStateAvailable"/> when nobody could donate to it.</param>
/// <param name="Reason">A sentence for the peer's error message and the master's log.</param>
internal sealed record ViolationOutcome<TPeer>(TPeer Peer, ErrorCode Code, string Reason) : SharedStateOutcome<TPeer>(Peer)
    where TPeer : notnull, IComparable<TPeer>;

/// <summary>How one differing entry reaches a fetching peer: element-aligned byte ranges, each from one donor.</summary>
/// <param name="Name">The entry.</param>
/// <param name="ExpectedHash">The elected hash the fetcher verifies after all slices arrived.</param>
/// <param name="ByteLength">The entry's full size; the slices cover [0, ByteLength) exactly once.</param>
/// <param name="Slices">Disjoint ranges ordered by offset.</param>
internal sealed record EntryTransfer<TPeer>(string Name, ulong ExpectedHash, ulong ByteLength, IReadOnlyList<TransferSlice<TPeer>> Slices)
    where TPeer : notnull, IComparable<TPeer>;

/// <summary>Bytes [Offset, Offset + Length) of an entry, sent by <paramref name="Donor"/>.</summary>
/// <param name="Donor">An up-to-date peer holding the elected content.</param>
/// <param name="Offset">First byte; a multiple of the element size.</param>
/// <param name="Length">Number of bytes; a multiple of the element size.</param>
internal readonly record struct TransferSlice<TPeer>(TPeer Donor, ulong Offset, ulong Length)
    where TPeer : notnull, IComparable<TPeer>;

/// <summary>The master's answer to one synchronization round, the same for every peer.</summary>
/// <param name="Revision">The group's revision after this round (every non-violating peer adopts it); the previous value when nothing was elected.</param>
/// <param name="ElectedEntries">The elected entries in ordinal name order (hash 0 for entries that allow inequality), or null when nothing was elected.</param>
/// <param name="Outcomes">One outcome per submitting peer, ordered by peer.</param>
internal sealed record SharedStateDecision<TPeer>(
    ulong? Revision, IReadOnlyList<SharedStateEntry>? ElectedEntries, IReadOnlyList<SharedStateOutcome<TPeer>> Outcomes)
    where TPeer : notnull, IComparable<TPeer>
{
    /// <summary>The outcome for <paramref name="peer"/>, or null if it did not submit.</summary>
    internal SharedStateOutcome<TPeer>? OutcomeOf(TPeer peer)
    {
        int low = 0, high = Outcomes.Count - 1;
        while (low <= high)
        {
            int middle = low + ((high - low) / 2);
            int order = Comparer<TPeer>.Default.Compare(Outcomes[middle].Peer, peer);
            if (order == 0)
            {
                return Outcomes[middle];
            }

            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return null;
    }

    /// <summary>What <paramref name="donor"/> must send: (fetcher, entry, slice) in fetcher then entry then offset order.</summary>
    internal IEnumerable<(TPeer Fetcher, string Entry, TransferSlice<TPeer> Slice)> SlicesServedBy(TPeer donor)
    {
        foreach (SharedStateOutcome<TPeer> outcome in Outcomes)
        {
            if (outcome is not FetchOutcome<TPeer> fetch)
            {
                continue;
            }

            foreach (EntryTransfer<TPeer> transfer in fetch.Transfers)
            {
                foreach (TransferSlice<TPeer> slice in transfer.Slices)
                {
                    if (Comparer<TPeer>.Default.Compare(slice.Donor, donor) == 0)
                    {
                        yield return (fetch.Peer, transfer.Name, slice);
                    }
                }
            }
        }
    }
}
