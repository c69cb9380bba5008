using Collectives.Membership;
using Microsoft.Extensions.Logging;

namespace Collectives.Master.Status;

/// <summary>Reads the master's status for a display: a failed read is logged and skipped, never fatal.</summary>
internal static class StatusReader
{
    /// <summary>
    /// The status, or null when this read failed (logged, unless the display is stopping anyway). The display runs until
    /// the host cancels <paramref name="stop"/>, which it does when the master stops for any reason.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="stop"/> was cancelled.</exception>
    public static async Task<MasterStatusSnapshot?> TryReadAsync(MasterServer server, ILogger logger, CancellationToken stop)
    {
        try
        {
            return await server.GetStatusAsync(stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (!stop.IsCancellationRequested)
            {
                HostLog.StatusFailed(logger, e);
            }

            return null;
        }
    }
}
