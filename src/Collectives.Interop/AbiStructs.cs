using System.Runtime.InteropServices;

namespace Collectives.Interop;

// Mirrors of the PCCL 1.0 structs of native/include/pccl.h, field for field (x86-64 System V layout). Enum-typed C
// fields are held as int so that out-of-range values from C can be seen and refused; C bool is held as byte.
// The native tests compare sizeof/offsetof printed by a C program against these.

/// <summary><c>pcclCommCreateParams_t</c> (36 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct AbiCommCreateParams
{
    /// <summary><c>master_address</c>.</summary>
    public AbiSocketAddress MasterAddress;

    /// <summary><c>peer_group</c>.</summary>
    public uint PeerGroup;

    /// <summary><c>p2p_connection_pool_size</c> (0: library default).</summary>
    public uint P2PConnectionPoolSize;
}

/// <summary><c>pcclReduceInfo_t</c> (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct AbiReduceInfo
{
    /// <summary><c>local_world_size</c>.</summary>
    public uint LocalWorldSize;

    /// <summary><c>tx_bytes</c>.</summary>
    public ulong TxBytes;

    /// <summary><c>rx_bytes</c>.</summary>
    public ulong RxBytes;
}

/// <summary><c>pcclReduceOperandDescriptor_t</c> (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct AbiReduceOperandDescriptor
{
    /// <summary><c>datatype</c>: an <see cref="AbiDataType"/> value.</summary>
    public int DataType;

    /// <summary><c>distribution_hint</c>: an <see cref="AbiDistributionHint"/> value.</summary>
    public int DistributionHint;
}

/// <summary><c>pcclQuantizationOptions_t</c> (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct AbiQuantizationOptions
{
    /// <summary><c>quantized_datatype</c>: an <see cref="AbiDataType"/> value.</summary>
    public int QuantizedDataType;

    /// <summary><c>algorithm</c>: an <see cref="AbiQuantizationAlgorithm"/> value.</summary>
    public int Algorithm;
}

/// <summary><c>pcclReduceDescriptor_t</c> (40 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct AbiReduceDescriptor
{
    /// <summary><c>count</c>: elements.</summary>
    public nuint Count;

    /// <summary><c>op</c>: an <see cref="AbiReduceOp"/> value.</summary>
    public int Op;

    /// <summary><c>tag</c>.</summary>
    public ulong Tag;

    /// <summary><c>src_descriptor</c>.</summary>
    public AbiReduceOperandDescriptor Source;

    /// <summary><c>quantization_options</c>.</summary>
    public AbiQuantizationOptions Quantization;
}

/// <summary><c>pcclReduceOpDescriptor_t</c> (56 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct AbiReduceOpDescriptor
{
    /// <summary><c>sendbuf</c>.</summary>
    public void* SendBuffer;

    /// <summary><c>recvbuf</c>.</summary>
    public void* ReceiveBuffer;

    /// <summary><c>descriptor</c>.</summary>
    public AbiReduceDescriptor Descriptor;
}

/// <summary><c>pcclAsyncReduceOp_t</c> (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct AbiAsyncReduceOp
{
    /// <summary><c>comm</c>: the communicator handle.</summary>
    public nint Communicator;

    /// <summary><c>tag</c>.</summary>
    public ulong Tag;
}

/// <summary><c>pcclTensorInfo_t</c> (40 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct AbiTensorInfo
{
    /// <summary><c>name</c>: NUL-terminated UTF-8.</summary>
    public byte* Name;

    /// <summary><c>data</c>.</summary>
    public void* Data;

    /// <summary><c>count</c>: elements.</summary>
    public nuint Count;

    /// <summary><c>datatype</c>: an <see cref="AbiDataType"/> value.</summary>
    public int DataType;

    /// <summary><c>device_type</c>: an <see cref="AbiDeviceType"/> value.</summary>
    public int DeviceType;

    /// <summary><c>allow_content_inequality</c> (C bool).</summary>
    public byte AllowContentInequality;
}

/// <summary><c>pcclSharedState_t</c> (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct AbiSharedState
{
    /// <summary><c>revision</c>.</summary>
    public ulong Revision;

    /// <summary><c>count</c>: entries of <see cref="Infos"/>.</summary>
    public nuint Count;

    /// <summary><c>infos</c>.</summary>
    public AbiTensorInfo* Infos;
}

/// <summary><c>pcclSharedStateSyncInfo_t</c> (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct AbiSharedStateSyncInfo
{
    /// <summary><c>tx_bytes</c>.</summary>
    public ulong TxBytes;

    /// <summary><c>rx_bytes</c>.</summary>
    public ulong RxBytes;
}

/// <summary><c>pcclBuildInfo_t</c> (1 byte).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct AbiBuildInfo
{
    /// <summary><c>has_cuda_support</c> (C bool).</summary>
    public byte HasCudaSupport;
}
