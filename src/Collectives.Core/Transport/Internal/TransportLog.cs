using System.Net;
using Microsoft.Extensions.Logging;

namespace Collectives.Transport.Internal;

/// <summary>Log events of the transport's listeners (event ids 3000–3099).</summary>
internal static partial class TransportLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Dropped connection from {Remote} during the handshake: {Reason}")]
    public static partial void HandshakeDropped(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Authentication of a connection from {Remote} failed: {Reason}")]
    public static partial void AuthenticationFailed(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Refused a {Purpose} connection from {Remote}: {Status}")]
    public static partial void Refused(ILogger logger, ConnectionPurpose purpose, EndPoint? remote, HandshakeStatus status);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "Dropped connection from {Remote}: {Pending} handshakes already pending")]
    public static partial void OverPendingCap(ILogger logger, EndPoint? remote, int pending);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Broke the {Purpose} connection from {Remote}: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, ConnectionPurpose purpose, EndPoint? remote, string reason);
}
