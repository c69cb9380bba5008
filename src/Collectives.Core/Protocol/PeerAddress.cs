using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Collectives.Protocol;

/// <summary>
/// An IPv4 (4 bytes) or IPv6 (16 bytes) address held inline, so that endpoints are allocation-free values with
/// value equality. IPv4-mapped IPv6 addresses are stored as IPv4 so that one host has one form; IPv6 scope ids
/// are not carried (peers must be reachable by a global or site address).
/// </summary>
public readonly record struct PeerAddress
{
    /// <summary>Bytes of an IPv4 address.</summary>
    public const int IPv4Length = 4;

    /// <summary>Bytes of an IPv6 address, the longest form.</summary>
    public const int IPv6Length = 16;

    private readonly UInt128 _bits;
    private readonly byte _length;

    private PeerAddress(UInt128 bits, byte length)
    {
        _bits = bits;
        _length = length;
    }

    /// <summary>4 or 16; 0 for <c>default</c>, which is not a valid address.</summary>
    public int Length => _length;

    /// <summary>True for a 16-byte address.</summary>
    public bool IsIPv6 => _length == IPv6Length;

    /// <summary>Creates an address from its network-order bytes.</summary>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is neither 4 nor 16 bytes long.</exception>
    public static PeerAddress FromBytes(ReadOnlySpan<byte> bytes)
    {
        switch (bytes.Length)
        {
            case IPv4Length:
                return new PeerAddress(BinaryPrimitives.ReadUInt32BigEndian(bytes), IPv4Length);
            case IPv6Length:
                var bits = BinaryPrimitives.ReadUInt128BigEndian(bytes);
                // ::ffff:a.b.c.d is how a dual-mode socket reports an IPv4 client; keep one form per host.
                const ulong mappedPrefix = 0xFFFF;
                return (bits >> 32) == mappedPrefix
                    ? new PeerAddress((uint)bits, IPv4Length)
                    : new PeerAddress(bits, IPv6Length);
            default:
                throw new ArgumentException($"an address is 4 or 16 bytes, got {bytes.Length}", nameof(bytes));
        }
    }

    /// <summary>Creates an address from an <see cref="IPAddress"/> (scope id dropped, IPv4-mapped stored as IPv4).</summary>
    /// <exception cref="ArgumentException">The address family is neither IPv4 nor IPv6.</exception>
    public static PeerAddress FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException($"unsupported address family {address.AddressFamily}", nameof(address));
        }

        Span<byte> bytes = stackalloc byte[IPv6Length];
        address.TryWriteBytes(bytes, out int written);
        return FromBytes(bytes[..written]);
    }

    /// <summary>Writes the network-order bytes and returns how many were written (4 or 16).</summary>
    /// <exception cref="InvalidOperationException">This is <c>default</c>.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public int WriteBytes(Span<byte> destination)
    {
        ThrowIfDefault();
        if (destination.Length < _length)
        {
            throw new ArgumentException($"the address needs {_length} bytes", nameof(destination));
        }

        if (_length == IPv4Length)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_bits);
        }
        else
        {
            BinaryPrimitives.WriteUInt128BigEndian(destination, _bits);
        }

        return _length;
    }

    /// <summary>Converts to an <see cref="IPAddress"/>.</summary>
    /// <exception cref="InvalidOperationException">This is <c>default</c>.</exception>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[IPv6Length];
        return new IPAddress(bytes[..WriteBytes(bytes)]);
    }

    /// <summary>The usual text form ("10.0.0.1", "2001:db8::1"); "(none)" for <c>default</c>.</summary>
    public override string ToString() => _length == 0 ? "(none)" : ToIPAddress().ToString();

    private void ThrowIfDefault()
    {
        if (_length == 0)
        {
            throw new InvalidOperationException("the address is uninitialised (default)");
        }
    }
}
