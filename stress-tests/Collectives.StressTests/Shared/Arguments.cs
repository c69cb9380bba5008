using System.Globalization;

namespace Collectives.StressTests.Shared;

/// <summary><c>--name value</c> pairs and bare <c>--flag</c>s; unknown names are an error so typos do not go unnoticed.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Arguments(IEnumerable<string> args)
    {
        string? pending = null;
        foreach (string arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null)
                {
                    _values[pending] = null;
                }

                pending = arg[2..];
                int equals = pending.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0)
                {
                    _values[pending[..equals]] = pending[(equals + 1)..];
                    pending = null;
                }
            }
            else if (pending is not null)
            {
                _values[pending] = arg;
                pending = null;
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }
        }

        if (pending is not null)
        {
            _values[pending] = null;
        }
    }

    public bool Has(string name)
    {
        _used.Add(name);
        return _values.ContainsKey(name);
    }

    public string? Text(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out string? value) ? value ?? throw new ArgumentException($"--{name} needs a value") : null;
    }

    public int Int(string name, int fallback) => Text(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    public long Long(string name, long fallback) => Text(name) is { } text ? long.Parse(text, CultureInfo.InvariantCulture) : fallback;

    /// <summary>Seconds, or a number with an s/m/h suffix.</summary>
    public TimeSpan Duration(string name, TimeSpan fallback)
    {
        if (Text(name) is not { } text)
        {
            return fallback;
        }

        char unit = text[^1];
        double scale = unit switch { 'h' => 3600, 'm' => 60, 's' => 1, _ => 1 };
        string number = char.IsAsciiLetter(unit) ? text[..^1] : text;
        return TimeSpan.FromSeconds(double.Parse(number, CultureInfo.InvariantCulture) * scale);
    }

    /// <summary>Throws for any argument nobody asked about.</summary>
    public void RejectUnknown()
    {
        string[] unknown = _values.Keys.Where(k => !_used.Contains(k)).ToArray();
        if (unknown.Length > 0)
        {
            throw new ArgumentException($"unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}");
        }
    }
}
