namespace Collectives.Interop;

/// <summary>
/// <c>pcclDataType_t</c>: PCCL 1.0's numbering, which differs from <see cref="DataType"/> for the floating-point types
/// (PCCL 1.0 put float16 and bfloat16 at 8 and 9, float and double at 10 and 11). Convert with <see cref="AbiConvert"/>.
/// </summary>
public enum AbiDataType
{
    /// <summary><c>pcclUint8</c>.</summary>
    UInt8 = 0,
    /// <summary><c>pcclInt8</c>.</summary>
    Int8 = 1,
    /// <summary><c>pcclInt16</c>.</summary>
    Int16 = 2,
    /// <summary><c>pcclUint16</c>.</summary>
    UInt16 = 3,
    /// <summary><c>pcclUint32</c>.</summary>
    UInt32 = 4,
    /// <summary><c>pcclInt32</c>.</summary>
    Int32 = 5,
    /// <summary><c>pcclUint64</c>.</summary>
    UInt64 = 6,
    /// <summary><c>pcclInt64</c>.</summary>
    Int64 = 7,
    /// <summary><c>pcclFloat16</c>.</summary>
    Float16 = 8,
    /// <summary><c>pcclBFloat16</c>.</summary>
    BFloat16 = 9,
    /// <summary><c>pcclFloat</c>.</summary>
    Float32 = 10,
    /// <summary><c>pcclDouble</c>.</summary>
    Float64 = 11,
}

/// <summary><c>pcclRedOp_t</c>; same values as <see cref="ReduceOp"/>.</summary>
public enum AbiReduceOp
{
    /// <summary><c>pcclSum</c>.</summary>
    Sum = 0,
    /// <summary><c>pcclAvg</c>.</summary>
    Avg = 1,
    /// <summary><c>pcclProd</c>.</summary>
    Prod = 2,
    /// <summary><c>pcclMax</c>.</summary>
    Max = 3,
    /// <summary><c>pcclMin</c>.</summary>
    Min = 4,
}

/// <summary><c>pcclAttribute_t</c>.</summary>
public enum AbiAttribute
{
    /// <summary><c>PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE</c>.</summary>
    GlobalWorldSize = 1,
    /// <summary><c>PCCL_ATTRIBUTE_PEER_GROUP_WORLD_SIZE</c>.</summary>
    PeerGroupWorldSize = 2,
    /// <summary><c>PCCL_ATTRIBUTE_NUM_DISTINCT_PEER_GROUPS</c>.</summary>
    NumDistinctPeerGroups = 3,
    /// <summary><c>PCCL_ATTRIBUTE_LARGEST_PEER_GROUP_WORLD_SIZE</c>.</summary>
    LargestPeerGroupWorldSize = 4,
}

/// <summary><c>pcclQuantizationAlgorithm_t</c>; same values as <see cref="QuantizationAlgorithm"/>.</summary>
public enum AbiQuantizationAlgorithm
{
    /// <summary><c>pcclQuantNone</c>.</summary>
    None = 0,
    /// <summary><c>pcclQuantMinMax</c>.</summary>
    MinMax = 1,
    /// <summary><c>pcclQuantZeroPointScale</c>.</summary>
    ZeroPointScale = 2,
}

/// <summary><c>pcclDistributionHint_t</c>.</summary>
public enum AbiDistributionHint
{
    /// <summary><c>pcclDistributionNone</c>.</summary>
    None = 0,
    /// <summary><c>pcclDistributionNormal</c>.</summary>
    Normal = 1,
    /// <summary><c>pcclDistributionUniform</c>.</summary>
    Uniform = 2,
}

/// <summary><c>pcclDeviceType_t</c>.</summary>
public enum AbiDeviceType
{
    /// <summary><c>pcclDeviceCpu</c>.</summary>
    Cpu = 0,
    /// <summary><c>pcclDeviceCuda</c> (refused: this is a CPU build).</summary>
    Cuda = 1,
}

/// <summary><c>pcclSharedStateSyncStrategy_t</c>.</summary>
public enum AbiSyncStrategy
{
    /// <summary><c>PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR</c>.</summary>
    EnforcePopular = 0,
    /// <summary><c>PCCL_SHARED_STATE_SYNC_STRATEGY_RECEIVE_ONLY</c>.</summary>
    ReceiveOnly = 1,
    /// <summary><c>PCCL_SHARED_STATE_SYNC_STRATEGY_SEND_ONLY</c>.</summary>
    SendOnly = 2,
}

/// <summary><c>ccoip_inet_protocol_t</c>.</summary>
public enum AbiInetProtocol
{
    /// <summary><c>inetIPv4</c>.</summary>
    IPv4 = 0,
    /// <summary><c>inetIPv6</c>.</summary>
    IPv6 = 1,
}
