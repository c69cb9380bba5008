using System.Diagnostics;
using System.Net;
using Collectives.Interop;

namespace Collectives.Benchmarks;

/// <summary>
/// A peer that goes through libcollectives.so's exported C functions (via the <see cref="NativeMethods"/> bindings)
/// exactly as a C program would: <c>pcclCreateCommunicator</c>, <c>pcclConnect</c>, <c>pcclUpdateTopology</c>,
/// <c>pcclAllReduce</c>. Every call blocks the calling thread, as in C. Settings are the C defaults except the
/// loopback listening address and the pool size, matching the .NET peer of the same process.
/// </summary>
internal sealed unsafe class NativePeer : IDisposable
{
    private static readonly TimeSpan JoinBound = TimeSpan.FromSeconds(120);

    private readonly nint _handle;
    private bool _connected;

    private NativePeer(nint handle) => _handle = handle;

    /// <summary>A communicator of the master at <paramref name="master"/> (pool size 0 = the library default).</summary>
    public static NativePeer Create(IPEndPoint master, int poolSize)
    {
        var parameters = new AbiCommCreateParams
        {
            MasterAddress = AbiSocketAddress.From(master),
            P2PConnectionPoolSize = (uint)poolSize,
        };
        AbiCommOptions options;
        CapiCheck.Ok(NativeMethods.CommOptionsInit(&options));
        options.UseListenAddress = 1;
        options.ListenAddress = AbiSocketAddress.From(new IPEndPoint(IPAddress.Loopback, 0));
        nint handle;
        CapiCheck.Ok(NativeMethods.CreateCommunicatorEx(&parameters, &options, &handle));
        return new NativePeer(handle);
    }

    /// <summary>
    /// The C way of growing the group to <paramref name="world"/>: a new peer's <c>pcclConnect</c> returns once the
    /// members accepted it, and every member calls <c>pcclUpdateTopology</c> until the world has that size (as
    /// native/tests' harness_join does). Blocks.
    /// </summary>
    public void Join(int world)
    {
        if (!_connected)
        {
            CapiCheck.Ok(NativeMethods.Connect(_handle));
            _connected = true;
        }

        long start = Stopwatch.GetTimestamp();
        while (GlobalWorldSize() < world)
        {
            if (Stopwatch.GetElapsedTime(start) > JoinBound)
            {
                throw new TimeoutException($"the C API group did not reach {world} peers within {JoinBound.TotalSeconds:F0} s");
            }

            CapiCheck.Ok(NativeMethods.UpdateTopology(_handle));
        }
    }

    public int GlobalWorldSize()
    {
        int value;
        CapiCheck.Ok(NativeMethods.GetAttribute(_handle, AbiAttribute.GlobalWorldSize, &value));
        return value;
    }

    /// <summary><c>pcclAllReduce</c> of <paramref name="bytes"/> bytes of float32, Sum; blocks until it settled.</summary>
    public void AllReduceFloat32Sum(byte* send, byte* receive, int bytes, ulong tag)
    {
        var descriptor = new AbiReduceDescriptor
        {
            Count = (nuint)(bytes / sizeof(float)),
            Op = (int)AbiReduceOp.Sum,
            Tag = tag,
            Source = new AbiReduceOperandDescriptor { DataType = (int)AbiDataType.Float32 },
        };
        CapiCheck.Ok(NativeMethods.AllReduce(send, receive, &descriptor, _handle, null));
    }

    public void Dispose() => NativeMethods.DestroyCommunicator(_handle);
}
