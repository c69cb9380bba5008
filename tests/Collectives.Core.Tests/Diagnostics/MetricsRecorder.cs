using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Collectives.Diagnostics;

namespace Collectives.Tests.Diagnostics;

/// <summary>
/// Listens to the "Collectives" meter and keeps every measurement. Other fixtures may record at the same time (the
/// meter is process-wide), so tests assert lower bounds and look for their own tag combinations.
/// </summary>
internal sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measurement> _measurements = new();

    public MetricsRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == CollectivesMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    public IReadOnlyList<Measurement> Of(string instrument) => _measurements.Where(m => m.Instrument == instrument).ToList();

    public double Sum(string instrument) => Of(instrument).Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, string?>();
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            copy[tag.Key] = tag.Value?.ToString();
        }

        _measurements.Enqueue(new Measurement(instrument.Name, instrument.Unit, value, copy));
    }

    internal sealed record Measurement(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, string?> Tags)
    {
        public bool Has(string key, string value) => Tags.TryGetValue(key, out string? actual) && actual == value;
    }
}
