using Collectives.Algorithms;
using Collectives.Protocol;
using Collectives.SharedState;
using NUnit.Framework;

namespace Collectives.Tests.Internal;

/// <summary>
/// Internal completion sources faulted on failure paths nobody waits on must not surface as unobserved task
/// exceptions (hosts with ThrowUnobservedTaskExceptions would crash). Found by the chaos stress test.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class TaskObservationTests
{
    [Test]
    public void FailedOperationsAndSyncsThatNobodyAwaitsRaiseNoUnobservedException()
    {
        string marker = $"unobserved-probe-{Guid.NewGuid():N}";
        int seen = UnobservedFaults.CountAfter(marker, () => FailAndDrop(marker));
        Assert.That(seen, Is.Zero);
    }

    // Separate method so no local keeps the faulted tasks reachable during the collection.
    private static void FailAndDrop(string marker)
    {
        for (int i = 0; i < 10; i++)
        {
            var descriptor = new CollectiveDescriptor(CollectiveKind.AllReduce, 4, DataType.Float32, ReduceOp.Sum, QuantizationAlgorithm.None, DataType.Float32);
            var operation = new CollectiveOperation((ulong)i, descriptor, new byte[16], new byte[16], inPlace: false);
            operation.Fail(new CollectivesException(ErrorCode.RankConnectionLost, marker));

            var sync = new SharedStateSync();
            sync.OnFailed(new Collectives.Protocol.Messages.SharedStateSyncFailed(1, ErrorCode.RankConnectionLost, marker));
        }
    }
}
