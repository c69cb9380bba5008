using System.Net.Sockets;

namespace Collectives.Interop;

/// <summary>
/// The exception-to-result-code mapping of the C boundary. Every export catches everything and returns
/// <see cref="Fail(Exception)"/>; this method itself never throws.
/// </summary>
internal static class Boundary
{
    /// <summary>Records the failure for <c>collectivesGetLastErrorMessage</c> and returns its result code.</summary>
    public static int Fail(Exception exception)
    {
        try
        {
            ErrorCode code = Map(exception, out string message);
            LastError.Set(message);
            return (int)code;
        }
        catch
        {
            // Even the mapping failed (out of memory): the code alone must still get out.
            return (int)ErrorCode.InternalError;
        }
    }

    /// <summary>The result code for <paramref name="exception"/>, and the message to report.</summary>
    public static ErrorCode Map(Exception exception, out string message)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Exception inner = exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : exception;
        message = inner.Message;
        return inner switch
        {
            CollectivesException e => e.ErrorCode,
            ArgumentException => ErrorCode.InvalidArgument,
            InvalidOperationException => ErrorCode.InvalidUsage, // includes ObjectDisposedException
            OperationCanceledException => ErrorCode.Cancelled,
            TimeoutException => ErrorCode.Timeout,
            SocketException => ErrorCode.RankConnectionFailed,
            _ => InternalError(inner, out message),
        };
    }

    private static ErrorCode InternalError(Exception exception, out string message)
    {
        // A bug: keep the type and stack so a report can be acted on.
        message = $"internal error: {exception}";
        return ErrorCode.InternalError;
    }
}
