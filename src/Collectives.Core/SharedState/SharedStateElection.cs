using System.Diagnostics;

namespace Collectives.SharedState;

/// <summary>
/// What the master decides at a shared-state synchronization round, as a pure function of the group's revision and
/// the peers' submissions. Every peer is told the same decision.
/// </summary>
/// <remarks>
/// <para>Rules, in the order they apply:</para>
/// <list type="number">
/// <item>A malformed submission (missing parts, undefined type or strategy, impossible size, duplicate names) is a
/// protocol violation for that peer.</item>
/// <item>Revision: before the group's first synchronization (<c>groupRevision</c> null) any revision is accepted, so
/// a run can resume from a checkpoint. Afterwards a peer at <c>groupRevision + 1</c> is current, one at or below
/// <c>groupRevision</c> is behind and will fetch, and one further ahead is a protocol violation — unless it is
/// receive-only: such a peer declares its content is to be overwritten and is never a source, so its revision cannot
/// corrupt anything; it is judged like any peer that does not hold the elected state and adopts the elected content
/// and revision, whichever direction that moves it (a peer rejoining with a lineage the group lost, e.g. revision 824
/// while the group restarted at 0).</item>
/// <item>Candidates are the remaining peers that are not receive-only. If there are none, every remaining peer fails
/// with <see cref="ErrorCode.NoSharedStateAvailable"/> and the revision stays.</item>
/// <item>The elected revision is the highest candidate revision; only candidates at it vote. The group revision
/// becomes the elected revision, so it only moves backwards if no candidate holds anything newer (the newer state
/// is gone from the group).</item>
/// <item>The schema (set of names, types, counts and inequality flags) is elected first, then the content (hashes of
/// the entries that do not allow inequality) among the voters of that schema. Electing the schema first keeps one
/// peer with a wrong declaration from winning a tie against a majority that merely disagrees on content.
/// Most votes win; ties go to the smallest in a fixed order: schema by entry count, then per entry in name order by
/// (name ordinal, type, count, flag); content by the hash sequence in name order.</item>
/// <item>A peer whose schema differs from the elected one is a protocol violation. A send-only peer that does not
/// already hold the elected content at the elected revision is a protocol violation. A peer holding the elected
/// content at the elected revision is up to date (and a donor unless receive-only). Every other peer fetches the
/// entries whose hash differs from the elected one (none if only its revision is behind).</item>
/// </list>
/// <para>Where this differs from PCCL 1.0 on purpose: PCCL lets the first submitter of the first round fix the
/// revision (order-dependent), breaks popularity ties by hash-map iteration order, ranks behind peers below peers
/// that violated the revision rule, gives up when every candidate is behind, kicks every non-enforce-popular peer
/// when strategies are mixed, does not compare element counts, and serves each fetcher from a single donor. Here the
/// result never depends on submission order, strategies may be mixed, counts are part of the schema, and transfers
/// are spread over all donors (see <see cref="TransferPlanner{TPeer}"/>).</para>
/// </remarks>
internal static class SharedStateElection
{
    /// <summary>Entries larger than this are split into element-aligned ranges served by different donors.</summary>
    internal const ulong DefaultSplitThresholdBytes = 64UL << 20;

