using Collectives.Protocol.Messages;

namespace Collectives.Membership;

/// <summary>What <see cref="MasterState"/> asks the master server to do, in order.</summary>
internal abstract record MasterCommand(ConnectionId Connection);

/// <summary>Send <paramref name="Message"/> on <paramref name="Connection"/>.</summary>
internal sealed record SendCommand(ConnectionId Connection, ServerMessage Message) : MasterCommand(Connection);

/// <summary>
/// Close <paramref name="Connection"/> after flushing what was sent before; the state has already forgotten it, so
/// anything the server still delivers for it is ignored.
/// </summary>
internal sealed record CloseCommand(ConnectionId Connection, ErrorCode ErrorCode, string Reason) : MasterCommand(Connection);
