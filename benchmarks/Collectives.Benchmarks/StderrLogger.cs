using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Collectives.Benchmarks;

/// <summary>
/// Peer-process diagnostics to stderr (stdout is the command channel), on when COLLECTIVES_BENCH_LOG is set to a
/// level name (e.g. Information, Debug). No logging package is referenced by the benchmarks, so this is the minimum.
/// </summary>
internal sealed class StderrLoggerFactory(LogLevel minimum, string name) : ILoggerFactory
{
    public static ILoggerFactory? FromEnvironment(string name) =>
        Enum.TryParse(Environment.GetEnvironmentVariable("COLLECTIVES_BENCH_LOG"), ignoreCase: true, out LogLevel level)
            ? new StderrLoggerFactory(level, name)
            : null;

    public ILogger CreateLogger(string categoryName) => new Logger(minimum, $"{name} {categoryName.Split('.')[^1]}");

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class Logger(LogLevel minimum, string prefix) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 2008)
            {
                StallProbe.OnQuiesceTimeout();
            }

            if (IsEnabled(logLevel))
            {
                Console.Error.WriteLine($"{Stopwatch.GetTimestamp()} {prefix} {logLevel}: {formatter(state, exception)}");
            }
        }
    }
}
