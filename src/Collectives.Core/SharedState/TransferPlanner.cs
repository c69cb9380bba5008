namespace Collectives.SharedState;

/// <summary>
/// Spreads the entries outdated peers must fetch over all donors at once, balanced by bytes, deterministically.
/// </summary>
/// <remarks>
/// Entries larger than the split threshold are cut into one element-aligned range per donor (near-equal, never
/// empty), so one huge tensor still uses every donor's uplink. The pieces are then assigned largest first, each to
/// the donor with the fewest bytes assigned so far (lowest donor on a tie) — the classic LPT rule, within 4/3 of the
/// best balance. Loads carry over from one fetcher to the next, so many joiners at once do not all land on the
/// first donor. Adjacent ranges of one entry that end up on the same donor are merged into one request.
/// </remarks>
/// <typeparam name="TPeer">The peer identity.</typeparam>
internal sealed class TransferPlanner<TPeer>
    where TPeer : notnull, IComparable<TPeer>
{
    private readonly IReadOnlyList<TPeer> _donors;
    private readonly ulong _splitThresholdBytes;
    private readonly ulong[] _assignedBytes;

    /// <summary>Creates a planner over <paramref name="donors"/> (in the order that breaks load ties).</summary>
    /// <exception cref="ArgumentException">There are no donors or the threshold is zero.</exception>
    internal TransferPlanner(IReadOnlyList<TPeer> donors, ulong splitThresholdBytes)
    {
        ArgumentOutOfRangeException.ThrowIfZero(donors.Count);
        ArgumentOutOfRangeException.ThrowIfZero(splitThresholdBytes);
        _donors = donors;
        _splitThresholdBytes = splitThresholdBytes;
        _assignedBytes = new ulong[donors.Count];
    }

    /// <summary>Bytes assigned to each donor so far, in donor order.</summary>
    internal IReadOnlyList<ulong> AssignedBytes => _assignedBytes;

    /// <summary>Plans one fetcher's transfers for <paramref name="entries"/> (elected entries, distinct names).</summary>
    /// <returns>One transfer per entry in ordinal name order, its slices ordered by offset (none for an empty entry).</returns>
    internal IReadOnlyList<EntryTransfer<TPeer>> Plan(IReadOnlyList<SharedStateEntry> entries)
    {
        var pieces = new List<Piece>();
        for (int entry = 0; entry < entries.Count; entry++)
        {
            Split(entries[entry], entry, pieces);
        }

        pieces.Sort((a, b) =>
        {
            int order = b.Length.CompareTo(a.Length);
            order = order != 0 ? order : string.CompareOrdinal(entries[a.Entry].Name, entries[b.Entry].Name);
            return order != 0 ? order : a.Offset.CompareTo(b.Offset);
        });

        var slicesByEntry = new List<TransferSlice<TPeer>>[entries.Count];
        foreach (Piece piece in pieces)
        {
            int donor = LeastLoadedDonor();
            _assignedBytes[donor] += piece.Length;
            (slicesByEntry[piece.Entry] ??= []).Add(new TransferSlice<TPeer>(_donors[donor], piece.Offset, piece.Length));
        }

        var transfers = new EntryTransfer<TPeer>[entries.Count];
        for (int entry = 0; entry < entries.Count; entry++)
        {
            SharedStateEntry declared = entries[entry];
            transfers[entry] = new EntryTransfer<TPeer>(
                declared.Name, declared.Hash, declared.ByteLength, MergeAdjacent(slicesByEntry[entry] ?? []));
        }

        Array.Sort(transfers, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return transfers;
    }

    private void Split(SharedStateEntry entry, int index, List<Piece> pieces)
    {
        ulong byteLength = entry.ByteLength;
        if (byteLength == 0)
        {
            return; // nothing to move; the fetcher still verifies the (empty) entry against the expected hash
        }

        if (byteLength <= _splitThresholdBytes || _donors.Count == 1)
        {
            pieces.Add(new Piece(index, 0, byteLength));
            return;
        }

        ulong elementSize = (ulong)DataTypes.SizeOf(entry.DataType);
        ulong parts = Math.Min((ulong)_donors.Count, entry.Count);
        ulong baseElements = entry.Count / parts, remainder = entry.Count % parts;
        ulong element = 0;
        for (ulong part = 0; part < parts; part++)
        {
            ulong elements = baseElements + (part < remainder ? 1UL : 0UL);
            pieces.Add(new Piece(index, element * elementSize, elements * elementSize));
            element += elements;
        }
    }

    private int LeastLoadedDonor()
    {
        int best = 0;
        for (int donor = 1; donor < _assignedBytes.Length; donor++)
        {
            if (_assignedBytes[donor] < _assignedBytes[best])
            {
                best = donor;
            }
        }

        return best;
    }

    private static TransferSlice<TPeer>[] MergeAdjacent(List<TransferSlice<TPeer>> slices)
    {
        slices.Sort(static (a, b) => a.Offset.CompareTo(b.Offset));
        var merged = new List<TransferSlice<TPeer>>(slices.Count);
        foreach (TransferSlice<TPeer> slice in slices)
        {
            if (merged.Count > 0 && merged[^1] is var last
                && Comparer<TPeer>.Default.Compare(last.Donor, slice.Donor) == 0 && last.Offset + last.Length == slice.Offset)
            {
                merged[^1] = last with { Length = last.Length + slice.Length };
            }
            else
            {
                merged.Add(slice);
            }
        }

        return [.. merged];
    }

    private readonly record struct Piece(int Entry, ulong Offset, ulong Length);
}
