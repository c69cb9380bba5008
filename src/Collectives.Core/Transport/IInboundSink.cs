namespace Collectives.Transport;

/// <summary>
/// Receives the data frames of one operation run (one sequence number) from one neighbour. Frames arrive on several
/// connections concurrently and in any order, each for a distinct region of the stream; the sink places each payload
/// (straight into its destination or through the connection's scratch memory) and tracks what is complete.
/// </summary>
public interface IInboundSink
{
    /// <summary>Consumes one frame's payload (with the connection's <c>ReadPayload*</c> methods). Throwing breaks the connection.</summary>
    ValueTask OnFrameAsync(IPayloadReader payload, FrameHeader header, CancellationToken cancellationToken);

    /// <summary>A connection from the source broke: this run can never complete. Called at most once per break.</summary>
    void OnSourceFailed(Exception reason);
}
