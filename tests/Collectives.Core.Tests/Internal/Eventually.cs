namespace Collectives.Tests.Internal;

/// <summary>Waits, bounded, for a condition that other threads make true.</summary>
internal static class Eventually
{
    /// <summary>
    /// Returns once <paramref name="condition"/> holds, checking every few milliseconds; throws
    /// <see cref="TimeoutException"/> naming <paramref name="what"/> when <paramref name="bound"/> passes first.
    /// </summary>
    public static async Task HoldsAsync(Func<bool> condition, TimeSpan bound, string what = "the condition held")
    {
        long deadline = Environment.TickCount64 + (long)bound.TotalMilliseconds;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException($"timed out after {bound.TotalSeconds:F0} s waiting until {what}");
            }

            await Task.Delay(2);
        }
    }
}
