using Collectives.SharedState;
using FsCheck;
using FsCheck.Fluent;

namespace Collectives.Tests.SharedState;

/// <summary>A random synchronization round: small enough to read when it fails, varied enough to hit every rule.</summary>
internal sealed record ElectionScenario(ulong? GroupRevision, SharedStateSubmission<int>[] Submissions, ulong SplitThresholdBytes)
{
    public override string ToString() =>
        $"group {GroupRevision?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, split {SplitThresholdBytes}: "
        + string.Join("; ", Submissions.Select(s =>
            $"{s.Peer}@{s.Revision} {s.Strategy} [{string.Join(", ", s.Entries.Select(e => $"{e.Name}:{e.DataType}x{e.Count}={e.Hash}{(e.AllowContentInequality ? "~" : "")}"))}]"));
}

internal static class ElectionScenarios
{
    private static readonly DataType[] Types = Enum.GetValues<DataType>();

    /// <summary>
    /// Up to 7 peers around a shared schema. Each peer holds one of three content variants (hashes from {1, 2, 3}), so
    /// popularity ties and several donors are common; one peer's schema in four is perturbed; revisions straddle the
    /// expected one, some far ahead of it (a lineage the group lost); strategies are mixed.
    /// </summary>
    internal static Gen<ElectionScenario> Rounds { get; } =
        from groupRevision in Gen.Elements<ulong?>(null, 10UL)
        from schema in Schema
        from variants in Gen.ArrayOf(ContentVariant, 3)
        from peerCount in Gen.Choose(1, 7)
        from ids in Gen.Shuffle(Enumerable.Range(0, 20))
        from submissions in Gen.CollectToArray(ids.Take(peerCount), id => Submission(id, schema, variants))
        from splitThreshold in Gen.Elements(8UL, 40UL, 1UL << 20)
        select new ElectionScenario(groupRevision, submissions, splitThreshold);

    /// <summary>A round and a permutation of its submissions.</summary>
    internal static Gen<(ElectionScenario Round, SharedStateSubmission<int>[] Shuffled)> RoundsAndPermutations { get; } =
        from round in Rounds
        from shuffled in Gen.Shuffle(round.Submissions)
        select (round, shuffled);

    private static Gen<SharedStateEntry[]> Schema =>
        from types in Gen.ArrayOf(Gen.Elements(Types), 4)
        from counts in Gen.ArrayOf(Gen.Choose(0, 40), 4)
        select new[]
        {
            new SharedStateEntry("weights", types[0], (ulong)counts[0] + 1, 0, false),
            new SharedStateEntry("moments", types[1], (ulong)counts[1], 0, false),
            new SharedStateEntry("step", types[2], 1, 0, false),
            new SharedStateEntry("rng", types[3], (ulong)counts[3], 0, true),
        };

    /// <summary>Hashes for up to five entries (a perturbed schema may add one).</summary>
    private static Gen<ulong[]> ContentVariant => Gen.ArrayOf(Gen.Choose(1, 3).Select(hash => (ulong)hash), 5);

    private static Gen<SharedStateSubmission<int>> Submission(int id, SharedStateEntry[] schema, ulong[][] variants) =>
        from revision in Gen.Frequency((1, Gen.Constant(8UL)), (2, Gen.Constant(9UL)), (3, Gen.Constant(10UL)), (6, Gen.Constant(11UL)), (1, Gen.Constant(12UL)),
            (1, Gen.Constant(824UL)))
        from strategy in Gen.Frequency(
            (6, Gen.Constant(SharedStateStrategy.EnforcePopular)),
            (2, Gen.Constant(SharedStateStrategy.ReceiveOnly)),
            (2, Gen.Constant(SharedStateStrategy.SendOnly)))
        from hashes in Gen.Elements(variants)
        from entries in Gen.Frequency((3, Gen.Constant(schema)), (1, Perturbed(schema)))
        from order in Gen.Shuffle(entries.Select((entry, i) => entry with { Hash = entry.AllowContentInequality ? 100 + (ulong)id : hashes[i] }))
        select new SharedStateSubmission<int>(id, revision, strategy, order);

    private static Gen<SharedStateEntry[]> Perturbed(SharedStateEntry[] schema) =>
        Gen.Elements<Func<SharedStateEntry[], SharedStateEntry[]>>(
            s => s[1..],
            s => [s[0] with { DataType = s[0].DataType == DataType.UInt8 ? DataType.Int8 : DataType.UInt8 }, .. s[1..]],
            s => [s[0] with { Count = s[0].Count + 1 }, .. s[1..]],
            s => [.. s[..3], s[3] with { AllowContentInequality = false }],
            s => [.. s, new SharedStateEntry("extra", DataType.Float32, 2, 0, false)],
            s => [s[0] with { Name = "weight" }, .. s[1..]])
        .Select(perturb => perturb(schema));
}
