using NUnit.Framework;

namespace Collectives.Tests;

/// <summary>The result codes are part of the PCCL-compatible ABI: their values must never change.</summary>
public class ErrorCodeTests
{
    [TestCase(ErrorCode.Success, 0)]
    [TestCase(ErrorCode.NotInitialized, 1)]
    [TestCase(ErrorCode.InternalError, 2)]
    [TestCase(ErrorCode.InvalidArgument, 3)]
    [TestCase(ErrorCode.InvalidUsage, 4)]
    [TestCase(ErrorCode.TooFewPeers, 5)]
    [TestCase(ErrorCode.MasterConnectionFailed, 6)]
    [TestCase(ErrorCode.RankConnectionFailed, 7)]
    [TestCase(ErrorCode.RankConnectionLost, 8)]
    [TestCase(ErrorCode.NoSharedStateAvailable, 9)]
    [TestCase(ErrorCode.PendingAsyncOps, 10)]
    [TestCase(ErrorCode.UpdateTopologyFailed, 11)]
    [TestCase(ErrorCode.TopologyOptimizationFailed, 12)]
    public void PcclCompatibleValues(ErrorCode code, int expected) => Assert.That((int)code, Is.EqualTo(expected));

    [Test]
    public void LostRankIsTransientButMisuseIsNot()
    {
        Assert.That(new CollectivesException(ErrorCode.RankConnectionLost, "x").IsTransient, Is.True);
        Assert.That(new CollectivesException(ErrorCode.InvalidUsage, "x").IsTransient, Is.False);
    }
}
