using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Collectives.Transport;
using NUnit.Framework;

namespace Collectives.Tests.Security;

[TestFixture]
[NonParallelizable]
[CancelAfter(120_000)]
public class HostileClientTests
{
    private static readonly RunSecret Secret = RunSecret.FromPassphrase("hostile client tests");

    [Test]
    public async Task ThousandGarbageConnectionsDoNotDisturbAFourPeerAllReduceLoop()
    {
        var transport = TransportOptions.Default with { Secret = Secret, PoolSize = 2 };
        await using var run = new SecureRun(transport);
        for (int i = 0; i < 4; i++)
        {
            await run.JoinAsync(transport);
        }

        await CheckedAllReduceAsync(run, tag: 0);
        long before = SettledMemory();

        using var flooding = new CancellationTokenSource();
        using var roundDone = new SemaphoreSlim(0);
        int rounds = 0;
        Task loop = Task.Run(async () =>
        {
            ulong tag = 1;
            while (!flooding.IsCancellationRequested)
            {
                await CheckedAllReduceAsync(run, tag++);
                Interlocked.Increment(ref rounds);
                roundDone.Release();
            }
        });

        // Ten waves of 100 connections; before each wave one more all-reduce has completed, so the flood and the
        // loop interleave whatever the machine's speed.
        for (int wave = 0; wave < 10; wave++)
        {
            Task<bool> completed = roundDone.WaitAsync(SecureRun.Bound);
            if (await Task.WhenAny(completed, loop) == loop)
            {
                await loop; // a failed all-reduce: surface its assertion
            }

            Assert.That(await completed, Is.True, "an all-reduce completes while the flood goes on");
            await FloodAsync(run.Master.LocalEndPoint, connections: 100, concurrency: 50, seed: wave * 100);
        }

        await flooding.CancelAsync();
        await loop.WaitAsync(SecureRun.Bound);

        long after = SettledMemory();
        TestContext.Out.WriteLine($"{rounds} checked all-reduces during the flood; managed memory {before / 1024} KiB -> {after / 1024} KiB");
        Assert.That(rounds, Is.GreaterThanOrEqualTo(10));
        Assert.That(run.Peers.Select(p => p.WorldSizes.Global), Has.All.EqualTo(4));
        Assert.That(after - before, Is.LessThan(64L << 20), "the master's memory stays bounded");
        Assert.That(run.Logs.Errors, Is.Zero, string.Join("\n", run.Logs.ErrorMessages));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task StalledHandshakesOnTheMasterPortTimeOutAndAreDropped(bool tls)
    {
        using X509Certificate2 authority = TestCertificates.CreateAuthority("stall CA");
        var transport = TransportOptions.Default with
        {
            Secret = Secret,
            HandshakeTimeout = TimeSpan.FromMilliseconds(500),
            Tls = tls ? TestCertificates.Trusting(authority, TestCertificates.Issue(authority, "master")) : null,
        };
        await using var run = new SecureRun(transport);
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var halfway = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await silent.ConnectAsync(run.Master.LocalEndPoint);
        await halfway.ConnectAsync(run.Master.LocalEndPoint);
        // Half a handshake: the first bytes of a hello frame (or of a TLS ClientHello), then nothing.
        await halfway.SendAsync(tls ? new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 } : HalfHello(), SocketFlags.None);

        Assert.That(await ClosedByTheOtherSideAsync(silent), Is.True, "a silent connection is dropped");
        Assert.That(await ClosedByTheOtherSideAsync(halfway), Is.True, "a half handshake is dropped");
        Assert.That(run.Logs.DropReasons.Keys.Count(k => k.Contains("no complete handshake within", StringComparison.Ordinal)), Is.EqualTo(1));
        Assert.That(run.Logs.DropReasons.Values.Sum(), Is.GreaterThanOrEqualTo(2));

        // The master still serves a real peer.
        await run.JoinAsync(transport);
    }

    private static byte[] HalfHello()
    {
        byte[] frame = new byte[FrameHeader.Size + 20];
        new FrameHeader(FrameKind.Handshake, 0, HandshakeHello.Size + 32, 0, 0, 0).Write(frame);
        return frame;
    }

    private static async Task<bool> ClosedByTheOtherSideAsync(Socket socket)
    {
        byte[] buffer = new byte[256];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true; // reset: closed too
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task CheckedAllReduceAsync(SecureRun run, ulong tag)
    {
        float[][] inputs = SecureRun.IntegerInputs(run.Peers.Count, 20_000, seed: (int)tag);
        float[][] outputs = await run.AllReduceSumAsync(inputs, tag);
        Assert.That(outputs, Has.All.EqualTo(SecureRun.Sum(inputs)), $"all-reduce {tag}");
    }

    /// <summary>Connects <paramref name="connections"/> times, at most <paramref name="concurrency"/> at once: sends nothing, random bytes, or a
    /// header claiming a huge frame, then closes.</summary>
    private static async Task FloodAsync(IPEndPoint target, int connections, int concurrency, int seed)
    {
        using var slots = new SemaphoreSlim(concurrency);
        var attacks = new List<Task>(connections);
        for (int i = 0; i < connections; i++)
        {
            await slots.WaitAsync();
            int id = i;
            attacks.Add(Task.Run(async () =>
            {
                try
                {
                    await OneGarbageConnectionAsync(target, new Random(seed + id));
                }
                finally
                {
                    slots.Release();
                }
            }));
        }

        await Task.WhenAll(attacks).WaitAsync(SecureRun.Bound);
    }

    private static async Task OneGarbageConnectionAsync(IPEndPoint target, Random random)
    {
        using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(target);
            byte[] payload = random.Next(3) switch
            {
                0 => [],
                1 => new byte[random.Next(1, 8192)],
                _ => new byte[FrameHeader.Size],
            };
            if (payload.Length == FrameHeader.Size)
            {
                new FrameHeader(FrameKind.Handshake, 0, uint.MaxValue, 0, 0, 0).Write(payload);
            }
            else
            {
                random.NextBytes(payload);
            }

            await socket.SendAsync(payload, SocketFlags.None);
        }
        catch (SocketException)
        {
            // The master may drop a garbage connection before we are done with it: that is the point.
        }
    }

    private static long SettledMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
