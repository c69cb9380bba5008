using System.Diagnostics;

namespace Collectives.Topology;

/// <summary>Deadlines as <see cref="Stopwatch"/> timestamps: reading the clock costs a few nanoseconds, so solvers can check it often.</summary>
internal static class Deadline
{
    /// <summary>No deadline.</summary>
    public const long None = long.MaxValue;

    public static long After(long start, TimeSpan budget)
    {
        double ticks = budget.TotalSeconds * Stopwatch.Frequency;
        return ticks >= long.MaxValue - start ? None : start + (long)ticks;
    }

    /// <summary>The moment halfway from <paramref name="now"/> to <paramref name="deadline"/> (still none when there is none).</summary>
    public static long Halfway(long now, long deadline) => deadline == None ? None : now + ((deadline - now) / 2);

    public static bool HasPassed(long deadline) => deadline != None && Stopwatch.GetTimestamp() >= deadline;
}
