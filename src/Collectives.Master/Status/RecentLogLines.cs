using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Collectives.Master.Status;

/// <summary>
/// A logger provider that keeps the last few formatted lines for the live view, which owns the terminal: console log
/// lines written underneath a redrawn view would tear it.
/// </summary>
internal sealed class RecentLogLines : ILoggerProvider
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _lock = new();
    private readonly int _capacity;

    public RecentLogLines(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>The kept lines, oldest first.</summary>
    public IReadOnlyList<string> Snapshot()
    {
        lock (_lock)
        {
            return [.. _lines];
        }
    }

    public ILogger CreateLogger(string categoryName) => new LineLogger(this, ShortCategory(categoryName));

    public void Dispose()
    {
        // Nothing to release; the lines stay readable for the final frame.
    }

    private void Add(string line)
    {
        lock (_lock)
        {
            if (_lines.Count == _capacity)
            {
                _lines.Dequeue();
            }

            _lines.Enqueue(line);
        }
    }

    private static string ShortCategory(string category) => category[(category.LastIndexOf('.') + 1)..];

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "    ",
    };

    private sealed class LineLogger(RecentLogLines owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            string message = formatter(state, exception);
            string error = exception is null ? string.Empty : $" ({exception.GetType().Name}: {exception.Message})";
            owner.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{DateTime.Now:HH:mm:ss} {LevelName(logLevel)} {category}: {message}{error}"));
        }
    }
}
