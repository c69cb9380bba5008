using Microsoft.Extensions.Logging;

namespace Collectives.Diagnostics;

/// <summary>A peer's log messages. Event ids 2000–2999 are the peer's and never change meaning.</summary>
internal static partial class PeerLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Connected to master {Master} as peer {Peer} (group {Group}, data port {Port})")]
    public static partial void Connected(ILogger logger, System.Net.IPEndPoint master, string peer, uint group, int port);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Accepted into the run: world {Global}, group size {Group}")]
    public static partial void Accepted(ILogger logger, int global, int group);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Topology updated (epoch {Epoch}): world {Global}, group size {Group}")]
    public static partial void TopologyUpdated(ILogger logger, ulong epoch, int global, int group);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Master connection lost: {Reason}")]
    public static partial void MasterLost(ILogger logger, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "All-reduce tag {Tag} run {Sequence} failed: {Reason}")]
    public static partial void CollectiveFailed(ILogger logger, ulong tag, ulong sequence, string reason);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Membership changed: world {Global}, group size {Group}")]
    public static partial void MembershipChanged(ILogger logger, int global, int group);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Could not reach peer {Peer} at {Endpoint}: {Reason}")]
    public static partial void PeerUnreachable(ILogger logger, string peer, string endpoint, string reason);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Error, Message = "Kicked by the master ({Code}): {Reason}")]
    public static partial void Kicked(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Debug, Message = "Run {Sequence} of tag {Tag} did not quiesce in time; breaking its links")]
    public static partial void QuiesceTimeout(ILogger logger, ulong sequence, ulong tag);
}
