using Microsoft.Extensions.Logging;

namespace Collectives.Diagnostics;

/// <summary>The master's log messages. Event ids 1000–1999 are the master's and never change meaning.</summary>
internal static partial class MasterLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Master listening on {Endpoint}")]
    public static partial void Listening(ILogger logger, System.Net.IPEndPoint endpoint);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Master stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Control connection {Connection} from {Remote} opened")]
    public static partial void ConnectionOpened(ILogger logger, long connection, System.Net.IPEndPoint? remote);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Control connection {Connection} closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, long connection, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Closing connection {Connection} ({Code}): {Reason}")]
    public static partial void Closing(ILogger logger, long connection, ErrorCode code, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Master listening on non-loopback {Endpoint} without a run secret: anyone who can reach it can join")]
    public static partial void NoSecretOnPublicAddress(ILogger logger, System.Net.IPEndPoint endpoint);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Connection {Connection} closed: {Reason}")]
    public static partial void Left(ILogger logger, long connection, string reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "Master state machine failed on an event; the offending connection is closed")]
    public static partial void StateFailure(ILogger logger, Exception exception);
}
