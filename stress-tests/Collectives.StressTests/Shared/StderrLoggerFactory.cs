using Microsoft.Extensions.Logging;

namespace Collectives.StressTests.Shared;

/// <summary>
/// The library's log messages on stderr, one line each, prefixed with the level so the orchestrator can tell errors
/// apart (stdout is the report channel). No logging package beyond the abstractions is needed.
/// </summary>
internal sealed class StderrLoggerFactory(LogLevel minimum) : ILoggerFactory
{
    /// <summary>Prefix of lines logged at <see cref="LogLevel.Error"/> or above.</summary>
    public const string ErrorPrefix = "log-error ";

    public ILogger CreateLogger(string categoryName) => new Logger(minimum, categoryName.Split('.')[^1]);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class Logger(LogLevel minimum, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            string prefix = logLevel >= LogLevel.Error ? ErrorPrefix : "log ";
            string text = exception is null ? formatter(state, exception) : $"{formatter(state, exception)}: {exception}";
            Console.Error.WriteLine($"{prefix}{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}[{eventId.Id}] {text.ReplaceLineEndings(" | ")}");
        }
    }
}
