namespace Collectives;

/// <summary>
/// Result codes shared by the .NET API (as <see cref="CollectivesException.ErrorCode"/>) and the C ABI.
/// Values 0–12 match PCCL 1.0's <c>pcclResult_t</c> so that PCCL programs work unchanged; new codes come after 12.
/// </summary>
public enum ErrorCode
{
    /// <summary>The call succeeded.</summary>
    Success = 0,
    /// <summary>The library or object was not initialised.</summary>
    NotInitialized = 1,
    /// <summary>An unexpected internal failure (a bug); the message says what.</summary>
    InternalError = 2,
    /// <summary>An argument was out of range, null or inconsistent.</summary>
    InvalidArgument = 3,
    /// <summary>The call is not allowed in the current state.</summary>
    InvalidUsage = 4,
    /// <summary>The operation needs at least two peers and this peer is alone.</summary>
    TooFewPeers = 5,
    /// <summary>The master could not be reached or the control connection failed.</summary>
    MasterConnectionFailed = 6,
    /// <summary>A connection to another peer could not be established.</summary>
    RankConnectionFailed = 7,
    /// <summary>A peer of the operation died, left or stalled; the operation failed on every peer and can be retried.</summary>
    RankConnectionLost = 8,
    /// <summary>No peer holds shared state that this peer could adopt.</summary>
    NoSharedStateAvailable = 9,
    /// <summary>The call is refused while asynchronous collectives are still running.</summary>
    PendingAsyncOps = 10,
    /// <summary>Updating the topology failed; the peer may retry.</summary>
    UpdateTopologyFailed = 11,
    /// <summary>Optimizing the topology failed; the previous ring stays in use.</summary>
    TopologyOptimizationFailed = 12,
    /// <summary>A deadline passed before the operation could finish.</summary>
    Timeout = 13,
    /// <summary>The other side could not prove knowledge of the run secret, or refused ours.</summary>
    AuthenticationFailed = 14,
    /// <summary>The other side sent something the protocol does not allow.</summary>
    ProtocolViolation = 15,
    /// <summary>The master removed this peer from the run.</summary>
    Kicked = 16,
    /// <summary>Peers launched the same tag with different descriptors (count, type, op or quantization).</summary>
    DescriptorMismatch = 17,
    /// <summary>The operation was cancelled by the caller.</summary>
    Cancelled = 18,
}
