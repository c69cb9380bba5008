using System.Diagnostics;

namespace DiLoCo.TorchSharp;

/// <summary>
/// CPU time of the training thread against the rest of the process (sockets, relay, the library's background work,
/// runtime): what the communication costs in CPU, which the compute pays when it runs at a lower priority.
/// </summary>
internal readonly record struct ThreadCpu(double Training, double Other)
{
    /// <summary>The process's CPU time so far, split by the training thread's id (0: all counts as other).</summary>
    public static ThreadCpu Sample(int trainingThreadId)
    {
        using Process self = Process.GetCurrentProcess();
        double total = self.TotalProcessorTime.TotalSeconds;
        double training = 0;
        foreach (ProcessThread thread in self.Threads)
        {
            using (thread)
            {
                if (thread.Id == trainingThreadId)
                {
                    training = thread.TotalProcessorTime.TotalSeconds;
                }
            }
        }

        return new ThreadCpu(training, total - training);
    }

    /// <summary>CPU seconds per thread name (Linux: /proc/self/task/*/comm), threads of one name summed; for diagnosis.</summary>
    public static Dictionary<string, double> ByName()
    {
        var byName = new Dictionary<string, double>();
        if (!OperatingSystem.IsLinux())
        {
            return byName;
        }

        double tick = 1.0 / 100; // USER_HZ
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                string name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // fields after "pid (comm) ": state is [0]
                double cpu = (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) * tick;
                byName[name] = byName.GetValueOrDefault(name) + cpu;
            }
            catch (IOException)
            {
                // the thread ended meanwhile
            }
        }

        return byName;
    }

    public static ThreadCpu operator -(ThreadCpu end, ThreadCpu start) => new(end.Training - start.Training, end.Other - start.Other);
}
