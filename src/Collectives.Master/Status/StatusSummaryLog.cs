using System.Diagnostics;
using Collectives.Membership;
using Microsoft.Extensions.Logging;

namespace Collectives.Master.Status;

/// <summary>Without a terminal: logs the one-line summary whenever it changes, and now and then while it does not.</summary>
internal static class StatusSummaryLog
{
    /// <summary>Often enough that a join or a leave shows within a second or so; a status read is cheap.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>A quiet master still says it is alive, without filling the log.</summary>
    public static readonly TimeSpan RepeatInterval = TimeSpan.FromMinutes(1);

    /// <summary>Runs until <paramref name="stop"/> is cancelled.</summary>
    public static async Task RunAsync(MasterServer server, ILogger logger, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(PollInterval);
        string? last = null;
        MasterStatusSnapshot? lastLogged = null;
        var sinceLogged = Stopwatch.StartNew();
        try
        {
            do
            {
                MasterStatusSnapshot? status = await StatusReader.TryReadAsync(server, logger, stop).ConfigureAwait(false);
                if (status is null)
                {
                    continue;
                }

                string summary = StatusSummary.Describe(status);
                if (summary != last || sinceLogged.Elapsed >= RepeatInterval)
                {
                    HostLog.Status(logger, $"{summary}, {StatusSummary.Throughput(status, lastLogged)}");
                    last = summary;
                    lastLogged = status;
                    sinceLogged.Restart();
                }
            }
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
