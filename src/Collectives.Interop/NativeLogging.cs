using Microsoft.Extensions.Logging;

namespace Collectives.Interop;

/// <summary>
/// Logging for C hosts, which bring no <see cref="ILoggerFactory"/>: one process-wide factory writing to the host's
/// callback (<c>collectivesSetLogCallback</c>) when one is installed and to stderr otherwise, with a level taken from
/// <c>PCCL_LOG_LEVEL</c> (PCCL's variable and names) and changed by <c>collectivesSetLogLevel</c>.
/// </summary>
internal sealed class NativeLogging : ILoggerFactory
{
    private int _minimumLevel;

    private NativeLogging(LogLevel minimumLevel) => _minimumLevel = (int)minimumLevel;

    /// <summary>The factory every communicator and master created through the C API logs to.</summary>
    public static NativeLogging Shared { get; } = new(ParseLevel(Environment.GetEnvironmentVariable("PCCL_LOG_LEVEL")) ?? LogLevel.Warning);

    /// <summary>The logger of the C API layer itself.</summary>
    public static ILogger Interop { get; } = Shared.CreateLogger("Collectives.Interop");

    /// <summary>Messages below this level are dropped.</summary>
    public LogLevel MinimumLevel
    {
        get => (LogLevel)Volatile.Read(ref _minimumLevel);
        set => Volatile.Write(ref _minimumLevel, (int)value);
    }

    /// <summary>Reads PCCL's level names (TRACE, DEBUG, INFO, WARN, ERR, FATAL, NONE) and .NET's; null for anything else.</summary>
    public static LogLevel? ParseLevel(string? name) => name?.Trim().ToUpperInvariant() switch
    {
        "TRACE" => LogLevel.Trace,
        "DEBUG" => LogLevel.Debug,
        "INFO" or "INFORMATION" => LogLevel.Information,
        "WARN" or "WARNING" => LogLevel.Warning,
        "ERR" or "ERROR" => LogLevel.Error,
        "FATAL" or "CRITICAL" => LogLevel.Critical,
        "NONE" => LogLevel.None,
        _ => null,
    };

    public ILogger CreateLogger(string categoryName) => new HostLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("the C API logs to its callback or to stderr only");

    public void Dispose()
    {
    }

    private sealed class HostLogger(NativeLogging owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= owner.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            string text = formatter(state, exception);
            if (NativeLogCallback.IsInstalled && NativeLogCallback.TryDeliver(logLevel,
                    exception is null ? $"{category}[{eventId.Id}]: {text}" : $"{category}[{eventId.Id}]: {text}{Environment.NewLine}{exception}"))
            {
                return;
            }

            string line = exception is null
                ? $"{DateTime.UtcNow:HH:mm:ss.fff} {Abbreviation(logLevel)} {category}[{eventId.Id}]: {text}"
                : $"{DateTime.UtcNow:HH:mm:ss.fff} {Abbreviation(logLevel)} {category}[{eventId.Id}]: {text}{Environment.NewLine}{exception}";
            Console.Error.WriteLine(line);
        }

        private static string Abbreviation(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
    }
}
