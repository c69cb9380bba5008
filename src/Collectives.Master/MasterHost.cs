using System.Net.Sockets;
using System.Reflection;
using Collectives.Master.Status;
using Collectives.Membership;
using Microsoft.Extensions.Logging;

namespace Collectives.Master;

/// <summary>Runs a <see cref="MasterServer"/> as a process: logging, the status display, and a clean stop on a signal.</summary>
internal static class MasterHost
{
    /// <summary>The line printed on standard output once listening, followed by the bound endpoint (scripts and tests read it).</summary>
    public const string ListeningLine = "collectives-master listening on ";

    /// <summary>Bound on the status display noticing the stop; it only waits on cancellable timers and status reads.</summary>
    private static readonly TimeSpan StatusStopTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Runs until SIGINT or SIGTERM; returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(MasterSettings settings, CancellationToken cancellationToken)
    {
        using var signals = new ShutdownSignals();
        bool live = settings.Status != StatusMode.Off && LiveStatusView.IsSupported;
        RecentLogLines? recentLog = live ? new RecentLogLines(LiveStatusView.LogLines) : null;
        using ILoggerFactory loggerFactory = CreateLoggerFactory(settings.LogLevel, recentLog);
        ILogger logger = loggerFactory.CreateLogger("Collectives.Master");

        HostLog.Starting(logger, Version, DurationParser.Format(settings.HeartbeatInterval), DurationParser.Format(settings.PeerTimeout));
        if (settings.Status == StatusMode.On && !live)
        {
            HostLog.NoTerminalForStatus(logger);
        }

        if (settings.Secret is { } secret)
        {
            HostLog.SecretLoaded(logger, secret.Path, secret.Length);
            if (secret.ReadableByOthers)
            {
                HostLog.SecretReadableByOthers(logger, secret.Path);
            }
        }

        var server = new MasterServer(settings.ToMasterOptions(), loggerFactory);
        try
        {
            try
            {
                server.Start();
            }
            catch (SocketException e)
            {
                HostLog.CannotListen(logger, settings.Listen, e.Message);
                await Console.Error.WriteLineAsync($"collectives-master: cannot listen on {settings.Listen}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.CannotListen;
            }

            await Console.Out.WriteLineAsync(ListeningLine + server.LocalEndPoint).ConfigureAwait(false);
            return await ServeAsync(server, signals, recentLog, logger, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await server.DisposeAsync().ConfigureAwait(false);
            if (live)
            {
                // The view's log panel is gone; say it on the terminal.
                await Console.Out.WriteLineAsync("collectives-master stopped").ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> ServeAsync(
        MasterServer server, ShutdownSignals signals, RecentLogLines? recentLog, ILogger logger, CancellationToken cancellationToken)
    {
        using var stopRequested = CancellationTokenSource.CreateLinkedTokenSource(signals.Requested, cancellationToken);
        var stopTask = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using CancellationTokenRegistration registration = stopRequested.Token.Register(() => stopTask.TrySetResult());

        using var stopDisplay = new CancellationTokenSource();
        Task display = recentLog is not null
            ? LiveStatusView.RunAsync(server, recentLog, logger, stopDisplay.Token)
            : StatusSummaryLog.RunAsync(server, logger, stopDisplay.Token);

        Task first = await Task.WhenAny(server.Completion, stopTask.Task).ConfigureAwait(false);
        bool asked = first == stopTask.Task;
        if (asked)
        {
            HostLog.Stopping(logger, signals.Signal.Length > 0 ? signals.Signal : "Cancellation");
        }

        await stopDisplay.CancelAsync().ConfigureAwait(false);
        try
        {
            await display.WaitAsync(StatusStopTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Never expected: the display only waits on cancellable operations. Stop the master regardless.
        }

        server.Interrupt();
        if (!asked)
        {
            HostLog.StoppedUnexpectedly(logger);
            return ExitCodes.Failed;
        }

        return ExitCodes.Success;
    }

    private static ILoggerFactory CreateLoggerFactory(LogLevel level, RecentLogLines? recentLog) =>
        LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(level);
            if (recentLog is not null)
            {
                builder.AddProvider(recentLog);
            }
            else
            {
                builder.AddSimpleConsole(options =>
                {
                    options.SingleLine = true;
                    options.TimestampFormat = "HH:mm:ss.fff ";
                });
            }
        });

    /// <summary>"1.0.0+77eb8cd54" (the informational version with the commit shortened to what a human compares).</summary>
    private static string Version
    {
        get
        {
            string version = typeof(MasterHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            int plus = version.IndexOf('+', StringComparison.Ordinal);
            return plus >= 0 && version.Length > plus + 10 ? version[..(plus + 10)] : version;
        }
    }
}
