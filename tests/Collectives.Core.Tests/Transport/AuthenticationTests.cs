using System.Net;
using System.Net.Sockets;
using Collectives.Membership;
using Collectives.Transport;
using NUnit.Framework;

namespace Collectives.Tests.Transport;

[TestFixture]
[CancelAfter(60_000)]
public class AuthenticationTests
{
    private static readonly RunSecret Right = RunSecret.FromPassphrase("correct horse battery staple");
    private static readonly RunSecret Wrong = RunSecret.FromPassphrase("wrong horse");

    private static Task<OutboundLink> DialAsync(LoopbackPair pair, RunSecret? secret) => OutboundLink.ConnectAsync(
        pair.Listener.LocalEndPoint, Guid.NewGuid(), LoopbackPair.Version, ConnectionPurpose.Data, 1,
        pair.Options with { Secret = secret }, ErrorCode.RankConnectionFailed, CancellationToken.None);

    [Test]
    public async Task SameSecretConnectsAndCarriesData()
    {
        await using LoopbackPair pair = await LoopbackPair.CreateAsync(TransportOptions.Default with { Secret = Right, PoolSize = 2 });
        byte[] payload = [1, 2, 3, 4, 5];
        byte[] received = new byte[5];
        var sink = new BufferSink(received);
        pair.Router.Register(1, 1, pair.SenderId, sink);
        await pair.SendAsync(1, 1, payload);
        await sink.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.That(received, Is.EqualTo(payload));
    }

    [Test]
    public async Task WrongOrMissingSecretIsRefusedBothWays()
    {
        await using LoopbackPair pair = await LoopbackPair.CreateAsync(TransportOptions.Default with { Secret = Right, PoolSize = 1 });
        var wrong = await Assert.CatchAsync<CollectivesException>(() => DialAsync(pair, Wrong));
        Assert.That(wrong!.ErrorCode, Is.EqualTo(ErrorCode.AuthenticationFailed));
        var none = await Assert.CatchAsync<CollectivesException>(() => DialAsync(pair, null));
        Assert.That(none!.ErrorCode, Is.EqualTo(ErrorCode.AuthenticationFailed));

        // A listener without a secret cannot prove one: a client that requires it refuses the listener.
        await using LoopbackPair open = await LoopbackPair.CreateAsync(TransportOptions.Default with { PoolSize = 1 });
        var unproven = await Assert.CatchAsync<CollectivesException>(() => DialAsync(open, Right));
        Assert.That(unproven!.ErrorCode, Is.EqualTo(ErrorCode.AuthenticationFailed));
    }

    [Test]
    public async Task ReplayedHandshakeIsRefused()
    {
        await using LoopbackPair pair = await LoopbackPair.CreateAsync(TransportOptions.Default with { Secret = Right, PoolSize = 1 });
        // Record what a legitimate client sends through a relay, then replay those bytes on a fresh connection.
        using var relayListener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        relayListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        relayListener.Listen(1);
        var recorded = new List<byte>();
        Task relay = Task.Run(async () =>
        {
            using Socket client = await relayListener.AcceptAsync();
            using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await server.ConnectAsync(pair.Listener.LocalEndPoint);
            Task up = Pump(client, server, recorded);
            Task down = Pump(server, client, null);
            await Task.WhenAny(up, down);
        });
        OutboundLink legit = await OutboundLink.ConnectAsync((IPEndPoint)relayListener.LocalEndPoint!, Guid.NewGuid(), LoopbackPair.Version,
            ConnectionPurpose.Data, 1, pair.Options, ErrorCode.RankConnectionFailed, CancellationToken.None);
        await legit.DisposeAsync();
        await relay.WaitAsync(TimeSpan.FromSeconds(10));

        int rejectedBefore = pair.Listener.RejectedHandshakes;
        using var attacker = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await attacker.ConnectAsync(pair.Listener.LocalEndPoint);
        byte[] replay;
        lock (recorded)
        {
            replay = [.. recorded];
        }

        await attacker.SendAsync(replay, SocketFlags.None);
        // The listener answers the replayed hello with a fresh nonce, so the replayed proof is wrong: refused.
        byte[] buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new List<byte>();
        try
        {
            int n;
            while ((n = await attacker.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                received.AddRange(buffer.AsSpan(0, n).ToArray());
            }
        }
        catch (SocketException)
        {
            // reset: closed
        }

        Assert.That(received[^1], Is.EqualTo((byte)HandshakeStatus.AuthenticationFailed), "last handshake byte is the refusal");
        Assert.That(pair.Listener.RejectedHandshakes, Is.GreaterThan(rejectedBefore));
    }

    [Test]
    public async Task PeerWithTheWrongSecretCannotJoinTheRun()
    {
        await using var master = new MasterServer(MasterOptions.Default with
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            Transport = TransportOptions.Default with { Secret = Right },
        });
        master.Start();
        CommunicatorOptions Options(RunSecret? secret) => new(master.LocalEndPoint)
        {
            PeerListen = new IPEndPoint(IPAddress.Loopback, 0),
            Transport = TransportOptions.Default with { Secret = secret },
        };

        await using var good = new Communicator(Options(Right));
        await good.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await using var bad = new Communicator(Options(Wrong));
        var error = await Assert.CatchAsync<CollectivesException>(() => bad.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.That(error!.ErrorCode, Is.EqualTo(ErrorCode.AuthenticationFailed));
        Assert.That(good.WorldSizes.Global, Is.EqualTo(1));
    }

    private static async Task Pump(Socket from, Socket to, List<byte>? record)
    {
        byte[] buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                if (record is not null)
                {
                    lock (record)
                    {
                        record.AddRange(buffer.AsSpan(0, n).ToArray());
                    }
                }

                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            }
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        try
        {
            to.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
