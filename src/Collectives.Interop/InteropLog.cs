using Microsoft.Extensions.Logging;

namespace Collectives.Interop;

/// <summary>Log messages of the C API layer (event ids 7000-7099).</summary>
internal static partial class InteropLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning,
        Message = "pcclOptimizeTopology: ring optimisation for a group of {GroupSize} is not available in this build yet; the current ring stays in use (pcclTopologyOptimizationFailed)")]
    public static partial void TopologyOptimizationUnavailable(ILogger logger, int groupSize);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "pcclConnect failed ({Code}): {Reason}; the communicator can connect again")]
    public static partial void ConnectFailed(ILogger logger, ErrorCode code, string reason);
}
