using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Collectives.Master;

/// <summary>
/// Reads durations as operators write them: a number with a unit (<c>500ms</c>, <c>1s</c>, <c>1.5s</c>, <c>2m</c>,
/// <c>1h</c>) or a .NET time span with colons (<c>00:00:01</c>, <c>00:00:00.250</c>). A bare number is refused: is
/// "5" seconds or milliseconds? (.NET would read it as five days.)
/// </summary>
internal static class DurationParser
{
    /// <summary>The longest duration accepted; nothing the master times is longer, and it keeps timers in range.</summary>
    public static readonly TimeSpan Maximum = TimeSpan.FromDays(1);

    private const string Expected = "expected a positive duration with a unit, like 500ms, 1s, 1.5s, 2m, 1h or 00:00:01";

    // Longest suffix first, so "ms" is not read as "m" followed by garbage.
    private static readonly (string Suffix, long TicksPerUnit)[] Units =
    [
        ("ms", TimeSpan.TicksPerMillisecond),
        ("s", TimeSpan.TicksPerSecond),
        ("m", TimeSpan.TicksPerMinute),
        ("h", TimeSpan.TicksPerHour),
    ];

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says what was expected.</summary>
    public static bool TryParse(string? text, out TimeSpan duration, [NotNullWhen(false)] out string? error)
    {
        duration = TimeSpan.Zero;
        string trimmed = text?.Trim() ?? string.Empty;
        if (trimmed.Length == 0)
        {
            error = Expected;
            return false;
        }

        if (trimmed.Contains(':', StringComparison.Ordinal))
        {
            if (!TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out duration))
            {
                error = $"'{trimmed}' is not a time span; {Expected}";
                return false;
            }
        }
        else if (!TryParseWithUnit(trimmed, out duration))
        {
            error = $"'{trimmed}' is not a duration; {Expected}";
            return false;
        }

        if (duration <= TimeSpan.Zero || duration > Maximum)
        {
            error = $"'{trimmed}' is out of range: a duration must be longer than 0 and at most {Format(Maximum)}";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>The shortest form that <see cref="TryParse"/> reads back to the same value (to the tick).</summary>
    public static string Format(TimeSpan duration)
    {
        // Largest unit first: 60 s prints as 1m.
        for (int i = Units.Length - 1; i >= 0; i--)
        {
            (string suffix, long ticksPerUnit) = Units[i];
            if (duration.Ticks % ticksPerUnit == 0)
            {
                return (duration.Ticks / ticksPerUnit).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }

        decimal milliseconds = (decimal)duration.Ticks / TimeSpan.TicksPerMillisecond;
        return milliseconds.ToString(CultureInfo.InvariantCulture) + "ms";
    }

    private static bool TryParseWithUnit(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        foreach ((string suffix, long ticksPerUnit) in Units)
        {
            if (!text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            string number = text[..^suffix.Length].TrimEnd();
            if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal value))
            {
                return false;
            }

            // Decimal keeps "0.1s" exact. Anything beyond the maximum is refused by the caller: cap it before multiplying,
            // which could overflow even a decimal.
            if (value > Maximum.Ticks / ticksPerUnit + 1)
            {
                duration = TimeSpan.MaxValue;
                return true;
            }

            duration = TimeSpan.FromTicks((long)decimal.Round(value * ticksPerUnit, MidpointRounding.ToEven));
            return true;
        }

        return false;
    }
}