    /// <summary>Decides one synchronization round.</summary>
    /// <param name="groupRevision">The revision the group adopted at its last round, or null before the first.</param>
    /// <param name="submissions">One submission per peer of the group, in any order.</param>
    /// <param name="splitThresholdBytes">Entries larger than this are split across donors; must be positive.</param>
    /// <exception cref="ArgumentException">A submission is null, a peer submits twice, or the threshold is zero.</exception>
    internal static SharedStateDecision<TPeer> Decide<TPeer>(
        ulong? groupRevision,
        IReadOnlyList<SharedStateSubmission<TPeer>> submissions,
        ulong splitThresholdBytes = DefaultSplitThresholdBytes)
        where TPeer : notnull, IComparable<TPeer>
    {
        ArgumentNullException.ThrowIfNull(submissions);
        ArgumentOutOfRangeException.ThrowIfZero(splitThresholdBytes);
        SharedStateSubmission<TPeer>[] peers = SortedByPeer(submissions);

        var outcomes = new SharedStateOutcome<TPeer>?[peers.Length];
        var states = new DeclaredState?[peers.Length];
        for (int i = 0; i < peers.Length; i++)
        {
            outcomes[i] = ValidateAlone(groupRevision, peers[i], out states[i]);
        }

        int[] candidates = Enumerable.Range(0, peers.Length)
            .Where(i => outcomes[i] is null && peers[i].Strategy != SharedStateStrategy.ReceiveOnly)
            .ToArray();
        if (candidates.Length == 0)
        {
            for (int i = 0; i < peers.Length; i++)
            {
                outcomes[i] ??= new ViolationOutcome<TPeer>(peers[i].Peer, ErrorCode.NoSharedStateAvailable,
                    "no peer offers shared state to receive: every other peer is receive-only or was rejected");
            }

            return new SharedStateDecision<TPeer>(groupRevision, null, outcomes!);
        }

        ulong electedRevision = candidates.Max(i => peers[i].Revision);
        int[] voters = candidates.Where(i => peers[i].Revision == electedRevision).ToArray();
        DeclaredState electedSchema = MostPopular(voters, states, DeclaredState.CompareSchema);
        int[] schemaVoters = voters.Where(i => DeclaredState.CompareSchema(states[i]!, electedSchema) == 0).ToArray();
        DeclaredState elected = MostPopular(schemaVoters, states, DeclaredState.CompareContent);

        var fetchers = new List<int>();
        var donors = new List<TPeer>();
        for (int i = 0; i < peers.Length; i++)
        {
            if (outcomes[i] is not null)
            {
                continue;
            }

            outcomes[i] = Judge(peers[i], states[i]!, elected, electedRevision);
            if (outcomes[i] is UpToDateOutcome<TPeer> { IsDonor: true })
            {
                donors.Add(peers[i].Peer);
            }
            else if (outcomes[i] is null)
            {
                fetchers.Add(i);
            }
        }

        // The winning content has at least one voter, and voters are never receive-only, so it has a donor.
        Debug.Assert(donors.Count > 0, "the elected content must have a donor");
        var planner = new TransferPlanner<TPeer>(donors, splitThresholdBytes);
        foreach (int i in fetchers)
        {
            outcomes[i] = new FetchOutcome<TPeer>(peers[i].Peer, planner.Plan(DifferingEntries(states[i]!, elected)));
        }

        return new SharedStateDecision<TPeer>(electedRevision, ElectedEntries(elected), outcomes!);
    }

    private static SharedStateSubmission<TPeer>[] SortedByPeer<TPeer>(IReadOnlyList<SharedStateSubmission<TPeer>> submissions)
        where TPeer : notnull, IComparable<TPeer>
    {
        var peers = new SharedStateSubmission<TPeer>[submissions.Count];
        for (int i = 0; i < peers.Length; i++)
        {
            peers[i] = submissions[i] ?? throw new ArgumentException($"submission {i} is null", nameof(submissions));
        }

        Array.Sort(peers, static (a, b) => Comparer<TPeer>.Default.Compare(a.Peer, b.Peer));
        for (int i = 1; i < peers.Length; i++)
        {
            if (Comparer<TPeer>.Default.Compare(peers[i - 1].Peer, peers[i].Peer) == 0)
            {
                throw new ArgumentException($"peer {peers[i].Peer} submitted more than once", nameof(submissions));
            }
        }

        return peers;
    }

