using System.Collections.Immutable;
using Collectives.SharedState;

namespace Collectives.Protocol.Messages;

/// <summary>Readers for the values of the shared-state sync messages.</summary>
internal ref partial struct ControlReader
{
    /// <summary>Reads a strategy; only <see cref="SharedStateStrategy"/>'s defined values are allowed.</summary>
    public byte ReadStrategy(string field)
    {
        long value = ReadEnumValue(field);
        return value is >= 0 and <= byte.MaxValue && Enum.IsDefined((SharedStateStrategy)value)
            ? (byte)value
            : throw Violation($"unknown shared-state strategy {value}");
    }

    /// <summary>Reads a non-empty entry name of at most <see cref="ProtocolLimits.MaxEntryNameBytes"/> bytes.</summary>
    public string ReadEntryName(string field)
    {
        string name = ReadUtf8(field, Limits.MaxEntryNameBytes);
        return name.Length > 0 ? name : throw Violation("an entry name must not be empty");
    }

    /// <summary>
    /// Reads <c>[[name, dataType, count, hash, allowContentInequality], ...]</c> in any order: names unique (ordinal),
    /// types defined, sizes addressable (count × element size ≤ 2^63 - 1).
    /// </summary>
    public ImmutableArray<SharedStateEntryInfo> ReadSharedStateEntries(string field)
    {
        int count = ReadArrayHeader(field, Limits.MaxSharedStateEntries);
        var builder = ImmutableArray.CreateBuilder<SharedStateEntryInfo>(count);
        var names = new HashSet<string>(count, StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            ReadFixedArrayHeader(field, 5);
            string name = ReadEntryName("entry.name");
            DataType dataType = ReadDataType("entry.dataType");
            ulong elements = ReadUInt64("entry.count");
            if (elements > (ulong)long.MaxValue / (ulong)DataTypes.SizeOf(dataType))
            {
                throw Violation($"entry '{name}' declares {elements} elements of {dataType}, more than can exist");
            }

            ulong hash = ReadUInt64("entry.hash");
            bool allowContentInequality = ReadBoolean("entry.allowContentInequality");
            if (!names.Add(name))
            {
                throw Violation($"entry name '{name}' appears more than once");
            }

            builder.Add(new SharedStateEntryInfo(name, dataType, elements, hash, allowContentInequality));
        }

        return builder.MoveToImmutable();
    }

    /// <summary>
    /// Reads <c>[[name, expectedHash, byteLength, slices], ...]</c>: names in strictly ascending ordinal order (so
    /// unique), lengths addressable, and each transfer's slices tiling <c>[0, byteLength)</c> (see <see cref="ReadSlices"/>).
    /// </summary>
    public ImmutableArray<SharedStateTransferInfo> ReadTransfers(string field)
    {
        int count = ReadArrayHeader(field, Limits.MaxSharedStateEntries);
        var builder = ImmutableArray.CreateBuilder<SharedStateTransferInfo>(count);
        string? previous = null;
        for (int i = 0; i < count; i++)
        {
            ReadFixedArrayHeader(field, 4);
            string name = ReadEntryName("transfer.name");
            if (previous is not null && string.CompareOrdinal(previous, name) >= 0)
            {
                throw Violation($"transfer '{name}' follows '{previous}': transfers are in strictly ascending name order");
            }

            ulong expectedHash = ReadUInt64("transfer.expectedHash");
            ulong byteLength = ReadUInt64("transfer.byteLength");
            if (byteLength > long.MaxValue)
            {
                throw Violation($"transfer '{name}' of {byteLength} bytes, more than can exist");
            }

            builder.Add(new SharedStateTransferInfo(name, expectedHash, byteLength, ReadSlices("transfer.slices", byteLength)));
            previous = name;
        }

        return builder.MoveToImmutable();
    }

    /// <summary>
    /// Reads <c>[[donor, offset, length], ...]</c> that tile <c>[0, byteLength)</c>: ordered by offset, each starting where
    /// the previous one ended, none empty, the last ending at <paramref name="byteLength"/> (so none for an empty entry).
    /// A fetcher can then request every slice as it is, without checking for gaps or overlaps itself.
    /// </summary>
    private ImmutableArray<SharedStateSliceInfo> ReadSlices(string field, ulong byteLength)
    {
        int count = ReadArrayHeader(field, Limits.MaxSlicesPerTransfer);
        var builder = ImmutableArray.CreateBuilder<SharedStateSliceInfo>(count);
        ulong covered = 0;
        for (int i = 0; i < count; i++)
        {
            ReadFixedArrayHeader(field, 3);
            PeerId donor = ReadPeerId("slice.donor");
            ulong offset = ReadUInt64("slice.offset");
            ulong length = ReadUInt64("slice.length");

            // covered <= byteLength holds throughout, so the subtraction cannot wrap.
            if (offset != covered || length == 0 || length > byteLength - covered)
            {
                throw Violation($"slice [{offset}, +{length}) does not continue the tiling of [0, {byteLength}) at {covered}");
            }

            covered += length;
            builder.Add(new SharedStateSliceInfo(donor, offset, length));
        }

        if (covered != byteLength)
        {
            throw Violation($"slices cover [0, {covered}) of [0, {byteLength})");
        }

        return builder.MoveToImmutable();
    }
}
