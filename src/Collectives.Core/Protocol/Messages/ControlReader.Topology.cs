using System.Collections.Immutable;
using MessagePack;

namespace Collectives.Protocol.Messages;

/// <summary>Readers for the values of the topology optimisation messages.</summary>
internal ref partial struct ControlReader
{
    /// <summary>Reads a float64 (or float32) value; NaN and infinities pass, callers check the range.</summary>
    public double ReadDouble(string field)
    {
        Expect(field, MessagePackType.Float);
        return _reader.ReadDouble();
    }

    /// <summary>Reads <c>[[peerId, bytesPerSecond], ...]</c>: rates finite and non-negative, or NaN for a failed probe.</summary>
    public ImmutableArray<BandwidthSample> ReadBandwidthSamples(string field)
    {
        int count = ReadArrayHeader(field, Limits.MaxPeersPerRing);
        var builder = ImmutableArray.CreateBuilder<BandwidthSample>(count);
        for (int i = 0; i < count; i++)
        {
            ReadFixedArrayHeader(field, 2);
            PeerId to = ReadPeerId("sample.to");
            double rate = ReadDouble("sample.bytesPerSecond");
            if (!double.IsNaN(rate) && (rate < 0 || double.IsInfinity(rate)))
            {
                throw Violation($"bandwidth {rate} is neither a finite non-negative rate nor NaN");
            }

            builder.Add(new BandwidthSample(to, rate));
        }

        return builder.MoveToImmutable();
    }

    /// <summary>Reads a probe duration in milliseconds: 1 to <see cref="MeasureBandwidth.MaxDurationMilliseconds"/>.</summary>
    public uint ReadProbeDuration(string field)
    {
        uint value = ReadUInt32(field);
        return value is >= 1 and <= MeasureBandwidth.MaxDurationMilliseconds ? value : throw Violation($"probe duration {value} ms out of range");
    }

    /// <summary>Reads a connection count: 1 to <see cref="MeasureBandwidth.MaxConnections"/>.</summary>
    public ushort ReadProbeConnections(string field)
    {
        ushort value = ReadUInt16(field);
        return value is >= 1 and <= MeasureBandwidth.MaxConnections ? value : throw Violation($"{value} probe connections out of range");
    }

    /// <summary>Reads a ring bottleneck: non-negative, +∞ allowed (a group of one), NaN not.</summary>
    public double ReadBottleneck(string field)
    {
        double value = ReadDouble(field);
        return value >= 0 ? value : throw Violation($"bottleneck {value} is not a non-negative rate");
    }
}
