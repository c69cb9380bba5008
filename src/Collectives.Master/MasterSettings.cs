using System.Net;
using Collectives.Membership;
using Microsoft.Extensions.Logging;

namespace Collectives.Master;

/// <summary>Whether to draw the live status view.</summary>
internal enum StatusMode
{
    /// <summary>Draw it when standard output is an interactive terminal, else log one-line summaries.</summary>
    Auto = 0,
    /// <summary><c>--status</c>: draw it (falls back to summaries, with a warning, when there is no terminal).</summary>
    On = 1,
    /// <summary><c>--no-status</c>: log one-line summaries.</summary>
    Off = 2,
}

/// <summary>Everything the command line decided, validated.</summary>
/// <param name="Listen">Where to listen.</param>
/// <param name="HeartbeatInterval">The master's heartbeat and liveness-check period.</param>
/// <param name="PeerTimeout">Silence after which a peer is removed; longer than <paramref name="HeartbeatInterval"/>.</param>
/// <param name="LogLevel">The minimum level logged.</param>
/// <param name="Status">Live view or log lines.</param>
/// <param name="Secret">The run secret, if a file was given; every connection must prove it (see <see cref="SecretFile"/>).</param>
internal sealed record MasterSettings(
    IPEndPoint Listen,
    TimeSpan HeartbeatInterval,
    TimeSpan PeerTimeout,
    LogLevel LogLevel,
    StatusMode Status,
    SecretFile? Secret)
{
    /// <summary>The options of the hosted <see cref="MasterServer"/>.</summary>
    public MasterOptions ToMasterOptions() => MasterOptions.Default with
    {
        Listen = Listen,
        HeartbeatInterval = HeartbeatInterval,
        PeerTimeout = PeerTimeout,
        Transport = Collectives.Transport.TransportOptions.Default with { Secret = Secret?.ToRunSecret() },
    };
}
