using System.Diagnostics;

namespace Collectives.Diagnostics;

/// <summary>
/// Times one operation and records its duration, outcome and failure kind once, at its end. A struct held in the
/// operation's async state: no allocation per operation.
/// </summary>
internal struct OperationMeasurement
{
    private readonly string _operation;
    private readonly string? _reduceOp;
    private readonly string? _quantization;
    private readonly long _started;
    private bool _succeeded;

    private OperationMeasurement(string operation, string? reduceOp, string? quantization)
    {
        _operation = operation;
        _reduceOp = reduceOp;
        _quantization = quantization;
        _started = Stopwatch.GetTimestamp();
    }

    /// <summary>Starts timing an all-reduce.</summary>
    public static OperationMeasurement StartAllReduce(ReduceOp op, QuantizationAlgorithm quantization) =>
        new(LibraryMetrics.AllReduce, LibraryMetrics.TagOf(op), LibraryMetrics.TagOf(quantization));

    /// <summary>Starts timing a shared-state sync.</summary>
    public static OperationMeasurement StartSharedStateSync() => new(LibraryMetrics.SharedStateSync, null, null);

    /// <summary>Marks the operation as successful; call just before returning its result.</summary>
    public void Succeeded() => _succeeded = true;

    /// <summary>
    /// Counts a failure. Meant as an exception filter (<c>catch (Exception e) when (m.Failed(e))</c>): it returns false,
    /// so the exception flows on untouched.
    /// </summary>
    public readonly bool Failed(Exception exception)
    {
        LibraryMetrics.RecordFailure(_operation, exception);
        return false;
    }

    /// <summary>Records the duration with the outcome; call once, in the operation's <c>finally</c>.</summary>
    public readonly void End() => LibraryMetrics.RecordDuration(_started, _operation, _succeeded, _reduceOp, _quantization);
}
