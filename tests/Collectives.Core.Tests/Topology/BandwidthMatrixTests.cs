using Collectives.Topology;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Topology;

public class BandwidthMatrixTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(200);

    [Test]
    public void NewMatrixKnowsNoLink()
    {
        var matrix = new BandwidthMatrix(3);
        Assert.That(matrix.Count, Is.EqualTo(3));
        Assert.That(matrix.UnknownLinkCount, Is.EqualTo(6));
        Assert.That(matrix.UnknownLinks(), Is.EquivalentTo(new[] { (0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1) }));
        Assert.That(double.IsNaN(matrix[1, 2]), Is.True);
        Assert.That(matrix.IsKnown(1, 2), Is.False);
    }

    [Test]
    public void LinksAreDirected()
    {
        var matrix = new BandwidthMatrix(2);
        matrix[0, 1] = 5e8;
        Assert.That(matrix[0, 1], Is.EqualTo(5e8));
        Assert.That(matrix.IsKnown(0, 1), Is.True);
        Assert.That(matrix.IsKnown(1, 0), Is.False);
        Assert.That(matrix.UnknownLinks(), Is.EqualTo(new[] { (1, 0) }));

        matrix[0, 1] = double.NaN;
        Assert.That(matrix.IsKnown(0, 1), Is.False, "Setting NaN forgets a measurement.");
    }

    [Test]
    public void RejectsWhatIsNotABandwidth()
    {
        var matrix = new BandwidthMatrix(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix[0, 1] = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix[0, 1] = double.PositiveInfinity);
        Assert.Throws<ArgumentException>(() => matrix[1, 1] = 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = matrix[2, 0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = matrix[0, -1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new BandwidthMatrix(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new BandwidthMatrix(BandwidthMatrix.MaxCount + 1));
    }

    [Test]
    public void CloneIsIndependent()
    {
        var matrix = new BandwidthMatrix(2);
        matrix[0, 1] = 1;
        var clone = matrix.Clone();
        clone[0, 1] = 2;
        clone[1, 0] = 3;
        Assert.That(matrix[0, 1], Is.EqualTo(1));
        Assert.That(matrix.IsKnown(1, 0), Is.False);
        Assert.That(clone[0, 1], Is.EqualTo(2));
    }

    [Test]
    public void FlatFormRoundTrips() =>
        Check.One(Runs, Prop.ForAll(TopologyGen.Matrix(0, 6).ToArbitrary(), sample =>
        {
            var flat = sample.Matrix.ToFlat();
            var back = BandwidthMatrix.FromFlat(sample.Matrix.Count, flat);
            Assert.That(back.ToFlat(), Is.EqualTo(flat));
            Assert.That(back.UnknownLinkCount, Is.EqualTo(flat.Count(double.IsNaN) - sample.Matrix.Count));
            Assert.That(back.UnknownLinks().Count(), Is.EqualTo(back.UnknownLinkCount));
        }));

    [Test]
    public void FlatFormIsRowMajorWithUnknownDiagonal()
    {
        var matrix = BandwidthMatrix.FromFlat(2, [7, 1, 2, 7]);
        Assert.That(matrix[0, 1], Is.EqualTo(1));
        Assert.That(matrix[1, 0], Is.EqualTo(2));
        Assert.That(double.IsNaN(matrix[0, 0]) && double.IsNaN(matrix[1, 1]), Is.True, "The diagonal is ignored.");
    }

    [Test]
    public void FromFlatValidatesInputFromTheNetwork()
    {
        Assert.Throws<ArgumentException>(() => BandwidthMatrix.FromFlat(2, [0, 1, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => BandwidthMatrix.FromFlat(2, [0, -1, 2, 0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => BandwidthMatrix.FromFlat(2, [0, double.NegativeInfinity, 2, 0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => BandwidthMatrix.FromFlat(-1, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => BandwidthMatrix.FromFlat(BandwidthMatrix.MaxCount + 1, []));
    }

    [Test]
    public void SelectPicksPeersInTheGivenOrder() =>
        Check.One(Runs, Prop.ForAll(TopologyGen.MatrixAndRing(1, 6).ToArbitrary(), pair =>
        {
            var (sample, order) = pair;
            var peers = order.Take(Math.Max(1, order.Length - 1)).ToArray();
            var selected = sample.Matrix.Select(peers);
            Assert.That(selected.Count, Is.EqualTo(peers.Length));
            for (int i = 0; i < peers.Length; i++)
            {
                for (int j = 0; j < peers.Length; j++)
                {
                    double expected = i == j ? double.NaN : sample.Matrix[peers[i], peers[j]];
                    Assert.That(selected[i, j], Is.EqualTo(expected));
                }
            }
        }));

    [Test]
    public void SelectRejectsRepeatedOrMissingPeers()
    {
        var matrix = new BandwidthMatrix(3);
        Assert.Throws<ArgumentException>(() => matrix.Select([0, 0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Select([3]));
    }
}
