using Collectives.Tests.Internal;
using Collectives.Transport;
using NUnit.Framework;

namespace Collectives.Tests.Transport;

/// <summary>
/// A sequence number reserved ahead of its turn (an optimistic start's ticket) is below the announced mark by the time
/// its data arrives; its frames must wait for the registration instead of being dropped as late, and once the
/// reservation is released they are dropped like any late frame.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class RouterReservationTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Test]
    public async Task FramesOfAReservedNumberBelowTheAnnouncedMarkWaitForTheirRegistration()
    {
        await using LoopbackPair pair = await LoopbackPair.CreateAsync();
        pair.Router.Reserve(5);
        pair.Router.Announce(9); // later runs were announced first

        byte[] payload = Enumerable.Range(0, 2000).Select(i => (byte)(i * 7)).ToArray();
        Task send = pair.SendAsync(3, 5, payload);
        await Eventually.HoldsAsync(() => pair.Router.Waiting > 0, Bound);

        byte[] received = new byte[payload.Length];
        var sink = new BufferSink(received);
        pair.Router.Register(5, 3, pair.SenderId, sink);
        await sink.WaitAsync(Bound, CancellationToken.None);
        await send.WaitAsync(Bound);
        Assert.That(received, Is.EqualTo(payload));
        Assert.That(pair.Router.DroppedFrames, Is.Zero);
    }

    [Test]
    public async Task WithoutAReservationOrAfterItsReleaseSuchFramesAreDroppedAsLate()
    {
        await using LoopbackPair pair = await LoopbackPair.CreateAsync();
        pair.Router.Announce(9);
        await pair.SendAsync(3, 4, new byte[100]);
        await Eventually.HoldsAsync(() => pair.Router.DroppedFrames == 1, Bound);

        pair.Router.Reserve(5);
        Task waiting = pair.SendAsync(3, 5, new byte[100]);
        await Eventually.HoldsAsync(() => pair.Router.Waiting > 0, Bound);
        pair.Router.Release(5);
        await Eventually.HoldsAsync(() => pair.Router.DroppedFrames == 2, Bound);
        await waiting.WaitAsync(Bound);

        // The connection carries on: a registered run still gets its data.
        byte[] received = new byte[10];
        var sink = new BufferSink(received);
        pair.Router.Register(10, 3, pair.SenderId, sink);
        await pair.SendAsync(3, 10, Enumerable.Repeat((byte)1, 10).ToArray());
        await sink.WaitAsync(Bound, CancellationToken.None);
        Assert.That(received, Is.All.EqualTo(1));
    }

}
