using Collectives.Transport;
using NUnit.Framework;

namespace Collectives.Tests.Transport;

/// <summary>
/// Small frames may be written by the sending thread itself (no send-loop hop). These tests check that doing so never
/// reorders a sender's frames on a connection and never loses one, whatever mix of inline and queued frames.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public class InlineWriteTests
{
    /// <summary>Records the order in which frames of one run arrive (by offset) and checks their bytes.</summary>
    private sealed class OrderSink(int expectedFrames) : IInboundSink
    {
        private readonly List<ulong> _offsets = [];
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<ulong> Offsets => _offsets;

        public Task Completion => _done.Task;

        public int CorruptFrames { get; private set; }

        public async ValueTask OnFrameAsync(IPayloadReader payload, FrameHeader header, CancellationToken cancellationToken)
        {
            byte[] bytes = new byte[header.PayloadLength];
            await payload.ReadPayloadAsync(bytes, cancellationToken);
            if (bytes.Any(b => b != (byte)header.Offset))
            {
                CorruptFrames++;
            }

            lock (_offsets)
            {
                _offsets.Add(header.Offset);
                if (_offsets.Count == expectedFrames)
                {
                    _done.TrySetResult();
                }
            }
        }

        public void OnSourceFailed(Exception reason) => _done.TrySetException(reason);
    }

    [Test]
    public async Task SmallFramesNeverOvertakeQueuedLargeOnesOfTheSameSender()
    {
        // One connection, big stripes: every frame of a sender travels the same connection, so arrival order is send order.
        await using LoopbackPair pair = await LoopbackPair.CreateAsync(TransportOptions.Default with { PoolSize = 1, StripeSize = 1 << 20 });
        const int senders = 4;
        const int framesEach = 300;
        var sinks = Enumerable.Range(0, senders).Select(_ => new OrderSink(framesEach)).ToArray();
        for (int s = 0; s < senders; s++)
        {
            pair.Router.Register((ulong)(s + 1), (ulong)(100 + s), pair.SenderId, sinks[s]);
        }

        var trackers = Enumerable.Range(0, senders).Select(_ => new SendTracker()).ToArray();
        var start = new Barrier(senders);
        Task[] threads = Enumerable.Range(0, senders).Select(s => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(10));
            for (int i = 0; i < framesEach; i++)
            {
                // A mix: large frames always queue, small ones go inline whenever the connection is idle. Now and
                // then a sender waits for its frames to leave, so the connection does go idle between bursts.
                int length = i % 5 == 0 ? 200_000 + i : 1 + (i * 37 % 4000);
                byte[] payload = new byte[length];
                Array.Fill(payload, (byte)i);
                pair.Link.Send((ulong)(100 + s), (ulong)(s + 1), (ulong)i, payload, trackers[s]);
                if (i % 20 == 17)
                {
                    trackers[s].DrainAsync().Wait(TimeSpan.FromSeconds(20));
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        await Task.WhenAll(threads).WaitAsync(TimeSpan.FromSeconds(30));
        await Task.WhenAll(sinks.Select(k => k.Completion)).WaitAsync(TimeSpan.FromSeconds(30));
        await Task.WhenAll(trackers.Select(t => t.DrainAsync())).WaitAsync(TimeSpan.FromSeconds(30));

        FramedConnection connection = pair.Link.Connections[0];
        for (int s = 0; s < senders; s++)
        {
            Assert.That(sinks[s].Offsets, Is.EqualTo(Enumerable.Range(0, framesEach).Select(i => (ulong)i)), $"sender {s}: frames in send order");
            Assert.That(sinks[s].CorruptFrames, Is.Zero, $"sender {s}: payload bytes");
        }

        // How the frames split between the two paths depends on timing; the order above must hold for any split.
        TestContext.Out.WriteLine($"{connection.InlineWrites} of {senders * framesEach} frames written inline");
        Assert.That(connection.InlineWrites, Is.LessThan(senders * framesEach), "large frames went through the queue");
        Assert.That(trackers.Select(t => t.Failure), Is.All.Null);
    }

    [Test]
    public async Task ASmallFrameOnAnIdleConnectionIsWrittenBeforeSendReturns()
    {
        await using LoopbackPair pair = await LoopbackPair.CreateAsync(TransportOptions.Default with { PoolSize = 1 });
        var sink = new OrderSink(1);
        pair.Router.Register(1, 7, pair.SenderId, sink);
        var tracker = new SendTracker();

        pair.Link.Send(7, 1, 0, new byte[4096], tracker);

        Assert.That(tracker.Outstanding, Is.Zero, "written on the calling thread, not handed to the send loop");
        Assert.That(pair.Link.Connections[0].InlineWrites, Is.EqualTo(1));
        await sink.Completion.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task AStalledConnectionQueuesSmallFramesInsteadOfWritingThem()
    {
        await using LoopbackPair pair = await LoopbackPair.CreateAsync(TransportOptions.Default with { PoolSize = 1 });
        var sink = new OrderSink(2);
        pair.Router.Register(1, 7, pair.SenderId, sink);
        FramedConnection connection = pair.Link.Connections[0];
        var tracker = new SendTracker();

        connection.InjectStall();
        pair.Link.Send(7, 1, 0, new byte[100], tracker);
        pair.Link.Send(7, 1, 1, new byte[100], tracker);
        Assert.That(tracker.Outstanding, Is.EqualTo(2), "a stalled connection writes nothing");
        connection.ReleaseStall();

        await sink.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(sink.Offsets, Is.EqualTo(new ulong[] { 0, 1 }));
        Assert.That(connection.InlineWrites, Is.Zero);
    }
}
