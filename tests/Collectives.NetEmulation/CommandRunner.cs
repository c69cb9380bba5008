using System.Diagnostics;

namespace Collectives.NetEmulation;

/// <summary>Runs <c>ip</c> and <c>tc</c>: one process per batch of lines fed on stdin, bounded in time, failing loudly.</summary>
internal static class CommandRunner
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/>; returns stdout.</summary>
    /// <exception cref="NetEmulationException">It could not start, exited non-zero, or outlived its bound.</exception>
    public static string Run(string program, IEnumerable<string> arguments, IReadOnlyList<string>? stdinLines = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = stdinLines is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        string commandLine = program + " " + string.Join(' ', start.ArgumentList);
        using Process process = StartOrThrow(start, commandLine);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (stdinLines is not null)
        {
            foreach (string line in stdinLines)
            {
                process.StandardInput.WriteLine(line);
            }

            process.StandardInput.Close();
        }

        if (!process.WaitForExit(Bound))
        {
            process.Kill(entireProcessTree: true);
            throw new NetEmulationException($"'{commandLine}' did not finish within {Bound.TotalSeconds:F0} s");
        }

        process.WaitForExit(); // drains the redirected streams
        if (process.ExitCode != 0)
        {
            string input = stdinLines is null ? "" : " with input:\n  " + string.Join("\n  ", stdinLines);
            throw new NetEmulationException($"'{commandLine}' failed ({process.ExitCode}): {stderr.Result.Trim()}{input}");
        }

        return stdout.Result;
    }

    /// <summary>Runs <c>ip</c> (inside <paramref name="netns"/> when given) on a batch of commands.</summary>
    public static void Ip(string? netns, IReadOnlyList<string> lines)
    {
        if (lines.Count > 0)
        {
            Run("ip", netns is null ? ["-batch", "-"] : ["-n", netns, "-batch", "-"], lines);
        }
    }

    /// <summary>Runs <c>tc</c> inside <paramref name="netns"/> on a batch of commands.</summary>
    public static void Tc(string netns, IReadOnlyList<string> lines)
    {
        if (lines.Count > 0)
        {
            Run("tc", ["-n", netns, "-batch", "-"], lines);
        }
    }

    private static Process StartOrThrow(ProcessStartInfo start, string commandLine)
    {
        try
        {
            return Process.Start(start) ?? throw new NetEmulationException($"'{commandLine}' did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new NetEmulationException($"'{commandLine}' did not start: {e.Message}", e);
        }
    }
}
