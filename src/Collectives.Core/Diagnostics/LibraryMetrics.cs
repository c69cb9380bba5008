using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Collectives.Diagnostics;

/// <summary>
/// The library's meter and instruments (names in <see cref="CollectivesMetrics"/>). One static meter is the
/// convention for libraries without dependency injection: listeners find it by name, and an instrument nobody listens
/// to costs one branch per record.
/// </summary>
internal static class LibraryMetrics
{
    public const string AllReduce = "all_reduce";
    public const string SharedStateSync = "shared_state_sync";

    private static readonly Meter Meter = new(CollectivesMetrics.MeterName);

    private static readonly Counter<long> PeerBytesSent = Meter.CreateCounter<long>(CollectivesMetrics.PeerBytesSent, "By",
        "All-reduce payload sent to ring neighbours");

    private static readonly Counter<long> PeerBytesReceived = Meter.CreateCounter<long>(CollectivesMetrics.PeerBytesReceived, "By",
        "All-reduce payload received from ring neighbours");

    private static readonly Histogram<double> OperationDuration = Meter.CreateHistogram<double>(CollectivesMetrics.OperationDuration, "s",
        "Time from an operation's call to its outcome");

    private static readonly Counter<long> OperationFailures = Meter.CreateCounter<long>(CollectivesMetrics.OperationFailures, "{operation}",
        "Operations that failed or were aborted");

    private static readonly Counter<long> OperationRetries = Meter.CreateCounter<long>(CollectivesMetrics.OperationRetries, "{operation}",
        "All-reduces scheduled to run again after a failure");

    private static readonly Gauge<int> WorldSize = Meter.CreateGauge<int>(CollectivesMetrics.WorldSize, "{peer}",
        "World size as last learnt from the master");

    private static readonly Counter<long> SharedStateBytesSent = Meter.CreateCounter<long>(CollectivesMetrics.SharedStateBytesSent, "By",
        "Shared-state bytes served to other peers");

    private static readonly Counter<long> SharedStateBytesReceived = Meter.CreateCounter<long>(CollectivesMetrics.SharedStateBytesReceived, "By",
        "Shared-state bytes fetched from other peers");

    private static readonly Counter<long> HeartbeatMisses = Meter.CreateCounter<long>(CollectivesMetrics.HeartbeatMisses, "{peer}",
        "Peers removed by the master for silence");

    /// <summary>Bytes one all-reduce attempt moved (recorded once per attempt, never per chunk).</summary>
    public static void RecordPeerBytes(long sent, long received)
    {
        if (sent > 0)
        {
            PeerBytesSent.Add(sent);
        }

        if (received > 0)
        {
            PeerBytesReceived.Add(received);
        }
    }

    /// <summary>Bytes one shared-state sync moved.</summary>
    public static void RecordSharedStateBytes(long sent, long received)
    {
        if (sent > 0)
        {
            SharedStateBytesSent.Add(sent);
        }

        if (received > 0)
        {
            SharedStateBytesReceived.Add(received);
        }
    }

    /// <summary>Operations of a batch that will run again.</summary>
    public static void RecordRetries(int operations)
    {
        if (operations > 0)
        {
            OperationRetries.Add(operations);
        }
    }

    /// <summary>The global and group world sizes a communicator just learnt.</summary>
    public static void RecordWorldSizes(Protocol.WorldSizes sizes)
    {
        if (WorldSize.Enabled)
        {
            WorldSize.Record(sizes.Global, new KeyValuePair<string, object?>(CollectivesMetrics.WorldTag, "global"));
            WorldSize.Record(sizes.PeerGroup, new KeyValuePair<string, object?>(CollectivesMetrics.WorldTag, "peer_group"));
        }
    }

    /// <summary>A master removed a silent peer.</summary>
    public static void RecordHeartbeatMiss() => HeartbeatMisses.Add(1);

    internal static void RecordFailure(string operation, Exception exception)
    {
        if (OperationFailures.Enabled)
        {
            string error = exception switch
            {
                CollectivesException e => e.ErrorCode.ToString(),
                OperationCanceledException => nameof(ErrorCode.Cancelled),
                _ => nameof(ErrorCode.InternalError),
            };
            OperationFailures.Add(1, new KeyValuePair<string, object?>(CollectivesMetrics.OperationTag, operation),
                new KeyValuePair<string, object?>(CollectivesMetrics.ErrorTag, error));
        }
    }

    internal static void RecordDuration(long startedTimestamp, string operation, bool succeeded, string? reduceOp, string? quantization)
    {
        if (!OperationDuration.Enabled)
        {
            return;
        }

        double seconds = Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds;
        var tags = new TagList
        {
            { CollectivesMetrics.OperationTag, operation },
            { CollectivesMetrics.OutcomeTag, succeeded ? "success" : "failure" },
        };
        if (reduceOp is not null)
        {
            tags.Add(CollectivesMetrics.ReduceOpTag, reduceOp);
        }

        if (quantization is not null)
        {
            tags.Add(CollectivesMetrics.QuantizationTag, quantization);
        }

        OperationDuration.Record(seconds, tags);
    }

    /// <summary>The tag value of a reduce op (constant strings: no allocation per record).</summary>
    public static string TagOf(ReduceOp op) => op switch
    {
        ReduceOp.Sum => "sum",
        ReduceOp.Avg => "avg",
        ReduceOp.Prod => "prod",
        ReduceOp.Max => "max",
        ReduceOp.Min => "min",
        _ => "unknown",
    };

    /// <summary>The tag value of a quantization algorithm.</summary>
    public static string TagOf(QuantizationAlgorithm algorithm) => algorithm switch
    {
        QuantizationAlgorithm.None => "none",
        QuantizationAlgorithm.MinMax => "min_max",
        QuantizationAlgorithm.ZeroPointScale => "zero_point_scale",
        _ => "unknown",
    };
}
