using System.Net;
using System.Runtime.InteropServices;
using Collectives.Interop;
using NUnit.Framework;

namespace Collectives.Native.Tests;

/// <summary>Drives libcollectives.so from .NET through the <see cref="NativeMethods"/> bindings.</summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(120_000)]
public sealed unsafe class LibraryImportTests
{
    private static readonly AbiSocketAddress AnyLoopbackPort = AbiSocketAddress.From(new IPEndPoint(IPAddress.Loopback, 0));

    [OneTimeSetUp]
    public void Init() => Assert.That(NativeMethods.Init(), Is.EqualTo(ErrorCode.Success));

    [Test]
    public void VersionAndBuildInfo()
    {
        Assert.That(NativeMethods.GetVersion(), Is.EqualTo(Protocol.ProtocolVersion.Current));
        AbiBuildInfo info = new() { HasCudaSupport = 7 };
        Assert.That(NativeMethods.GetBuildInfo(&info), Is.EqualTo(ErrorCode.Success));
        Assert.That(info.HasCudaSupport, Is.Zero);
        Assert.That(NativeMethods.GetBuildInfo(null), Is.EqualTo(ErrorCode.InvalidArgument));
        Assert.That(NativeMethods.LastErrorMessage(), Does.Contain("info is NULL"));
        Assert.That(Marshal.PtrToStringUTF8((nint)NativeMethods.ResultString(ErrorCode.RankConnectionLost)), Does.Contain("retried"));
    }

    [Test]
    public void MasterLifecycle()
    {
        nint master;
        Assert.That(NativeMethods.CreateMaster(AnyLoopbackPort, &master), Is.EqualTo(ErrorCode.Success));
        ushort port;
        Assert.That(NativeMethods.GetMasterPort(master, &port), Is.EqualTo(ErrorCode.InvalidUsage));
        Assert.That(NativeMethods.RunMaster(master), Is.EqualTo(ErrorCode.Success));
        Assert.That(NativeMethods.GetMasterPort(master, &port), Is.EqualTo(ErrorCode.Success));
        Assert.That(port, Is.Not.Zero);
        Assert.That(NativeMethods.InterruptMaster(master), Is.EqualTo(ErrorCode.Success));
        Assert.That(NativeMethods.MasterAwaitTermination(master), Is.EqualTo(ErrorCode.Success));
        Assert.That(NativeMethods.DestroyMaster(master), Is.EqualTo(ErrorCode.Success));
        Assert.That(NativeMethods.DestroyMaster(master), Is.EqualTo(ErrorCode.InvalidArgument), "a destroyed handle is stale");
    }

    [Test]
    public void GarbageHandlesAreRefused()
    {
        int value;
        foreach (nint garbage in new nint[] { 0, 1, -1, unchecked((nint)0x7C0_0000_0001), unchecked((nint)0xDEADBEEFCAFE) })
        {
            Assert.That(NativeMethods.GetAttribute(garbage, AbiAttribute.GlobalWorldSize, &value), Is.EqualTo(ErrorCode.InvalidArgument));
            Assert.That(NativeMethods.DestroyCommunicator(garbage), Is.EqualTo(ErrorCode.InvalidArgument));
            Assert.That(NativeMethods.RunMaster(garbage), Is.EqualTo(ErrorCode.InvalidArgument));
        }
    }

