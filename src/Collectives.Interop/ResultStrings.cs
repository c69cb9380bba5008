using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Collectives.Interop;

/// <summary>
/// Static NUL-terminated descriptions of the result codes for <c>collectivesResultString</c>. UTF-8 literals live in
/// the image's read-only data and carry a terminating NUL, so their addresses stay valid for the life of the process.
/// </summary>
internal static unsafe class ResultStrings
{
    /// <summary>The description of <paramref name="code"/>.</summary>
    public static byte* Of(int code) => Pin((ErrorCode)code switch
    {
        ErrorCode.Success => "success"u8,
        ErrorCode.NotInitialized => "not initialized: pcclInit was not called"u8,
        ErrorCode.InternalError => "internal error"u8,
        ErrorCode.InvalidArgument => "invalid argument"u8,
        ErrorCode.InvalidUsage => "invalid usage: not allowed in the current state"u8,
        ErrorCode.TooFewPeers => "too few peers in the group"u8,
        ErrorCode.MasterConnectionFailed => "master connection failed"u8,
        ErrorCode.RankConnectionFailed => "peer connection failed"u8,
        ErrorCode.RankConnectionLost => "peer connection lost; the operation can be retried"u8,
        ErrorCode.NoSharedStateAvailable => "no shared state available"u8,
        ErrorCode.PendingAsyncOps => "asynchronous operations are not yet awaited"u8,
        ErrorCode.UpdateTopologyFailed => "topology update failed; call it again"u8,
        ErrorCode.TopologyOptimizationFailed => "topology optimization failed; the previous ring stays in use"u8,
        ErrorCode.Timeout => "timeout; the operation can be retried"u8,
        ErrorCode.AuthenticationFailed => "authentication failed"u8,
        ErrorCode.ProtocolViolation => "protocol violation"u8,
        ErrorCode.Kicked => "removed from the run by the master"u8,
        ErrorCode.DescriptorMismatch => "peers used one tag with different descriptors"u8,
        ErrorCode.Cancelled => "cancelled"u8,
        _ => "unknown result code"u8,
    });

    private static byte* Pin(ReadOnlySpan<byte> literal) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(literal));
}
