using Collectives.SharedState;

namespace Collectives.Tests.SharedState;

/// <summary>
/// The election rules restated naively (group by value, count, pick), independent of the production code's sorted
/// runs, and a checker that holds a decision against them. Throws <see cref="ModelMismatchException"/> with a
/// description on the first disagreement.
/// </summary>
internal static class ElectionModel
{
    internal static void Verify(ulong? groupRevision, IReadOnlyList<SharedStateSubmission<int>> submissions, SharedStateDecision<int> decision)
    {
        Expect(decision.Outcomes.Select(o => o.Peer).SequenceEqual(submissions.Select(s => s.Peer).Order()),
            "one outcome per peer, ordered by peer");

        // Receive-only peers adopt whatever is elected, so no revision of theirs is ahead.
        bool Ahead(SharedStateSubmission<int> s) => groupRevision is { } g && s.Revision > g + 1 && s.Strategy != SharedStateStrategy.ReceiveOnly;
        var candidates = submissions.Where(s => !Ahead(s) && s.Strategy != SharedStateStrategy.ReceiveOnly).ToList();

        if (candidates.Count == 0)
        {
            Expect(decision.Revision == groupRevision && decision.ElectedEntries is null, "nothing elected keeps the revision");
            foreach (SharedStateSubmission<int> s in submissions)
            {
                var violation = decision.OutcomeOf(s.Peer) as ViolationOutcome<int>;
                Expect(violation?.Code == (Ahead(s) ? ErrorCode.ProtocolViolation : ErrorCode.NoSharedStateAvailable),
                    $"peer {s.Peer} without candidates");
            }

            return;
        }

        ulong electedRevision = candidates.Max(s => s.Revision);
        var voters = candidates.Where(s => s.Revision == electedRevision).ToList();
        Key electedSchema = MostVotedThenSmallest(voters.Select(SchemaKey));
        Key electedContent = MostVotedThenSmallest(voters.Where(s => SchemaKey(s).Equals(electedSchema)).Select(ContentKey));
        Dictionary<string, SharedStateEntry> electedByName = voters
            .First(s => SchemaKey(s).Equals(electedSchema) && ContentKey(s).Equals(electedContent))
            .Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);

        Expect(decision.Revision == electedRevision, $"revision {decision.Revision} should be {electedRevision}");
        Expect(decision.ElectedEntries is not null
            && decision.ElectedEntries.Select(e => e.Name).SequenceEqual(electedByName.Keys.Order(StringComparer.Ordinal))
            && decision.ElectedEntries.All(e => e.AllowContentInequality || e.Hash == electedByName[e.Name].Hash),
            "elected entries are the most popular content");

        var donors = new HashSet<int>();
        foreach (SharedStateSubmission<int> s in submissions)
        {
            bool holds = !Ahead(s) && SchemaKey(s).Equals(electedSchema) && s.Revision == electedRevision && ContentKey(s).Equals(electedContent);
            if (holds && s.Strategy != SharedStateStrategy.ReceiveOnly)
            {
                donors.Add(s.Peer);
            }
        }

