namespace Collectives;

/// <summary>
/// Base of every error the library throws. <see cref="ErrorCode"/> is the C result code;
/// <see cref="IsTransient"/> says whether retrying the same call (for example among the surviving peers) can succeed.
/// </summary>
public class CollectivesException : Exception
{
    /// <summary>Creates an exception with a code and message.</summary>
    public CollectivesException(ErrorCode errorCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
    }

    /// <summary>The result code the C API returns for this error.</summary>
    public ErrorCode ErrorCode { get; }

    /// <summary>True when the failure was caused by the run changing (a peer died, a deadline passed) and a retry may succeed.</summary>
    public virtual bool IsTransient => ErrorCode is ErrorCode.RankConnectionLost or ErrorCode.Timeout
        or ErrorCode.RankConnectionFailed or ErrorCode.UpdateTopologyFailed or ErrorCode.TopologyOptimizationFailed;
}

/// <summary>A connection broke or could not be made; carries the first recorded reason.</summary>
public class ConnectionLostException : CollectivesException
{
    /// <summary>Creates the exception.</summary>
    public ConnectionLostException(ErrorCode errorCode, string message, Exception? innerException = null)
        : base(errorCode, message, innerException)
    {
    }
}

/// <summary>The other side broke the wire protocol (bad frame, oversized length, unknown kind, malformed message).</summary>
public sealed class ProtocolViolationException : CollectivesException
{
    /// <summary>Creates the exception.</summary>
    public ProtocolViolationException(string message, Exception? innerException = null)
        : base(ErrorCode.ProtocolViolation, message, innerException)
    {
    }
}

/// <summary>A deadline passed.</summary>
public sealed class CollectivesTimeoutException : CollectivesException
{
    /// <summary>Creates the exception.</summary>
    public CollectivesTimeoutException(string message, Exception? innerException = null)
        : base(ErrorCode.Timeout, message, innerException)
    {
    }
}
