using System.Runtime.CompilerServices;
using Collectives.Tests.Internal;
using Collectives.Transport;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Transport;

[TestFixture]
public class SendTrackerTests
{
    /// <summary>
    /// Whenever the drain is asked for (before, between or after the frames' outcomes), it completes exactly when the
    /// last frame is done and faults exactly when some frame failed, with the first failure.
    /// </summary>
    [Test]
    public void DrainEndsWithTheFramesAndCarriesTheFirstFailure()
    {
        Gen<(bool[] Failed, int DrainAt)> cases =
            from count in Gen.Choose(1, 8)
            from failed in Gen.ArrayOf(ArbMap.Default.GeneratorFor<bool>(), count)
            from drainAt in Gen.Choose(0, count)
            select (failed, drainAt);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var tracker = new SendTracker();
            tracker.Expect(c.Failed.Length);
            var reasons = c.Failed.Select((_, i) => new ConnectionLostException(ErrorCode.RankConnectionLost, $"frame {i}")).ToArray();
            Task? drain = null;
            for (int i = 0; i <= c.Failed.Length; i++)
            {
                if (i == c.DrainAt)
                {
                    drain = tracker.DrainAsync();
                }

                if (i < c.Failed.Length)
                {
                    Assert.That(drain?.IsCompleted ?? false, Is.False, "drained before the last frame");
                    Report(tracker, c.Failed[i], reasons[i]);
                }
            }

            int firstFailure = Array.IndexOf(c.Failed, true);
            Assert.That(drain!.IsCompleted, Is.True);
            Assert.That(drain.IsFaulted, Is.EqualTo(firstFailure >= 0));
            if (firstFailure >= 0)
            {
                Assert.That(drain.Exception!.InnerException, Is.SameAs(reasons[firstFailure]));
            }
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>
    /// Regression (stress test, bug 2): a run that is quiesced waits for its drain only to know the frames left, so a
    /// failed drain nobody awaited raised TaskScheduler.UnobservedTaskException — for the pending drain and for one
    /// asked for after the failure alike.
    /// </summary>
    [Test]
    public void AFailedDrainNobodyAwaitsRaisesNoUnobservedException()
    {
        string marker = $"drain-probe-{Guid.NewGuid():N}";
        int seen = UnobservedFaults.CountAfter(marker, () => FailDrainsAndDropThem(marker));
        Assert.That(seen, Is.Zero);
    }

    // Not inlined, so no local of the caller keeps the dropped drains reachable during the collection.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FailDrainsAndDropThem(string marker)
    {
        for (int i = 0; i < 10; i++)
        {
            var pending = new SendTracker();
            pending.Expect(2);
            Task drainBefore = pending.DrainAsync();
            pending.OnFrameDone(16, written: true);
            pending.OnFrameFailed(new ConnectionLostException(ErrorCode.RankConnectionLost, marker));
            Assert.That(drainBefore.IsFaulted, Is.True);

            var done = new SendTracker();
            done.Expect(1);
            done.OnFrameFailed(new ConnectionLostException(ErrorCode.RankConnectionLost, marker));
            Assert.That(done.DrainAsync().IsFaulted, Is.True);
        }
    }

    private static void Report(SendTracker tracker, bool failed, Exception reason)
    {
        if (failed)
        {
            tracker.OnFrameFailed(reason);
        }
        else
        {
            tracker.OnFrameDone(8, written: true);
        }
    }
}
