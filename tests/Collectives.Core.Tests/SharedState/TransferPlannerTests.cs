using Collectives.SharedState;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.SharedState;

public class TransferPlannerTests
{
    [Test]
    public void DistinctEntriesGoToDistinctDonors()
    {
        var planner = new TransferPlanner<int>([10, 20, 30], splitThresholdBytes: 1 << 20);
        IReadOnlyList<EntryTransfer<int>> plan = planner.Plan([Entry("a", 100), Entry("b", 100), Entry("c", 100)]);

        Assert.That(plan.Select(t => t.Slices.Single().Donor), Is.Unique);
        Assert.That(planner.AssignedBytes, Is.EqualTo(new[] { 400UL, 400UL, 400UL }));
    }

    [Test]
    public void LoadCarriesOverToTheNextFetcher()
    {
        var planner = new TransferPlanner<int>([10, 20], splitThresholdBytes: 1 << 20);
        IReadOnlyList<EntryTransfer<int>> first = planner.Plan([Entry("a", 100)]);
        IReadOnlyList<EntryTransfer<int>> second = planner.Plan([Entry("a", 100)]);

        Assert.That(first.Single().Slices.Single().Donor, Is.EqualTo(10));
        Assert.That(second.Single().Slices.Single().Donor, Is.EqualTo(20), "the second joiner uses the idle donor");
    }

    [Test]
    public void EntriesAtTheThresholdStayWhole()
    {
        Assert.That(new TransferPlanner<int>([10, 20], 400).Plan([Entry("a", 100)]).Single().Slices, Has.Count.EqualTo(1));
        Assert.That(new TransferPlanner<int>([10, 20], 400).Plan([Entry("b", 101)]).Single().Slices, Is.EqualTo(new[]
        {
            new TransferSlice<int>(10, 0, 204), new TransferSlice<int>(20, 204, 200),
        }));
    }

    [Test]
    public void PlansCoverEveryByteOnceAndStayBalanced()
    {
        Gen<(SharedStateEntry[] Entries, int Donors, ulong Threshold)> cases =
            from entryCount in Gen.Choose(0, 8)
            from entries in Gen.CollectToArray(Enumerable.Range(0, entryCount), i =>
                from type in Gen.Elements(Enum.GetValues<DataType>())
                from count in Gen.Choose(1, 300)
                select new SharedStateEntry($"e{i}", type, (ulong)count, (ulong)i, false))
            from donors in Gen.Choose(1, 6)
            from threshold in Gen.Elements(1UL, 64UL, 500UL, 1UL << 30)
            select (entries, donors, threshold);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(cases.ToArbitrary(), c =>
        {
            int[] donors = Enumerable.Range(100, c.Donors).ToArray();
            var planner = new TransferPlanner<int>(donors, c.Threshold);
            IReadOnlyList<EntryTransfer<int>> plan = planner.Plan(c.Entries);

            if (!plan.Select(t => t.Name).SequenceEqual(c.Entries.Select(e => e.Name).Order(StringComparer.Ordinal)))
            {
                throw new ModelMismatchException("one transfer per entry, in name order");
            }

            foreach (EntryTransfer<int> transfer in plan)
            {
                ElectionModel.VerifyCoverage(transfer, c.Entries.Single(e => e.Name == transfer.Name), donors.ToHashSet());
            }

            // Greedy least-loaded assignment keeps every donor within one piece of the least loaded one.
            ulong largestPiece = c.Entries.Length == 0 ? 0 : c.Entries.Max(e => e.ByteLength <= c.Threshold ? e.ByteLength : (e.ByteLength + (ulong)c.Donors - 1) / (ulong)c.Donors + 8);
            return planner.AssignedBytes.Max() - planner.AssignedBytes.Min() <= largestPiece
                && planner.AssignedBytes.Aggregate(0UL, (sum, bytes) => sum + bytes) == c.Entries.Aggregate(0UL, (sum, e) => sum + e.ByteLength);
        }));
    }

    private static SharedStateEntry Entry(string name, ulong count) => new(name, DataType.Float32, count, 1, false);
}
