using Collectives.Topology;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Topology;

public class ProbeScheduleTests
{
    private static readonly Gen<(int Count, (int From, int To)[] Links)> LinkSets =
        from n in Gen.Choose(0, 12)
        from links in Gen.SubListOf(Enumerable.Range(0, n * n).Where(k => k / n != k % n).Select(k => (k / n, k % n)).ToArray())
        select (n, links.ToArray());

    [Test]
    public void RoundsCoverEveryLinkOnceAndNoPeerIsInTwoLinksOfARound() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(LinkSets.ToArbitrary(), set =>
        {
            var rounds = ProbeSchedule.Plan(set.Count, set.Links);
            Assert.That(rounds.SelectMany(r => r), Is.EquivalentTo(set.Links));
            Assert.That(rounds, Has.None.Empty);
            Assert.That(rounds.Count, Is.LessThanOrEqualTo(Math.Max(0, set.Count - 1)));
            foreach (var round in rounds)
            {
                Assert.That(round.Select(l => l.From), Is.Unique.And.Ordered, "one link per sender, by sender");
                Assert.That(round.Select(l => l.To), Is.Unique, "one link per receiver");
            }
        }));

    [TestCase(2)]
    [TestCase(5)]
    [TestCase(9)]
    public void ACompleteGroupTakesNMinusOneRoundsOfNLinks(int n)
    {
        var all = Enumerable.Range(0, n).SelectMany(i => Enumerable.Range(0, n).Where(j => j != i).Select(j => (i, j)));
        var rounds = ProbeSchedule.Plan(n, all);
        Assert.That(rounds, Has.Count.EqualTo(n - 1), "every peer sends n − 1 times, so no schedule is shorter");
        Assert.That(rounds, Has.All.Count.EqualTo(n));
    }

    [Test]
    public void RejectsSelfLinksRepeatsAndStrangers()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ProbeSchedule.Plan(3, [(1, 1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProbeSchedule.Plan(3, [(0, 3)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProbeSchedule.Plan(3, [(-1, 0)]));
        Assert.Throws<ArgumentException>(() => ProbeSchedule.Plan(3, [(0, 1), (0, 1)]));
    }
}
