using System.Globalization;
using System.Text;

namespace Collectives.StressTests.Shared;

/// <summary>
/// One line a child prints on stdout: a kind word followed by <c>key=value</c> fields; a <c>msg=</c> field, if any, is
/// last and runs to the end of the line (it may hold spaces). Peers write these, the orchestrator parses them.
/// </summary>
internal sealed class ReportLine
{
    private readonly Dictionary<string, string> _fields;

    private ReportLine(string kind, Dictionary<string, string> fields)
    {
        Kind = kind;
        _fields = fields;
    }

    public string Kind { get; }

    /// <summary>Formats a line; values must not contain spaces except <paramref name="message"/>.</summary>
    public static string Format(string kind, IEnumerable<(string Key, object Value)> fields, string? message = null)
    {
        var line = new StringBuilder(kind);
        foreach ((string key, object value) in fields)
        {
            line.Append(' ').Append(key).Append('=').Append(Convert.ToString(value, CultureInfo.InvariantCulture));
        }

        if (message is not null)
        {
            line.Append(" msg=").Append(message.ReplaceLineEndings(" | "));
        }

        return line.ToString();
    }

    /// <summary>Parses a line; false for anything that is not a report (a stray runtime message, an empty line).</summary>
    public static bool TryParse(string line, out ReportLine report)
    {
        report = null!;
        string[] words = line.Split(' ', 2);
        if (words[0].Length == 0 || !words[0].All(char.IsAsciiLetterUpper))
        {
            return false;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        string rest = words.Length > 1 ? words[1] : string.Empty;
        while (rest.Length > 0)
        {
            if (rest.StartsWith("msg=", StringComparison.Ordinal))
            {
                fields["msg"] = rest[4..];
                break;
            }

            int space = rest.IndexOf(' ', StringComparison.Ordinal);
            string field = space < 0 ? rest : rest[..space];
            rest = space < 0 ? string.Empty : rest[(space + 1)..];
            int equals = field.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return false;
            }

            fields[field[..equals]] = field[(equals + 1)..];
        }

        report = new ReportLine(words[0], fields);
        return true;
    }

    public string Text(string key) => _fields.TryGetValue(key, out string? value) ? value : string.Empty;

    public long Long(string key) =>
        _fields.TryGetValue(key, out string? value) && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long number) ? number : 0;

    public ulong Hex(string key) =>
        _fields.TryGetValue(key, out string? value) && ulong.TryParse(value, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong number) ? number : 0;
}
