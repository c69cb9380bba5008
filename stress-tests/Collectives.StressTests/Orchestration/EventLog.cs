namespace Collectives.StressTests.Orchestration;

/// <summary>The last events for a failure report, and every event in an optional log file.</summary>
internal sealed class EventLog(TimeProvider clock, long start, string? path) : IDisposable
{
    private const int Kept = 50;

    private readonly Queue<string> _recent = new();
    private readonly StreamWriter? _file = path is null ? null : new StreamWriter(path, append: false) { AutoFlush = false };

    public string? Path => path;

    /// <summary>Records an event: <paramref name="keep"/> false writes it to the file only (frequent, uninteresting lines).</summary>
    public void Add(string text, bool keep = true)
    {
        string line = $"{clock.GetElapsedTime(start).TotalSeconds,8:F2}s {text}";
        lock (_recent)
        {
            _file?.WriteLine(line);
            if (keep)
            {
                _recent.Enqueue(line);
                if (_recent.Count > Kept)
                {
                    _recent.Dequeue();
                }
            }
        }
    }

    public string[] Recent()
    {
        lock (_recent)
        {
            return [.. _recent];
        }
    }

    public void Flush()
    {
        lock (_recent)
        {
            _file?.Flush();
        }
    }

    public void Dispose()
    {
        lock (_recent)
        {
            _file?.Dispose();
        }
    }
}
