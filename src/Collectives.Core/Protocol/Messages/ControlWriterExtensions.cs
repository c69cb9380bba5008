using System.Text;
using MessagePack;

namespace Collectives.Protocol.Messages;

/// <summary>Writes the value types of the control protocol in the forms <see cref="ControlReader"/> reads.</summary>
internal static partial class ControlWriterExtensions
{
    public static void WriteType(this ref MessagePackWriter writer, MessageType type) => writer.Write((byte)type);

    public static void WritePeerId(this ref MessagePackWriter writer, PeerId id)
    {
        writer.WriteBinHeader(PeerId.ByteLength);
        id.WriteBytes(writer.GetSpan(PeerId.ByteLength));
        writer.Advance(PeerId.ByteLength);
    }

    public static void WriteAddress(this ref MessagePackWriter writer, PeerAddress address)
    {
        writer.WriteBinHeader(address.Length);
        writer.Advance(address.WriteBytes(writer.GetSpan(address.Length)));
    }

    /// <summary>[id, address, port].</summary>
    public static void WritePeerInfo(this ref MessagePackWriter writer, PeerInfo peer)
    {
        writer.WriteArrayHeader(3);
        writer.WritePeerId(peer.Id);
        writer.WriteAddress(peer.Endpoint.Address);
        writer.Write(peer.Endpoint.Port);
    }

    public static void WritePeerIdList(this ref MessagePackWriter writer, EquatableArray<PeerId> peers, ProtocolLimits limits)
    {
        CheckListLength(peers.Count, limits);
        writer.WriteArrayHeader(peers.Count);
        foreach (PeerId peer in peers)
        {
            writer.WritePeerId(peer);
        }
    }

    public static void WritePeerInfoList(this ref MessagePackWriter writer, EquatableArray<PeerInfo> peers, ProtocolLimits limits)
    {
        CheckListLength(peers.Count, limits);
        writer.WriteArrayHeader(peers.Count);
        foreach (PeerInfo peer in peers)
        {
            writer.WritePeerInfo(peer);
        }
    }

    /// <summary>[global, peerGroup, numPeerGroups, largestPeerGroup].</summary>
    public static void WriteWorldSizes(this ref MessagePackWriter writer, WorldSizes sizes)
    {
        writer.WriteArrayHeader(4);
        writer.Write(sizes.Global);
        writer.Write(sizes.PeerGroup);
        writer.Write(sizes.NumPeerGroups);
        writer.Write(sizes.LargestPeerGroup);
    }

    /// <summary>[kind, count, dataType, op, quantization, quantizedType].</summary>
    public static void WriteDescriptor(this ref MessagePackWriter writer, CollectiveDescriptor descriptor)
    {
        writer.WriteArrayHeader(6);
        writer.Write((int)descriptor.Kind);
        writer.Write(descriptor.Count);
        writer.Write((int)descriptor.DataType);
        writer.Write((int)descriptor.Op);
        writer.Write((int)descriptor.Quantization);
        writer.Write((int)descriptor.QuantizedType);
    }

    /// <summary>Free text is informative only, so an over-long reason is cut (at a character boundary), never refused.</summary>
    public static void WriteReason(this ref MessagePackWriter writer, string reason, ProtocolLimits limits) =>
        writer.Write(TruncateUtf8(reason, limits.MaxReasonBytes));

    /// <summary>The longest prefix of <paramref name="text"/> whose UTF-8 form has at most <paramref name="maxBytes"/> bytes.</summary>
    public static string TruncateUtf8(string text, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Encoding.UTF8.GetMaxByteCount(text.Length) <= maxBytes || Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        int bytes = 0;
        int chars = 0;
        foreach (Rune rune in text.EnumerateRunes())
        {
            // A lone surrogate enumerates as U+FFFD (one UTF-16 char), which is also what the encoder writes for it.
            if (bytes + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            chars += rune.Utf16SequenceLength;
        }

        return text[..chars];
    }

    private static void CheckListLength(int count, ProtocolLimits limits)
    {
        if (count > limits.MaxPeersPerRing)
        {
            throw new ArgumentException($"a list of {count} peers exceeds the limit of {limits.MaxPeersPerRing}");
        }
    }
}
