namespace Collectives.Transport;

/// <summary>
/// Consumes the frames a <see cref="FramedConnection"/> receives. Called on the connection's receive loop, one frame
/// at a time; the handler reads the payload with the connection's <c>ReadPayload*</c> methods (anything it leaves is
/// skipped). Exceptions break only this connection.
/// </summary>
public interface IFrameHandler
{
    /// <summary>Handles one frame.</summary>
    ValueTask OnFrameAsync(FramedConnection connection, FrameHeader header, CancellationToken cancellationToken);

    /// <summary>The connection broke or closed; <paramref name="reason"/> is the first recorded reason. Called once.</summary>
    void OnConnectionClosed(FramedConnection connection, Exception reason);
}