    /// <summary>The checks that need nothing but the peer's own submission; null when it passes.</summary>
    private static ViolationOutcome<TPeer>? ValidateAlone<TPeer>(ulong? groupRevision, SharedStateSubmission<TPeer> submission, out DeclaredState? state)
        where TPeer : notnull, IComparable<TPeer>
    {
        state = null;
        if (submission.Strategy is not (SharedStateStrategy.EnforcePopular or SharedStateStrategy.ReceiveOnly or SharedStateStrategy.SendOnly))
        {
            return Violation(submission, $"undefined strategy {(int)submission.Strategy}");
        }

        if (!DeclaredState.TryCreate(submission.Entries, out state, out string? error))
        {
            return Violation(submission, error!);
        }

        // A receive-only peer's revision is replaced whatever it is (see the rules above), so it is never a jump.
        if (groupRevision is { } group && submission.Strategy != SharedStateStrategy.ReceiveOnly
            && submission.Revision > group && submission.Revision - group > 1)
        {
            return Violation(submission,
                $"revision {submission.Revision} jumps ahead of the expected {group + 1}; a revision advances by exactly 1 per step");
        }

        return null;
    }

    /// <summary>Finds the largest group of equal states (by <paramref name="compare"/>); ties go to the smallest.</summary>
    private static DeclaredState MostPopular(int[] voters, DeclaredState?[] states, Comparison<DeclaredState> compare)
    {
        DeclaredState[] ordered = voters.Select(i => states[i]!).ToArray();
        Array.Sort(ordered, compare);
        DeclaredState best = ordered[0];
        int bestVotes = 0;
        for (int start = 0, end; start < ordered.Length; start = end)
        {
            end = start + 1;
            while (end < ordered.Length && compare(ordered[start], ordered[end]) == 0)
            {
                end++;
            }

            // Strictly more: walking in ascending order keeps the smallest among equally popular states.
            if (end - start > bestVotes)
            {
                bestVotes = end - start;
                best = ordered[start];
            }
        }

        return best;
    }

    /// <summary>The outcome of a valid peer against the elected state; null means it must fetch.</summary>
    private static SharedStateOutcome<TPeer>? Judge<TPeer>(
        SharedStateSubmission<TPeer> submission, DeclaredState state, DeclaredState elected, ulong electedRevision)
        where TPeer : notnull, IComparable<TPeer>
    {
        if (DeclaredState.CompareSchema(state, elected) != 0)
        {
            return Violation(submission, $"shared state differs from the group's: {state.DescribeSchemaDifference(elected)}");
        }

        bool holdsElected = submission.Revision == electedRevision && DeclaredState.CompareContent(state, elected) == 0;
        if (submission.Strategy == SharedStateStrategy.SendOnly && !holdsElected)
        {
            return Violation(submission, submission.Revision != electedRevision
                ? $"send-only peer is at revision {submission.Revision} but the group elected {electedRevision}"
                : "send-only peer does not hold the elected content and may not receive");
        }

        return holdsElected
            ? new UpToDateOutcome<TPeer>(submission.Peer, IsDonor: submission.Strategy != SharedStateStrategy.ReceiveOnly)
            : null;
    }

    private static List<SharedStateEntry> DifferingEntries(DeclaredState state, DeclaredState elected)
    {
        var differing = new List<SharedStateEntry>();
        for (int i = 0; i < elected.Entries.Length; i++)
        {
            SharedStateEntry wanted = elected.Entries[i];
            if (!wanted.AllowContentInequality && state.Entries[i].Hash != wanted.Hash)
            {
                differing.Add(wanted);
            }
        }

        return differing;
    }

    private static SharedStateEntry[] ElectedEntries(DeclaredState elected) =>
        elected.Entries.Select(entry => entry.AllowContentInequality ? entry with { Hash = 0 } : entry).ToArray();

    private static ViolationOutcome<TPeer> Violation<TPeer>(SharedStateSubmission<TPeer> submission, string reason)
        where TPeer : notnull, IComparable<TPeer> =>
        new(submission.Peer, ErrorCode.ProtocolViolation, reason);
}
