using System.Net;
using Collectives.Membership;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Collectives.Master.Status;

/// <summary>The live status view on an interactive terminal, redrawn from a fresh snapshot a few times a second.</summary>
internal static class LiveStatusView
{
    /// <summary>Lines of recent log kept at the bottom of the view.</summary>
    public const int LogLines = 8;

    /// <summary>Fast enough to watch a join happen, slow enough to cost nothing.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>True when standard output is a terminal that can be redrawn in place.</summary>
    public static bool IsSupported =>
        !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive && AnsiConsole.Profile.Capabilities.Ansi;

    /// <summary>Draws until <paramref name="stop"/> is cancelled; the last frame stays on screen.</summary>
    public static async Task RunAsync(MasterServer server, RecentLogLines log, ILogger logger, CancellationToken stop)
    {
        IPEndPoint endpoint = server.LocalEndPoint;
        try
        {
            await AnsiConsole.Live(new Text("reading the master's status..."))
                .AutoClear(false)
                .Overflow(VerticalOverflow.Ellipsis)
                .Cropping(VerticalOverflowCropping.Bottom)
                .StartAsync(async context =>
                {
                    using var timer = new PeriodicTimer(RefreshInterval);
                    MasterStatusSnapshot? previous = null;
                    do
                    {
                        if (await StatusReader.TryReadAsync(server, logger, stop).ConfigureAwait(false) is { } status)
                        {
                            context.UpdateTarget(StatusView.Render(endpoint, status, log.Snapshot(), previous));
                            previous = status;
                            context.Refresh();
                        }
                    }
                    while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
                })
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping; the last frame stays.
        }
    }
}
