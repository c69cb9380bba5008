namespace Collectives.Benchmarks;

/// <summary>
/// The load average, printed before and after each benchmark: the machine is shared, and figures taken under load
/// must say so.
/// </summary>
internal static class MachineLoad
{
    public static string Read()
    {
        try
        {
            string[] fields = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{fields[0]} {fields[1]} {fields[2]}";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    public static void Print(string benchmark, string when)
    {
        string load = Read();
        Console.WriteLine($"# {benchmark}: load average {when}: {load} ({Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC)");
        if (double.TryParse(load.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out double oneMinute))
        {
            Report.Result($"{benchmark}_load1_{when}", oneMinute, "load");
        }
    }
}
