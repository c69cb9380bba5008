namespace Collectives.NetEmulation;

/// <summary>
/// How a <see cref="TcpRelay"/> distorts each connection it carries, in each direction: data is forwarded
/// <see cref="Delay"/> after it arrived, and at most <see cref="InFlightCap"/> bytes may be forwarded-but-unacknowledged,
/// an acknowledgement arriving <see cref="Delay"/> after the bytes were delivered. So one connection moves at most
/// about <c>InFlightCap / (2 × Delay)</c> bytes per second, as a window-limited TCP stream does on a long fat pipe,
/// and k connections move k times as much.
/// </summary>
public sealed record RelayOptions
{
    /// <summary>No delay and no cap: a plain forwarder.</summary>
    public static RelayOptions PassThrough { get; } = new();

    /// <summary>One-way delay added in each direction (the round trip grows by twice this).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Bytes one direction of one connection may have in flight; 0 means unlimited.</summary>
    public int InFlightCap { get; init; }

    /// <summary>Largest read from a socket; also the granularity at which the cap is handed out.</summary>
    public int ChunkBytes { get; init; } = 64 << 10;

    /// <summary>Throughput one connection can reach in one direction under the cap, in bytes per second (infinity when unlimited).</summary>
    public double PerConnectionBytesPerSecond =>
        InFlightCap == 0 || Delay <= TimeSpan.Zero ? double.PositiveInfinity : InFlightCap / (2 * Delay.TotalSeconds);

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Delay, TimeSpan.Zero, nameof(Delay));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Delay, TimeSpan.FromSeconds(10), nameof(Delay));
        ArgumentOutOfRangeException.ThrowIfNegative(InFlightCap, nameof(InFlightCap));
        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkBytes, 1024, nameof(ChunkBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ChunkBytes, 16 << 20, nameof(ChunkBytes));
    }
}
