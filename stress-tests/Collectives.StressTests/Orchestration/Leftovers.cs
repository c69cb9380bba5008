using System.Globalization;

namespace Collectives.StressTests.Orchestration;

/// <summary>What a run may not leave behind: processes descending from the orchestrator, listening ports of its children.</summary>
internal static class Leftovers
{
    /// <summary>Pids of every living descendant of this process (from /proc; empty where there is no /proc).</summary>
    public static List<int> Descendants()
    {
        var parents = new Dictionary<int, int>();
        foreach (string directory in Directory.Exists("/proc") ? Directory.EnumerateDirectories("/proc") : [])
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
                string stat = File.ReadAllText(Path.Combine(directory, "stat"));
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[0] != "Z" && fields[0] != "X")
                {
                    parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
                // exited while we looked
            }
            catch (UnauthorizedAccessException)
            {
                // not ours
            }
        }

        var found = new List<int>();
        var frontier = new Queue<int>([Environment.ProcessId]);
        while (frontier.TryDequeue(out int parent))
        {
            foreach (int child in parents.Where(p => p.Value == parent).Select(p => p.Key))
            {
                found.Add(child);
                frontier.Enqueue(child);
            }
        }

        return found;
    }

    /// <summary>
    /// Which of <paramref name="ports"/> a socket still listens on (from /proc/net/tcp and tcp6), with the pid holding
    /// it (0 when unknown). Over a long run the kernel hands the same ephemeral port to other programs, so a listener
    /// owned by a process that is not ours is not a leftover.
    /// </summary>
    public static List<(int Port, int Owner)> ListeningPorts(IReadOnlySet<int> ports)
    {
        var listening = new List<(int Port, long Inode)>();
        foreach (string table in new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists))
        {
            foreach (string row in File.ReadLines(table).Skip(1))
            {
                string[] columns = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (columns.Length < 4 || columns[3] != "0A") // 0A: LISTEN
                {
                    continue;
                }

                int port = int.Parse(columns[1][(columns[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (ports.Contains(port))
                {
                    listening.Add((port, columns.Length > 9 ? long.Parse(columns[9], CultureInfo.InvariantCulture) : 0));
                }
            }
        }

        return listening.Count == 0 ? [] : listening.ConvertAll(l => (l.Port, SocketOwner(l.Inode)));
    }

    private static int SocketOwner(long inode)
    {
        string link = $"socket:[{inode}]";
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                if (Directory.EnumerateFiles(Path.Combine(directory, "fd")).Any(fd => new FileInfo(fd).LinkTarget == link))
                {
                    return pid;
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return 0;
    }

    /// <summary>Resident set size of a process in bytes, 0 when it is gone.</summary>
    public static long ResidentBytes(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }
}
