using Collectives.Protocol;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NUnit.Framework;

namespace Collectives.Tests.Integration;

[TestFixture]
[CancelAfter(120_000)]
public class MembershipTests
{
    [Test]
    public async Task PeersJoinOneAtATimeUpToEight()
    {
        await using var run = new LocalRun();
        for (int n = 1; n <= 8; n++)
        {
            await run.JoinAsync();
            foreach (Communicator peer in run.Peers)
            {
                WorldSizes sizes = await peer.WaitForWorldSizesAsync(s => s.Global == n, LocalRun.Bound);
                Assert.That(sizes, Is.EqualTo(new WorldSizes(n, n, 1, n)));
            }
        }

        var rings = run.Peers.Select(p => string.Join(",", p.Ring)).Distinct().ToList();
        Assert.That(rings, Has.Count.EqualTo(1), "every peer sees the same ring");
        Assert.That(run.Peers[0].Ring, Has.Count.EqualTo(8));
    }

    [Test]
    public async Task PeersJoinInTwoGroups()
    {
        await using var run = new LocalRun();
        Communicator a0 = await run.JoinAsync(group: 0);
        Communicator a1 = await run.JoinAsync(group: 0);
        Communicator b0 = await run.JoinAsync(group: 1);
        Communicator a2 = await run.JoinAsync(group: 0);
        foreach (Communicator p in new[] { a0, a1, a2 })
        {
            Assert.That(await p.WaitForWorldSizesAsync(s => s.Global == 4, LocalRun.Bound), Is.EqualTo(new WorldSizes(4, 3, 2, 3)));
        }

        Assert.That(await b0.WaitForWorldSizesAsync(s => s.Global == 4, LocalRun.Bound), Is.EqualTo(new WorldSizes(4, 1, 2, 3)));
        Assert.That(b0.Ring, Is.EqualTo(new[] { b0.Id }));
    }

    [Test]
    public async Task GracefulLeaveShrinksTheWorldAndTheRestCarryOn()
    {
        await using var run = new LocalRun();
        Communicator a = await run.JoinAsync();
        Communicator b = await run.JoinAsync();
        Communicator c = await run.JoinAsync();
        await run.RemoveAsync(b);
        foreach (Communicator p in new[] { a, c })
        {
            Assert.That((await p.WaitForWorldSizesAsync(s => s.Global == 2, LocalRun.Bound)).PeerGroup, Is.EqualTo(2));
        }

        await Task.WhenAll(a.UpdateTopologyAsync(), c.UpdateTopologyAsync()).WaitAsync(TimeSpan.FromSeconds(1));
    }

    [Test]
    public async Task CutConnectionsRemoveThePeerAndTheNextUpdateSucceedsWithinOneSecond()
    {
        await using var run = new LocalRun();
        Communicator a = await run.JoinAsync();
        Communicator b = await run.JoinAsync();
        Communicator c = await run.JoinAsync();
        b.SimulateConnectionFailure();
        foreach (Communicator p in new[] { a, c })
        {
            await p.WaitForWorldSizesAsync(s => s.Global == 2, LocalRun.Bound);
        }

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(a.UpdateTopologyAsync(), c.UpdateTopologyAsync()).WaitAsync(TimeSpan.FromSeconds(1));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)));
        var error = await Assert.CatchAsync<CollectivesException>(() => b.UpdateTopologyAsync());
        Assert.That(error!.ErrorCode, Is.EqualTo(ErrorCode.MasterConnectionFailed));
    }

    [Test]
    public async Task SigkilledPeerProcessShrinksTheWorldAndTheNextUpdateSucceedsWithinOneSecond()
    {
        await using var run = new LocalRun();
        Communicator a = await run.JoinAsync();
        Communicator b = await run.JoinAsync();
        await using var child = ChildPeer.Start(run.Master.LocalEndPoint);
        await child.WaitForLineAsync("REGISTERED", LocalRun.Bound);
        await Task.WhenAll(a.UpdateTopologyAsync(), b.UpdateTopologyAsync()).WaitAsync(LocalRun.Bound);
        await child.WaitForLineAsync("ACCEPTED", LocalRun.Bound);
        await a.WaitForWorldSizesAsync(s => s.Global == 3, LocalRun.Bound);

        var clock = Stopwatch.StartNew();
        child.Kill();
        foreach (Communicator p in new[] { a, b })
        {
            await p.WaitForWorldSizesAsync(s => s.Global == 2, LocalRun.Bound);
        }

        TestContext.Out.WriteLine($"world shrank {clock.ElapsedMilliseconds} ms after SIGKILL");
        var update = Stopwatch.StartNew();
        await Task.WhenAll(a.UpdateTopologyAsync(), b.UpdateTopologyAsync()).WaitAsync(TimeSpan.FromSeconds(1));
        Assert.That(update.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)));
    }

    [Test]
    public async Task JoinerCallingUpdateTopologyRightAfterConnectDoesNotDeadlock()
    {
        await using var run = new LocalRun();
        Communicator a = await run.JoinAsync();
        Communicator b = await run.JoinAsync();
        // The joiner's loop starts with an update topology while the others go straight to their next all-reduce.
        float[] x = [1, 2, 3];
        float[] y = [10, 20, 30];
        Task<AllReduceInfo> reduceA = a.AllReduceAsync(x.AsMemory(), ReduceOp.Sum, tag: 1);
        await b.UpdateTopologyAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Task<AllReduceInfo> reduceB = b.AllReduceAsync(y.AsMemory(), ReduceOp.Sum, tag: 1);
        await Task.WhenAll(reduceA, reduceB).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(x, Is.EqualTo(new float[] { 11, 22, 33 }));
        Assert.That(y, Is.EqualTo(x));
    }

    [Test]
    public async Task PeersPendingIsTheSameAnswerForEveryone()
    {
        await using var run = new LocalRun();
        Communicator a = await run.JoinAsync();
        Communicator b = await run.JoinAsync();
        bool[] before = await Task.WhenAll(a.ArePeersPendingAsync(), b.ArePeersPendingAsync()).WaitAsync(LocalRun.Bound);
        Assert.That(before, Is.EqualTo(new[] { false, false }));

        var joiner = new Communicator(run.Options());
        Task connect = joiner.ConnectAsync();
        await joiner.Registration.WaitAsync(LocalRun.Bound);
        bool[] during = await Task.WhenAll(a.ArePeersPendingAsync(), b.ArePeersPendingAsync()).WaitAsync(LocalRun.Bound);
        Assert.That(during, Is.EqualTo(new[] { true, true }));
        await Task.WhenAll(a.UpdateTopologyAsync(), b.UpdateTopologyAsync()).WaitAsync(LocalRun.Bound);
        await connect.WaitAsync(LocalRun.Bound);
        await joiner.DisposeAsync();
    }

    [Test]
    public async Task ConnectToAClosedPortFailsInBoundedTime()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        await using var peer = new Communicator(new CommunicatorOptions(new IPEndPoint(IPAddress.Loopback, port))
        {
            PeerListen = new IPEndPoint(IPAddress.Loopback, 0),
            ConnectTimeout = TimeSpan.FromSeconds(2),
        });
        var clock = Stopwatch.StartNew();
        var error = await Assert.CatchAsync<CollectivesException>(() => peer.ConnectAsync());
        Assert.That(error!.ErrorCode, Is.EqualTo(ErrorCode.MasterConnectionFailed));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
    }
}
