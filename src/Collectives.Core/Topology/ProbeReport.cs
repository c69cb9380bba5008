using System.Buffers.Binary;
using System.Diagnostics;

namespace Collectives.Topology;

/// <summary>
/// What the receiving end of one probe connection saw: the bytes that arrived after the first frame, and when the first
/// and the last counted frame arrived, in nanoseconds of the receiver's monotonic clock. Bytes of the first frame are
/// left out because its arrival starts the clock.
/// </summary>
internal readonly record struct ProbeReport(long Bytes, long FirstNanoseconds, long LastNanoseconds)
{
    /// <summary>Encoded size: three little-endian 64-bit integers.</summary>
    public const int Size = 24;

    public static long NowNanoseconds() => (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, Bytes);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], FirstNanoseconds);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], LastNanoseconds);
    }

    /// <exception cref="ProtocolViolationException">The report is malformed (wrong size, negative bytes, time running backwards).</exception>
    public static ProbeReport Read(ReadOnlySpan<byte> source)
    {
        if (source.Length != Size)
        {
            throw new ProtocolViolationException($"a bandwidth probe report of {source.Length} bytes, expected {Size}");
        }

        var report = new ProbeReport(
            BinaryPrimitives.ReadInt64LittleEndian(source),
            BinaryPrimitives.ReadInt64LittleEndian(source[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(source[16..]));
        if (report.Bytes < 0 || report.LastNanoseconds < report.FirstNanoseconds)
        {
            throw new ProtocolViolationException($"a bandwidth probe report with {report.Bytes} bytes from {report.FirstNanoseconds} to {report.LastNanoseconds} ns");
        }

        return report;
    }

    /// <summary>
    /// The throughput of a probe from its connections' reports: the sum of each connection's bytes over its own span.
    /// The connections run side by side over the same link, so their rates add up. NaN when too little arrived to time
    /// anything.
    /// </summary>
    public static double Throughput(IReadOnlyList<ProbeReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        double total = 0;
        bool timed = false;
        foreach (ProbeReport report in reports)
        {
            // A connection that delivered a single frame has no span of its own.
            if (report.Bytes > 0 && report.LastNanoseconds > report.FirstNanoseconds)
            {
                total += report.Bytes / ((report.LastNanoseconds - report.FirstNanoseconds) / 1e9);
                timed = true;
            }
        }

        return timed ? total : double.NaN;
    }
}
