using Microsoft.Extensions.Logging;

namespace Collectives.Interop;

/// <summary>Log messages of the C API layer (event ids 7000-7099).</summary>
internal static partial class InteropLog
{
    // Event 7001 (optimise-topology unavailable) is retired: the ids of removed messages are not reused.

    [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "pcclConnect failed ({Code}): {Reason}; the communicator can connect again")]
    public static partial void ConnectFailed(ILogger logger, ErrorCode code, string reason);
}
