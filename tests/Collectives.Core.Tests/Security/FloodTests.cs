using System.Net;
using System.Net.Sockets;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using Collectives.Tests.Protocol;
using Collectives.Transport;
using Collectives.Transport.Internal;
using NUnit.Framework;

namespace Collectives.Tests.Security;

[TestFixture]
[NonParallelizable]
[CancelAfter(120_000)]
public class FloodTests
{
    [Test]
    public async Task ControlMessageFloodDoesNotDisturbTheRunOrGrowTheMaster()
    {
        var transport = TransportOptions.Default with { PoolSize = 2 };
        await using var run = new SecureRun(transport);
        for (int i = 0; i < 3; i++)
        {
            await run.JoinAsync(transport);
        }

        long before = SettledMemory();
        using var stop = new CancellationTokenSource();
        long sent = 0;
        Task[] flooders = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            Interlocked.Add(ref sent, await FloodHeartbeatsAsync(run.Master.LocalEndPoint, stop.Token));
        })).ToArray();

        long peak = 0;
        for (ulong tag = 1; tag <= 10; tag++)
        {
            float[][] inputs = SecureRun.IntegerInputs(3, 20_000, (int)tag);
            float[][] outputs = await run.AllReduceSumAsync(inputs, tag);
            Assert.That(outputs, Has.All.EqualTo(SecureRun.Sum(inputs)));
            peak = Math.Max(peak, GC.GetTotalMemory(false));
        }

        await stop.CancelAsync();
        await Task.WhenAll(flooders).WaitAsync(SecureRun.Bound);
        long after = SettledMemory();
        TestContext.Out.WriteLine($"{Interlocked.Read(ref sent) / 1024} KiB of heartbeats sent; memory {before >> 10} KiB -> peak {peak >> 10} KiB -> {after >> 10} KiB");
        Assert.That(run.Peers.Select(p => p.WorldSizes.Global), Has.All.EqualTo(3));
        Assert.That(peak - before, Is.LessThan(256L << 20));
    }

    /// <summary>Handshakes as a control client, then writes heartbeat frames as fast as the socket takes them.</summary>
    private static async Task<long> FloodHeartbeatsAsync(IPEndPoint master, CancellationToken stop)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(master);
        using var receiver = new BufferedReceiver(new SocketByteSource(socket), 4096);
        await HandshakeExchange.RunClientAsync(socket, receiver,
            new HandshakeHello(ProtocolVersion.Current, ConnectionPurpose.Control, Guid.NewGuid(), 0, 0, 1), null, ErrorCode.MasterConnectionFailed,
            "master", stop);
        byte[] heartbeat = PayloadHelpers.Encode(new PeerHeartbeat());
        byte[] frame = new byte[FrameHeader.Size + heartbeat.Length];
        new FrameHeader(FrameKind.Control, 0, (uint)heartbeat.Length, 0, 0, 0).Write(frame);
        heartbeat.CopyTo(frame, FrameHeader.Size);
        byte[] burst = Enumerable.Repeat(frame, 4096).SelectMany(f => f).ToArray();
        long sent = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                sent += await socket.SendAsync(burst, SocketFlags.None, stop);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
        }

        return sent;
    }

    private static long SettledMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
