using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Collectives.Transport;
using NUnit.Framework;

namespace Collectives.Tests.Transport;

[TestFixture]
[CancelAfter(120_000)]
public class LoopbackTransportTests
{
    private static byte[] RandomBytes(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase((256 << 10) + 1)]
    [TestCase(4 * (256 << 10) + 7)]
    [TestCase(300 << 20)]
    public async Task StripedPayloadOverPoolOfFourArrivesByteExact(int length)
    {
        await using LoopbackPair pair = await LoopbackPair.CreateAsync(TransportOptions.Default with { PoolSize = 4 });
        byte[] payload = RandomBytes(length, length);
        byte[] received = new byte[length];
        var sink = new BufferSink(received);
        pair.Router.Register(1, 42, pair.SenderId, sink);

        Task send = pair.SendAsync(42, 1, payload);
        await sink.WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
        await send;

        Assert.That(received.AsSpan().SequenceEqual(payload), Is.True);
        if (length > 4 * (256 << 10))
        {
            Assert.That(pair.Link.Connections.All(c => c.BytesSent > 0), Is.True, "every connection of the pool carried stripes");
        }
    }

    [Test]
    public async Task ThirtyTwoConcurrentTagsInterleaveCorrectly()
    {
        await using LoopbackPair pair = await LoopbackPair.CreateAsync(TransportOptions.Default with { PoolSize = 4, StripeSize = 4096 });
        const int tags = 32;
        var payloads = Enumerable.Range(0, tags).Select(i => RandomBytes(50_000 + (i * 3_001), i)).ToArray();
        var buffers = payloads.Select(p => new byte[p.Length]).ToArray();
        var sinks = buffers.Select(b => new BufferSink(b)).ToArray();
        for (int i = 0; i < tags; i++)
        {
            pair.Router.Register((ulong)(i + 1), (ulong)(1000 + i), pair.SenderId, sinks[i]);
        }

        // All sends are queued before any completes, so frames of different tags interleave on every connection.
        var tracker = new SendTracker();
        for (int i = 0; i < tags; i++)
        {
            pair.Link.Send((ulong)(1000 + i), (ulong)(i + 1), 0, payloads[i], tracker);
        }

        await Task.WhenAll(sinks.Select(s => s.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None)));
        await tracker.DrainAsync();
        for (int i = 0; i < tags; i++)
        {
            Assert.That(buffers[i].AsSpan().SequenceEqual(payloads[i]), Is.True, $"tag {1000 + i}");
        }
    }

    [Test]
    public async Task KillingOneConnectionFailsWaitingReceiversPromptlyWithTheReason()
    {
        await using LoopbackPair pair = await LoopbackPair.CreateAsync(TransportOptions.Default with { PoolSize = 4 });
        var sink = new BufferSink(new byte[1 << 20]);
        pair.Router.Register(7, 1, pair.SenderId, sink);
        Task wait = sink.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        // Part of the message arrives over the pool, then one connection dies: the rest can never come.
        var tracker = new SendTracker();
        pair.Link.Send(1, 7, 0, new byte[2 * (256 << 10)], tracker);
        await tracker.DrainAsync();

        var clock = Stopwatch.StartNew();
        pair.Link.Connections[2].InjectDrop();

        var error = await Assert.ThrowsAsync<ConnectionLostException>(async () => await wait);
        Assert.That(error!.ErrorCode, Is.EqualTo(ErrorCode.RankConnectionLost));
        Assert.That(error.Message, Does.Contain("fault injection").Or.Contain("closed by the other side"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(pair.Link.IsBroken, Is.True, "one broken connection breaks the whole pool");
    }

    /// <summary>
    /// Regression: a frame taken off the send queue while the batch before it was being flushed was lost when that
    /// flush failed, so its operation's tracker never drained and the caller waited out a long timeout.
    /// </summary>
    [Test]
    public async Task EveryQueuedFrameIsAccountedForWhenTheConnectionDiesMidSend()
    {
        var random = new Random(17);
        for (int round = 0; round < 40; round++)
        {
            await using LoopbackPair pair = await LoopbackPair.CreateAsync(TransportOptions.Default with { PoolSize = 2, StripeSize = 64 << 10 });
            var tracker = new SendTracker();
            // A mix of small frames (batched) and large ones (sent from memory), far more than the socket buffers hold.
            for (int i = 0; i < 200; i++)
            {
                int size = random.Next(4) == 0 ? random.Next(20_000, 300_000) : random.Next(0, 16_000);
                pair.Link.Send(1, 1, 0, new byte[size], tracker);
            }

            // The listener adopts connections just after the dialler returns: wait until both ends exist, so the break
            // below reaches every connection of the pool.
            var adopted = System.Diagnostics.Stopwatch.StartNew();
            while (pair.Router.AllConnections().Count < 2 && adopted.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(1);
            }

            // Nobody reads on the other side; kill the receiving ends abruptly while the sender is mid-stream.
            pair.Router.BreakAll(new ConnectionLostException(ErrorCode.RankConnectionLost, "receiver gone"));
            Task drained = tracker.DrainAsync();
            Task finished = await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(5)));
            Assert.That(finished, Is.SameAs(drained), $"round {round}: {tracker.Outstanding} frames never accounted for");
        }
    }

    [Test]
    public async Task ReceiveWithDeadlineOnSilentLinkFailsAtTheDeadline()
    {
        await using LoopbackPair pair = await LoopbackPair.CreateAsync();
        var sink = new BufferSink(new byte[16]);
        pair.Router.Register(3, 9, pair.SenderId, sink);

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<CollectivesTimeoutException>(() => sink.WaitAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None));
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(190)));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public async Task LateFramesOfAnEndedRunNeverReachTheRetryThatReusesTheTag()
    {
        await using LoopbackPair pair = await LoopbackPair.CreateAsync();
        const ulong tag = 5;
        // Run 10 was aborted on the receiver before its data arrived: announced, then unregistered.
        pair.Router.Register(10, tag, pair.SenderId, new BufferSink(new byte[1000]));
        pair.Router.Unregister(10);

        byte[] stale = Enumerable.Repeat((byte)0xEE, 1000).ToArray();
        byte[] fresh = RandomBytes(1000, 1);
        byte[] received = new byte[1000];
        var retry = new BufferSink(received);
        pair.Router.Register(11, tag, pair.SenderId, retry);

        await pair.SendAsync(tag, 10, stale);
        await pair.SendAsync(tag, 11, fresh);
        await retry.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.That(received, Is.EqualTo(fresh));
        Assert.That(pair.Router.DroppedFrames, Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task FramesForAnUnannouncedRunWaitForItsRegistration()
    {
        await using LoopbackPair pair = await LoopbackPair.CreateAsync();
        byte[] payload = RandomBytes(3000, 2);
        Task send = pair.SendAsync(77, 20, payload);   // arrives before the receiver knows about run 20

        byte[] received = new byte[3000];
        var sink = new BufferSink(received);
        await Task.Yield();
        pair.Router.Register(20, 77, pair.SenderId, sink);
        await sink.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        await send;
        Assert.That(received, Is.EqualTo(payload));
    }

    [Test]
    public async Task ConnectingToAClosedPortFailsFastWithTheGivenCode()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => OutboundLink.ConnectAsync(
            new IPEndPoint(IPAddress.Loopback, port), Guid.NewGuid(), 1, ConnectionPurpose.Data, 2,
            TransportOptions.Default, ErrorCode.MasterConnectionFailed, CancellationToken.None));
        Assert.That(error!.ErrorCode, Is.EqualTo(ErrorCode.MasterConnectionFailed));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        await Task.CompletedTask;
    }

    [Test]
    public async Task VersionMismatchIsRefusedInTheHandshake()
    {
        await using LoopbackPair pair = await LoopbackPair.CreateAsync();
        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => OutboundLink.ConnectAsync(
            pair.Listener.LocalEndPoint, Guid.NewGuid(), LoopbackPair.Version + 1, ConnectionPurpose.Data, 1,
            pair.Options, ErrorCode.RankConnectionFailed, CancellationToken.None));
        Assert.That(error!.Message, Does.Contain("VersionMismatch"));
    }

    [Test]
    public async Task GarbageAndStalledHandshakesAreDroppedWithoutHurtingTheLink()
    {
        await using LoopbackPair pair = await LoopbackPair.CreateAsync(TransportOptions.Default with { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        using (var garbage = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        using (var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await garbage.ConnectAsync(pair.Listener.LocalEndPoint);
            await garbage.SendAsync(RandomBytes(200, 3), SocketFlags.None);
            await silent.ConnectAsync(pair.Listener.LocalEndPoint);

            // Both are closed by the listener: a read returns 0 (or a reset) within the handshake timeout.
            byte[] buffer = new byte[64];
            Assert.That(await ReadUntilClosedAsync(garbage, buffer), Is.True);
            Assert.That(await ReadUntilClosedAsync(silent, buffer), Is.True);
        }

        Assert.That(pair.Listener.RejectedHandshakes, Is.GreaterThanOrEqualTo(2));
        byte[] payload = RandomBytes(10_000, 4);
        byte[] received = new byte[payload.Length];
        var sink = new BufferSink(received);
        pair.Router.Register(1, 1, pair.SenderId, sink);
        await pair.SendAsync(1, 1, payload);
        await sink.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.That(received, Is.EqualTo(payload));
    }

    [Test]
    public async Task OversizeFrameFromANeighbourBreaksOnlyThatConnectionBeforeAllocating()
    {
        await using LoopbackPair pair = await LoopbackPair.CreateAsync(TransportOptions.Default with { PoolSize = 1 });
        Guid rogueId = Guid.NewGuid();
        var rogueSink = new BufferSink(new byte[8]);
        pair.Router.Register(1, 1, rogueId, rogueSink);

        using var rogue = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await rogue.ConnectAsync(pair.Listener.LocalEndPoint);
        using var receiver = new Collectives.Transport.Internal.BufferedReceiver(new Collectives.Transport.Internal.SocketByteSource(rogue), 4096);
        using var handshakeDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Collectives.Transport.Internal.HandshakeExchange.RunClientAsync(rogue, receiver,
            new HandshakeHello(LoopbackPair.Version, ConnectionPurpose.Data, rogueId, 99, 0, 1), null, ErrorCode.RankConnectionFailed, "test",
            handshakeDeadline.Token);

        // A header claiming 4 GiB: refused on sight, no allocation, only this connection breaks.
        byte[] header = new byte[FrameHeader.Size];
        new FrameHeader(FrameKind.Data, 0, uint.MaxValue, 1, 1, 0).Write(header);
        await rogue.SendAsync(header, SocketFlags.None);

        // The receiver drops the connection (the rogue reads end-of-stream) without waiting for 4 GiB.
        Assert.That(await ReadUntilClosedAsync(rogue, new byte[64]), Is.True);
        Assert.That(rogueSink.Completion.IsCompleted, Is.False, "nothing was delivered from the rogue connection");

        byte[] payload = RandomBytes(5000, 5);
        byte[] received = new byte[payload.Length];
        var sink = new BufferSink(received);
        pair.Router.Register(2, 1, pair.SenderId, sink);
        await pair.SendAsync(1, 2, payload);
        await sink.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.That(received, Is.EqualTo(payload));
    }

    private static async Task<bool> ReadUntilClosedAsync(Socket socket, byte[] buffer)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true; // reset counts as closed
        }
    }
}
