using MessagePack;

namespace Collectives.Protocol.Messages;

/// <summary>Writers for the values of the topology optimisation messages.</summary>
internal static partial class ControlWriterExtensions
{
    /// <summary>[[peerId, bytesPerSecond], ...].</summary>
    public static void WriteBandwidthSamples(this ref MessagePackWriter writer, EquatableArray<BandwidthSample> samples, ProtocolLimits limits)
    {
        CheckListLength(samples.Count, limits);
        writer.WriteArrayHeader(samples.Count);
        foreach (BandwidthSample sample in samples)
        {
            writer.WriteArrayHeader(2);
            writer.WritePeerId(sample.To);
            writer.Write(sample.BytesPerSecond);
        }
    }
}
