using Collectives.Topology;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Topology;

public class RingEvaluateTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(200);

    [Test]
    public void EvaluateIsRotationInvariant() =>
        Check.One(Runs, Prop.ForAll(TopologyGen.MatrixAndRing(1, 12).ToArbitrary(), pair =>
        {
            var (sample, ring) = pair;
            var expected = RingSolver.Evaluate(sample.Matrix, ring);
            for (int shift = 1; shift < ring.Length; shift++)
            {
                var rotated = ring.Skip(shift).Concat(ring.Take(shift)).ToArray();
                Assert.That(RingSolver.Evaluate(sample.Matrix, rotated), Is.EqualTo(expected));
            }
        }));

    [Test]
    public void EvaluateMatchesTheReference() =>
        Check.One(Runs, Prop.ForAll(TopologyGen.MatrixAndRing(0, 12).ToArbitrary(), pair =>
        {
            var (sample, ring) = pair;
            int start = Array.IndexOf(ring, 0);
            var fromZero = start < 0 ? ring : ring.Skip(start).Concat(ring.Take(start)).ToArray();
            Assert.That(RingSolver.Evaluate(sample.Matrix, ring), Is.EqualTo(RingReference.Score(sample.Matrix, fromZero)));
        }));

    [Test]
    public void EvaluateFollowsTheDirectionOfTheRing()
    {
        var matrix = RingSolverExactTests.Complete(3, 1);
        matrix[0, 1] = 9;
        matrix[1, 2] = 8;
        matrix[2, 0] = 7;
        Assert.That(RingSolver.Evaluate(matrix, [0, 1, 2]), Is.EqualTo((7.0, 24.0)));
        Assert.That(RingSolver.Evaluate(matrix, [0, 2, 1]), Is.EqualTo((1.0, 3.0)));
    }

    [Test]
    public void EvaluateRejectsWhatIsNotARing()
    {
        var matrix = RingSolverExactTests.Complete(3, 1);
        Assert.Throws<ArgumentException>(() => RingSolver.Evaluate(matrix, [0, 1]));
        Assert.Throws<ArgumentException>(() => RingSolver.Evaluate(matrix, [0, 1, 1]));
        Assert.Throws<ArgumentException>(() => RingSolver.Evaluate(matrix, [0, 1, 3]));
        Assert.Throws<ArgumentException>(() => RingSolver.Evaluate(matrix, []));
    }

    [Test]
    public void AllReduceTimeFollowsTheSlowestLink()
    {
        // 4 peers, 400 bytes: 2·3 steps of 100 bytes each at 100 B/s = 6 s, plus 6 step latencies.
        Assert.That(RingAllReduceModel.EstimateSeconds(400, 4, 100), Is.EqualTo(6).Within(1e-12));
        Assert.That(RingAllReduceModel.EstimateSeconds(400, 4, 100, stepLatencySeconds: 0.5), Is.EqualTo(9).Within(1e-12));
        Assert.That(RingAllReduceModel.EstimateSeconds(400, 4, 200), Is.EqualTo(3).Within(1e-12));
        Assert.That(RingAllReduceModel.EstimateSeconds(400, 1, 0), Is.Zero, "One peer has nothing to exchange.");
        Assert.Throws<ArgumentOutOfRangeException>(() => RingAllReduceModel.EstimateSeconds(400, 4, 0));
    }
}
