using Collectives.Protocol;
using Collectives.Topology;
using NUnit.Framework;

namespace Collectives.Tests.Topology;

public class LinkBandwidthsTests
{
    private static readonly PeerId A = new(1, 1);
    private static readonly PeerId B = new(2, 2);
    private static readonly PeerId C = new(3, 3);

    [Test]
    public void RecordsDirectedLinksAndIgnoresFailedProbes()
    {
        var links = new LinkBandwidths();
        links.Record(A, B, 5e6);
        links.Record(B, A, double.NaN);
        Assert.That(links.Get(A, B), Is.EqualTo(5e6));
        Assert.That(links.IsKnown(B, A), Is.False, "a failed probe leaves the link unknown, to be probed again");
        Assert.That(links.Count, Is.EqualTo(1));

        links.Record(A, B, 7e6);
        Assert.That(links.Get(A, B), Is.EqualTo(7e6), "a newer measurement replaces the old one");
    }

    [Test]
    public void ForgetDropsEveryLinkOfAPeer()
    {
        var links = new LinkBandwidths();
        links.Record(A, B, 1);
        links.Record(B, C, 2);
        links.Record(C, A, 3);
        links.Record(A, C, 4);
        links.Forget(A);
        Assert.That(links.Count, Is.EqualTo(1));
        Assert.That(links.Get(B, C), Is.EqualTo(2));
    }

    [Test]
    public void UnknownLinksAndTheMatrixUseThePositionsOfTheGivenOrder()
    {
        var links = new LinkBandwidths();
        links.Record(A, B, 1);
        links.Record(C, A, 3);
        PeerId[] order = [C, A, B];
        Assert.That(links.UnknownAmong(order), Is.EquivalentTo(new[] { (0, 2), (1, 0), (2, 0), (2, 1) }));
        var matrix = links.ToMatrix(order);
        Assert.That(matrix[1, 2], Is.EqualTo(1));
        Assert.That(matrix[0, 1], Is.EqualTo(3));
        Assert.That(matrix.UnknownLinkCount, Is.EqualTo(4));
    }

    [Test]
    public void RejectsImpossibleRates()
    {
        var links = new LinkBandwidths();
        Assert.Throws<ArgumentOutOfRangeException>(() => links.Record(A, B, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => links.Record(A, B, double.PositiveInfinity));
        Assert.Throws<ArgumentException>(() => links.Record(A, A, 1));
    }
}
