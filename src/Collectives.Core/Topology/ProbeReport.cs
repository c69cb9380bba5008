using System.Buffers.Binary;
using System.Diagnostics;

namespace Collectives.Topology;

/// <summary>
/// What the receiving end of one probe connection saw: the bytes that arrived after the first frame, and when the first
/// and the last frame arrived, in nanoseconds of the receiver's monotonic clock. Bytes of the first frame are left out
/// because its arrival starts the clock; all connections of a probe end at the same receiver, so their times compare.
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
    /// The throughput of a probe from its connections' reports: every byte counted, over the span from the earliest first
    /// arrival to the latest last one. NaN when too little arrived to time anything.
    /// </summary>
    public static double Throughput(IReadOnlyList<ProbeReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        long bytes = 0;
        long first = long.MaxValue;
        long last = long.MinValue;
        foreach (ProbeReport report in reports)
        {
            if (report.Bytes == 0)
            {
                continue; // A connection that delivered a single frame has no span of its own.
            }

            bytes += report.Bytes;
            first = Math.Min(first, report.FirstNanoseconds);
            last = Math.Max(last, report.LastNanoseconds);
        }

        return bytes == 0 || last <= first ? double.NaN : bytes / ((last - first) / 1e9);
    }
}
