using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Collectives.Tests.Security;

/// <summary>
/// Collects what the master and peers log: errors (which a hostile client must never cause) and the distinct reasons
/// connections were dropped for, with numbers and addresses masked so that one kind of failure counts once.
/// </summary>
internal sealed partial class CountingLoggerFactory : ILoggerFactory
{
    // Event ids that carry a reason a connection was dropped or refused.
    private static readonly HashSet<int> DropEvents = [1003, 1004, 3000, 3001, 3002, 3004];

    private int _errors;

    public ConcurrentDictionary<string, int> DropReasons { get; } = new();

    public ConcurrentQueue<string> ErrorMessages { get; } = new();

    public int Errors => Volatile.Read(ref _errors);

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private void Record(LogLevel level, EventId id, string message)
    {
        if (level >= LogLevel.Error)
        {
            Interlocked.Increment(ref _errors);
            ErrorMessages.Enqueue(message);
        }

        if (DropEvents.Contains(id.Id))
        {
            string reason = Numbers().Replace(EntryNames().Replace(message, "entry '…'"), "#");
            DropReasons.AddOrUpdate(reason, 1, static (_, n) => n + 1);
        }
    }

    [GeneratedRegex(@"(\[[0-9a-f:.]+\]|[0-9a-f]{8}-[0-9a-f-]{27}|\d+)(:\d+)?")]
    private static partial Regex Numbers();

    // Shared-state entry names in reasons are chosen by the sender; one kind of failure must count once.
    [GeneratedRegex(@"entry (name )?'[^']*'")]
    private static partial Regex EntryNames();

    private sealed class Logger(CountingLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Record(logLevel, eventId, formatter(state, exception));
    }
}