        foreach (SharedStateSubmission<int> s in submissions)
        {
            SharedStateOutcome<int>? outcome = decision.OutcomeOf(s.Peer);
            bool violates = Ahead(s) || !SchemaKey(s).Equals(electedSchema);
            bool holds = !violates && s.Revision == electedRevision && ContentKey(s).Equals(electedContent);
            violates |= s.Strategy == SharedStateStrategy.SendOnly && !holds;
            if (violates)
            {
                Expect(outcome is ViolationOutcome<int> { Code: ErrorCode.ProtocolViolation }, $"peer {s.Peer} violates");
            }
            else if (holds)
            {
                Expect(outcome is UpToDateOutcome<int> up && up.IsDonor == (s.Strategy != SharedStateStrategy.ReceiveOnly), $"peer {s.Peer} is up to date");
            }
            else
            {
                Expect(outcome is FetchOutcome<int>, $"peer {s.Peer} fetches");
                var differing = s.Entries
                    .Where(e => !e.AllowContentInequality && e.Hash != electedByName[e.Name].Hash)
                    .Select(e => e.Name).Order(StringComparer.Ordinal);
                var fetch = (FetchOutcome<int>)outcome!;
                Expect(fetch.Transfers.Select(t => t.Name).SequenceEqual(differing), $"peer {s.Peer} fetches exactly the differing entries");
                foreach (EntryTransfer<int> transfer in fetch.Transfers)
                {
                    VerifyCoverage(transfer, electedByName[transfer.Name], donors);
                }
            }
        }
    }

    /// <summary>The slices cover the whole entry exactly once, aligned to elements, from holders of the elected content.</summary>
    internal static void VerifyCoverage(EntryTransfer<int> transfer, SharedStateEntry elected, IReadOnlySet<int> donors)
    {
        ulong size = (ulong)DataTypes.SizeOf(elected.DataType);
        Expect(transfer.ExpectedHash == elected.Hash && transfer.ByteLength == elected.Count * size, $"'{transfer.Name}' target");
        ulong next = 0;
        foreach (TransferSlice<int> slice in transfer.Slices)
        {
            Expect(slice.Offset == next, $"'{transfer.Name}' slices are contiguous and disjoint");
            Expect(slice.Length > 0 && slice.Offset % size == 0 && slice.Length % size == 0, $"'{transfer.Name}' slices are element-aligned");
            Expect(donors.Contains(slice.Donor), $"'{transfer.Name}' donor {slice.Donor} holds the elected content");
            next += slice.Length;
        }

        Expect(next == transfer.ByteLength, $"'{transfer.Name}' slices cover all {transfer.ByteLength} bytes");
    }

    /// <summary>Names, types, counts and flags in name order, prefixed by the entry count.</summary>
    internal static Key SchemaKey(SharedStateSubmission<int> s) =>
        new([(long)s.Entries.Count, .. s.Entries.OrderBy(e => e.Name, StringComparer.Ordinal)
            .SelectMany(e => new IComparable[] { e.Name, (int)e.DataType, e.Count, e.AllowContentInequality })]);

    /// <summary>Hashes of the compared entries in name order.</summary>
    internal static Key ContentKey(SharedStateSubmission<int> s) =>
        new([.. s.Entries.Where(e => !e.AllowContentInequality).OrderBy(e => e.Name, StringComparer.Ordinal).Select(e => (IComparable)e.Hash)]);

    private static Key MostVotedThenSmallest(IEnumerable<Key> votes)
    {
        var tally = votes.GroupBy(key => key).Select(group => (Key: group.Key, Votes: group.Count())).ToList();
        int most = tally.Max(entry => entry.Votes);
        return tally.Where(entry => entry.Votes == most).Select(entry => entry.Key).Min()!;
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new ModelMismatchException(what);
        }
    }

    /// <summary>A lexicographically ordered tuple (strings ordinal) with value equality.</summary>
    internal sealed class Key(IComparable[] parts) : IComparable<Key>, IEquatable<Key>
    {
        private readonly IComparable[] _parts = parts;

        public int CompareTo(Key? other)
        {
            for (int i = 0; i < Math.Min(_parts.Length, other!._parts.Length); i++)
            {
                int order = _parts[i] is string text ? string.CompareOrdinal(text, (string)other._parts[i]) : _parts[i].CompareTo(other._parts[i]);
                if (order != 0)
                {
                    return order;
                }
            }

            return _parts.Length.CompareTo(other._parts.Length);
        }

        public bool Equals(Key? other) => other is not null && CompareTo(other) == 0;

        public override bool Equals(object? obj) => Equals(obj as Key);

        public override int GetHashCode() => _parts.Aggregate(0, (hash, part) => HashCode.Combine(hash, part));
    }
}

internal sealed class ModelMismatchException(string message) : Exception(message);