    [Test]
    public void TwoPeersAllReduceThroughTheCAbiFromDotNetThreads()
    {
        AbiMasterOptions masterOptions;
        Assert.That(NativeMethods.MasterOptionsInit(&masterOptions), Is.EqualTo(ErrorCode.Success));
        masterOptions.HeartbeatIntervalMs = 100;
        masterOptions.PeerTimeoutMs = 1500;
        nint master;
        Assert.That(NativeMethods.CreateMasterEx(AnyLoopbackPort, &masterOptions, &master), Is.EqualTo(ErrorCode.Success));
        Assert.That(NativeMethods.RunMaster(master), Is.EqualTo(ErrorCode.Success));
        ushort boundPort;
        Assert.That(NativeMethods.GetMasterPort(master, &boundPort), Is.EqualTo(ErrorCode.Success));
        ushort port = boundPort;

        const int Count = 100_003;
        var results = new float[2][];
        var errors = new string?[2];
        Thread[] peers = Enumerable.Range(0, 2).Select(rank => new Thread(() =>
        {
            try
            {
                results[rank] = RunPeer(rank, port, Count);
            }
            catch (Exception e) when (e is AssertionException or InvalidOperationException)
            {
                errors[rank] = e.Message;
            }
        })).ToArray();
        foreach (Thread peer in peers)
        {
            peer.Start();
        }

        foreach (Thread peer in peers)
        {
            Assert.That(peer.Join(TimeSpan.FromSeconds(60)), Is.True, "peer thread finished");
        }

        Assert.That(errors, Is.All.Null);
        Assert.That(NativeMethods.InterruptMaster(master), Is.EqualTo(ErrorCode.Success));
        Assert.That(NativeMethods.MasterAwaitTermination(master), Is.EqualTo(ErrorCode.Success));
        Assert.That(NativeMethods.DestroyMaster(master), Is.EqualTo(ErrorCode.Success));

        Assert.That(results[0].AsSpan().SequenceEqual(results[1]), Is.True, "bit-identical on both peers");
        for (int i = 0; i < Count; i++)
        {
            Assert.That(results[0][i], Is.EqualTo(1f * i + (2f * i + 1)), $"element {i}");
        }
    }

    private static float[] RunPeer(int rank, ushort port, int count)
    {
        var parameters = new AbiCommCreateParams { MasterAddress = AbiSocketAddress.From(new IPEndPoint(IPAddress.Loopback, port)) };
        AbiCommOptions options;
        Check(NativeMethods.CommOptionsInit(&options));
        options.HeartbeatIntervalMs = 100;
        options.UseListenAddress = 1;
        options.ListenAddress = AnyLoopbackPort;
        nint communicator;
        Check(NativeMethods.CreateCommunicatorEx(&parameters, &options, &communicator));
        Check(NativeMethods.Connect(communicator));
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        int world;
        while (true)
        {
            Check(NativeMethods.GetAttribute(communicator, AbiAttribute.GlobalWorldSize, &world));
            if (world == 2)
            {
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("the other peer never joined");
            }

            Check(NativeMethods.UpdateTopology(communicator));
            Thread.Sleep(5); // pacing only: the loop's exit is decided by the world size
        }

        float[] send = Enumerable.Range(0, count).Select(i => (float)((rank + 1) * i + rank)).ToArray();
        float[] receive = new float[count];
        var descriptor = new AbiReduceDescriptor
        {
            Count = (nuint)count,
            Op = (int)AbiReduceOp.Sum,
            Tag = 42,
            Source = new AbiReduceOperandDescriptor { DataType = (int)AbiDataType.Float32 },
        };
        AbiReduceInfo info;
        fixed (float* sendPointer = send)
        fixed (float* receivePointer = receive)
        {
            Check(NativeMethods.AllReduce(sendPointer, receivePointer, &descriptor, communicator, &info));
            if (info.LocalWorldSize != 2)
            {
                throw new InvalidOperationException($"world size {info.LocalWorldSize}");
            }

            // The same again, launched asynchronously and awaited.
            float[] second = new float[count];
            fixed (float* secondPointer = second)
            {
                descriptor.Tag = 43;
                AbiAsyncReduceOp operation;
                Check(NativeMethods.AllReduceAsync(sendPointer, secondPointer, &descriptor, communicator, &operation));
                Check(NativeMethods.AwaitAsyncReduce(&operation, null));
            }

            if (!second.AsSpan().SequenceEqual(receive))
            {
                throw new InvalidOperationException("the asynchronous run differs from the blocking one");
            }
        }

        Check(NativeMethods.DestroyCommunicator(communicator));
        return receive;
    }

    private static void Check(ErrorCode result)
    {
        if (result != ErrorCode.Success)
        {
            throw new InvalidOperationException($"{result}: {NativeMethods.LastErrorMessage()}");
        }
    }
}
