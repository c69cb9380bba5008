using System.Buffers.Binary;
using System.Globalization;

namespace Collectives.Protocol;

/// <summary>
/// A peer's identity for the lifetime of a run: a 128-bit value the master assigns at registration and never reuses.
/// <see cref="ToString"/> gives a short form for logs; <see cref="ToFullString"/> gives all 32 hex digits.
/// </summary>
/// <param name="High">The upper 64 bits.</param>
/// <param name="Low">The lower 64 bits.</param>
public readonly record struct PeerId(ulong High, ulong Low) : IComparable<PeerId>
{
    /// <summary>Bytes of the wire form (big-endian <see cref="High"/> then <see cref="Low"/>).</summary>
    public const int ByteLength = 16;

    /// <summary>The all-zero value, which the master never assigns.</summary>
    public static PeerId None => default;

    /// <summary>True for <see cref="None"/>.</summary>
    public bool IsNone => High == 0 && Low == 0;

    /// <summary>Reads the 16-byte wire form.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is not exactly <see cref="ByteLength"/> bytes.</exception>
    public static PeerId FromBytes(ReadOnlySpan<byte> source)
    {
        if (source.Length != ByteLength)
        {
            throw new ArgumentException($"a peer id is {ByteLength} bytes, got {source.Length}", nameof(source));
        }

        return new PeerId(BinaryPrimitives.ReadUInt64BigEndian(source), BinaryPrimitives.ReadUInt64BigEndian(source[8..]));
    }

    /// <summary>Writes the 16-byte wire form.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="ByteLength"/> bytes.</exception>
    public void WriteBytes(Span<byte> destination)
    {
        if (destination.Length < ByteLength)
        {
            throw new ArgumentException($"a peer id needs {ByteLength} bytes", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
    }

    /// <summary>Orders by <see cref="High"/>, then <see cref="Low"/> (the order of the wire form's bytes).</summary>
    /// <param name="other">The id to compare with.</param>
    /// <returns>Negative, zero or positive as this id sorts before, with or after <paramref name="other"/>.</returns>
    public int CompareTo(PeerId other)
    {
        int order = High.CompareTo(other.High);
        return order != 0 ? order : Low.CompareTo(other.Low);
    }

    /// <summary>True when <paramref name="left"/> sorts before <paramref name="right"/>.</summary>
    public static bool operator <(PeerId left, PeerId right) => left.CompareTo(right) < 0;

    /// <summary>True when <paramref name="left"/> sorts after <paramref name="right"/>.</summary>
    public static bool operator >(PeerId left, PeerId right) => left.CompareTo(right) > 0;

    /// <summary>True unless <paramref name="left"/> sorts after <paramref name="right"/>.</summary>
    public static bool operator <=(PeerId left, PeerId right) => left.CompareTo(right) <= 0;

    /// <summary>True unless <paramref name="left"/> sorts before <paramref name="right"/>.</summary>
    public static bool operator >=(PeerId left, PeerId right) => left.CompareTo(right) >= 0;

    /// <summary>The first 8 hex digits: enough to tell the peers of one run apart in a log line.</summary>
    public override string ToString() => ((uint)(High >> 32)).ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>All 32 hex digits.</summary>
    public string ToFullString() =>
        High.ToString("x16", CultureInfo.InvariantCulture) + Low.ToString("x16", CultureInfo.InvariantCulture);
}
