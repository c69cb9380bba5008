namespace Collectives.Diagnostics;

/// <summary>
/// Names of the library's <see cref="System.Diagnostics.Metrics.Meter"/>, its instruments and their tags, for
/// <c>dotnet-counters monitor --counters Collectives</c>, OpenTelemetry's <c>AddMeter("Collectives")</c> or a
/// <see cref="System.Diagnostics.Metrics.MeterListener"/>. Every instrument is recorded once per operation (never per
/// chunk), so listening costs nothing measurable; without a listener recording is a branch.
/// </summary>
public static class CollectivesMetrics
{
    /// <summary>The name of the one meter every communicator and master records to.</summary>
    public const string MeterName = "Collectives";

    /// <summary>Counter (bytes): all-reduce payload this process sent to its ring neighbours, failed attempts included.</summary>
    public const string PeerBytesSent = "collectives.peer.bytes_sent";

    /// <summary>Counter (bytes): all-reduce payload this process received from its ring neighbours, failed attempts included.</summary>
    public const string PeerBytesReceived = "collectives.peer.bytes_received";

    /// <summary>
    /// Histogram (seconds): how long an operation took from the call to its outcome. Tagged with
    /// <see cref="OperationTag"/>, <see cref="OutcomeTag"/> and, for all-reduces, <see cref="ReduceOpTag"/> and
    /// <see cref="QuantizationTag"/>.
    /// </summary>
    public const string OperationDuration = "collectives.operation.duration";

    /// <summary>Counter: operations that failed or were aborted, tagged with <see cref="OperationTag"/> and <see cref="ErrorTag"/>.</summary>
    public const string OperationFailures = "collectives.operation.failures";

    /// <summary>Counter: all-reduces of a many-with-retry batch that were scheduled to run again after a failure.</summary>
    public const string OperationRetries = "collectives.operation.retries";

    /// <summary>Gauge (peers): the world size a communicator last learnt from the master, tagged with <see cref="WorldTag"/>.</summary>
    public const string WorldSize = "collectives.world_size";

    /// <summary>Counter (bytes): shared-state tensor bytes this process served to peers that were behind or differed.</summary>
    public const string SharedStateBytesSent = "collectives.shared_state.bytes_sent";

    /// <summary>Counter (bytes): shared-state tensor bytes this process fetched from up-to-date peers.</summary>
    public const string SharedStateBytesReceived = "collectives.shared_state.bytes_received";

    /// <summary>Counter: peers a master removed because it heard nothing from them within its peer timeout.</summary>
    public const string HeartbeatMisses = "collectives.master.heartbeat_misses";

    /// <summary>Tag: the operation (<c>all_reduce</c> or <c>shared_state_sync</c>).</summary>
    public const string OperationTag = "collectives.operation";

    /// <summary>Tag: <c>success</c> or <c>failure</c>.</summary>
    public const string OutcomeTag = "collectives.outcome";

    /// <summary>Tag: the reduce op of an all-reduce (<c>sum</c>, <c>avg</c>, <c>prod</c>, <c>max</c>, <c>min</c>).</summary>
    public const string ReduceOpTag = "collectives.reduce_op";

    /// <summary>Tag: the quantization of an all-reduce (<c>none</c>, <c>min_max</c>, <c>zero_point_scale</c>).</summary>
    public const string QuantizationTag = "collectives.quantization";

    /// <summary>Tag: the <see cref="ErrorCode"/> name of a failure (e.g. <c>RankConnectionLost</c>).</summary>
    public const string ErrorTag = "collectives.error";

    /// <summary>Tag of <see cref="WorldSize"/>: <c>global</c> (all accepted peers) or <c>peer_group</c> (this peer's group).</summary>
    public const string WorldTag = "collectives.world";
}
