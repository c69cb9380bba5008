using System.Text;
using Collectives.SharedState;
using MessagePack;

namespace Collectives.Protocol.Messages;

/// <summary>
/// Writers for the shared-state sync values. What the reader would refuse because of its size or form (too many
/// entries or slices, an empty, over-long or ill-formed name, an undefined strategy) is a bug of the caller and throws
/// <see cref="ArgumentException"/>; the cross-element rules (unique names, slice tiling) are checked on reading only.
/// </summary>
internal static partial class ControlWriterExtensions
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void WriteStrategy(this ref MessagePackWriter writer, byte strategy)
    {
        if (!Enum.IsDefined((SharedStateStrategy)strategy))
        {
            throw new ArgumentException($"undefined shared-state strategy {strategy}", nameof(strategy));
        }

        writer.Write(strategy);
    }

    /// <summary>[[name, dataType, count, hash, allowContentInequality], ...].</summary>
    public static void WriteSharedStateEntries(this ref MessagePackWriter writer, EquatableArray<SharedStateEntryInfo> entries, ProtocolLimits limits)
    {
        CheckEntryCount(entries.Count, limits);
        writer.WriteArrayHeader(entries.Count);
        foreach (SharedStateEntryInfo entry in entries)
        {
            writer.WriteArrayHeader(5);
            writer.WriteEntryName(entry.Name, limits);
            writer.Write((int)entry.DataType);
            writer.Write(entry.Count);
            writer.Write(entry.Hash);
            writer.Write(entry.AllowContentInequality);
        }
    }

    /// <summary>[[name, expectedHash, byteLength, [[donor, offset, length], ...]], ...].</summary>
    public static void WriteTransfers(this ref MessagePackWriter writer, EquatableArray<SharedStateTransferInfo> transfers, ProtocolLimits limits)
    {
        CheckEntryCount(transfers.Count, limits);
        writer.WriteArrayHeader(transfers.Count);
        foreach (SharedStateTransferInfo transfer in transfers)
        {
            writer.WriteArrayHeader(4);
            writer.WriteEntryName(transfer.Name, limits);
            writer.Write(transfer.ExpectedHash);
            writer.Write(transfer.ByteLength);
            if (transfer.Slices.Count > limits.MaxSlicesPerTransfer)
            {
                throw new ArgumentException(
                    $"transfer '{transfer.Name}' has {transfer.Slices.Count} slices, more than the limit of {limits.MaxSlicesPerTransfer}");
            }

            writer.WriteArrayHeader(transfer.Slices.Count);
            foreach (SharedStateSliceInfo slice in transfer.Slices)
            {
                writer.WriteArrayHeader(3);
                writer.WritePeerId(slice.Donor);
                writer.Write(slice.Offset);
                writer.Write(slice.Length);
            }
        }
    }

    /// <summary>
    /// Names identify tensors on both ends, so one that would not read back as itself (empty, over the limit, or with a
    /// lone surrogate, which UTF-8 cannot carry) is refused rather than cut or replaced.
    /// </summary>
    private static void WriteEntryName(this ref MessagePackWriter writer, string name, ProtocolLimits limits)
    {
        ArgumentNullException.ThrowIfNull(name);
        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(name);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException($"entry name '{name}' is not well-formed Unicode", nameof(name), ex);
        }

        if (bytes == 0 || bytes > limits.MaxEntryNameBytes)
        {
            throw new ArgumentException(
                $"entry name of {bytes} UTF-8 bytes; names have 1 to {limits.MaxEntryNameBytes}", nameof(name));
        }

        writer.Write(name);
    }

    private static void CheckEntryCount(int count, ProtocolLimits limits)
    {
        if (count > limits.MaxSharedStateEntries)
        {
            throw new ArgumentException($"{count} shared-state entries exceed the limit of {limits.MaxSharedStateEntries}");
        }
    }
}
