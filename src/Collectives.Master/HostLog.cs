using System.Net;
using Microsoft.Extensions.Logging;

namespace Collectives.Master;

/// <summary>collectives-master's own log messages. Event ids 5000–5099 are the master process's and never change meaning.</summary>
internal static partial class HostLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "collectives-master {Version} starting: heartbeat every {HeartbeatInterval}, peers time out after {PeerTimeout}")]
    public static partial void Starting(ILogger logger, string version, string heartbeatInterval, string peerTimeout);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Run secret loaded from {Path} ({Length} bytes): every connection must prove it")]
    public static partial void SecretLoaded(ILogger logger, string path, int length);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Secret file {Path} is readable by other users; restrict it with chmod 600")]
    public static partial void SecretReadableByOthers(ILogger logger, string path);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "Cannot listen on {Endpoint}: {Reason}")]
    public static partial void CannotListen(ILogger logger, IPEndPoint endpoint, string reason);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "{Signal} received: stopping (send it again to stop at once)")]
    public static partial void Stopping(ILogger logger, string signal);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Error, Message = "The master stopped without being asked to")]
    public static partial void StoppedUnexpectedly(ILogger logger);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "Status: {Summary}")]
    public static partial void Status(ILogger logger, string summary);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "--status needs an interactive terminal; logging one-line summaries instead")]
    public static partial void NoTerminalForStatus(ILogger logger);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Warning, Message = "Could not read the master's status")]
    public static partial void StatusFailed(ILogger logger, Exception exception);
}
