namespace Collectives.StressTests.Shared;

/// <summary>Writes report lines to stdout, whole lines only (several tasks report at once).</summary>
internal static class Report
{
    private static readonly Lock Gate = new();

    public static void Line(string kind, IEnumerable<(string Key, object Value)> fields, string? message = null)
    {
        string line = ReportLine.Format(kind, fields, message);
        lock (Gate)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }
}
