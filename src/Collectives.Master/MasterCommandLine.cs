using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Net;
using Collectives.Membership;
using Microsoft.Extensions.Logging;

namespace Collectives.Master;

/// <summary>The command line of <c>collectives-master</c>: options, their parsing and validation, and the action.</summary>
internal static class MasterCommandLine
{
    /// <summary>The hint printed after usage errors.</summary>
    public const string HelpHint = "Run 'collectives-master --help' for usage.";

    private static readonly Dictionary<string, LogLevel> LogLevels = new(StringComparer.OrdinalIgnoreCase)
    {
        ["trace"] = LogLevel.Trace,
        ["debug"] = LogLevel.Debug,
        ["information"] = LogLevel.Information,
        ["warning"] = LogLevel.Warning,
        ["error"] = LogLevel.Error,
    };

    /// <summary>Builds the root command; a valid command line runs <paramref name="run"/>, whose result is the exit code.</summary>
    public static RootCommand Create(Func<MasterSettings, CancellationToken, Task<int>> run)
    {
        var listen = new Option<IPEndPoint>("--listen")
        {
            Description = "Address and port to listen on; port 0 picks a free port.",
            HelpName = "ip:port",
            DefaultValueFactory = _ => new IPEndPoint(IPAddress.Any, MasterOptions.DefaultPort),
            CustomParser = ParseEndpoint,
        };

        // No default value object: System.CommandLine would print it as 00:00:00.5000000; the description says it.
        var heartbeat = new Option<TimeSpan?>("--heartbeat-interval")
        {
            Description = $"How often the master sends heartbeats and checks for silent peers (default {DurationParser.Format(MasterOptions.Default.HeartbeatInterval)}).",
            HelpName = "duration",
            CustomParser = ParseDuration,
        };
        var peerTimeout = new Option<TimeSpan?>("--peer-timeout")
        {
            Description = $"A peer silent this long is removed; longer than the heartbeat interval (default {DurationParser.Format(MasterOptions.Default.PeerTimeout)}).",
            HelpName = "duration",
            CustomParser = ParseDuration,
        };
        var logLevel = new Option<LogLevel>("--log-level")
        {
            Description = "Minimum level of log messages.",
            HelpName = string.Join('|', LogLevels.Keys),
            DefaultValueFactory = _ => LogLevel.Information,
            CustomParser = ParseLogLevel,
        };
        var secretFile = new Option<SecretFile?>("--secret-file")
        {
            Description = "File holding the run's shared secret: every peer must prove it knows it (HMAC challenge-response; the secret never crosses the wire). Peers read the same file or COLLECTIVES_SECRET.",
            HelpName = "path",
            CustomParser = ParseSecret,
        };
        var status = new Option<bool>("--status")
        {
            Description = "Draw the live status view (default when standard output is a terminal).",
        };
        var noStatus = new Option<bool>("--no-status")
        {
            Description = "Log one-line status summaries instead of the live view.",
        };

        var command = new RootCommand(
            "collectives-master: the master of a Collectives run. It tracks membership, orders every transition and decides "
            + "the outcome of every collective; it never carries tensor data. Stop it with Ctrl-C or SIGTERM.")
        {
            listen, heartbeat, peerTimeout, logLevel, secretFile, status, noStatus,
        };

        // Checks that span options run here, once every option parsed: System.CommandLine runs command validators
        // before converting option values, so a validator could not tell a bad value from a missing one.
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var settings = new MasterSettings(
                parseResult.GetRequiredValue(listen),
                parseResult.GetValue(heartbeat) ?? MasterOptions.Default.HeartbeatInterval,
                parseResult.GetValue(peerTimeout) ?? MasterOptions.Default.PeerTimeout,
                parseResult.GetValue(logLevel),
                parseResult.GetValue(status) ? StatusMode.On : parseResult.GetValue(noStatus) ? StatusMode.Off : StatusMode.Auto,
                parseResult.GetValue(secretFile));
            IReadOnlyList<string> errors = CrossCheck(settings, parseResult.GetValue(status) && parseResult.GetValue(noStatus));
            if (errors.Count > 0)
            {
                await ReportUsageErrorsAsync(parseResult.InvocationConfiguration.Error, errors).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            return await run(settings, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>
    /// Parses <paramref name="args"/> and runs the command. A usage error prints the errors and a pointer to --help
    /// (not the whole help) on <see cref="InvocationConfiguration.Error"/> and returns <see cref="ExitCodes.Usage"/>.
    /// </summary>
    public static async Task<int> InvokeAsync(
        IReadOnlyList<string> args, Func<MasterSettings, CancellationToken, Task<int>> run, InvocationConfiguration invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ParseResult parsed = Create(run).Parse(args);
        if (parsed.Action is ParseErrorAction errorAction)
        {
            errorAction.ShowHelp = false;
        }

        int exitCode = await parsed.InvokeAsync(invocation).ConfigureAwait(false);
        if (parsed.Errors.Count > 0)
        {
            await invocation.Error.WriteLineAsync(HelpHint).ConfigureAwait(false);
        }

        return exitCode;
    }

    /// <summary>Errors in combinations of options, each a sentence naming the options.</summary>
    private static IReadOnlyList<string> CrossCheck(MasterSettings settings, bool bothStatusFlags)
    {
        var errors = new List<string>();
        if (settings.PeerTimeout <= settings.HeartbeatInterval)
        {
            errors.Add(
                $"--peer-timeout ({DurationParser.Format(settings.PeerTimeout)}) must be longer than --heartbeat-interval ({DurationParser.Format(settings.HeartbeatInterval)})");
        }

        if (bothStatusFlags)
        {
            errors.Add("--status and --no-status contradict each other; give at most one");
        }

        return errors;
    }

    private static async Task ReportUsageErrorsAsync(TextWriter error, IReadOnlyList<string> errors)
    {
        foreach (string message in errors)
        {
            await error.WriteLineAsync(message).ConfigureAwait(false);
        }

        await error.WriteLineAsync(HelpHint).ConfigureAwait(false);
    }

    private static IPEndPoint? ParseEndpoint(ArgumentResult result)
    {
        if (EndpointParser.TryParse(SingleToken(result), out IPEndPoint? endpoint, out string? error))
        {
            return endpoint;
        }

        result.AddError($"--listen: {error}");
        return null;
    }

    private static TimeSpan? ParseDuration(ArgumentResult result)
    {
        if (DurationParser.TryParse(SingleToken(result), out TimeSpan duration, out string? error))
        {
            return duration;
        }

        result.AddError($"{OptionName(result)}: {error}");
        return null;
    }

    private static LogLevel ParseLogLevel(ArgumentResult result)
    {
        string token = SingleToken(result);
        if (LogLevels.TryGetValue(token, out LogLevel level))
        {
            return level;
        }

        result.AddError($"--log-level: '{token}' is not a level; expected one of {string.Join(", ", LogLevels.Keys)}");
        return LogLevel.Information;
    }

    private static SecretFile? ParseSecret(ArgumentResult result)
    {
        if (SecretFile.TryLoad(SingleToken(result), out SecretFile? secret, out string? error))
        {
            return secret;
        }

        result.AddError($"--secret-file: {error}");
        return null;
    }

    private static string SingleToken(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;

    private static string OptionName(ArgumentResult result) =>
        result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
}
