using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Collectives.Interop;

/// <summary>4 bytes held inline (<c>ccoip_ipv4_address_t</c>).</summary>
/// <remarks>
/// Inline arrays rather than C# <c>fixed</c> buffers: a <c>fixed</c> buffer makes the JIT guard the frame of any method
/// holding one with a stack cookie, and an export taking this struct by value reads that cookie before the
/// NativeAOT runtime initialises (on the first call into the library), so the check on return fails the process.
/// </remarks>
[InlineArray(4)]
public struct AbiBytes4
{
    private byte _element;
}

/// <summary>16 bytes held inline (<c>ccoip_ipv6_address_t</c>); see <see cref="AbiBytes4"/> for why not <c>fixed</c>.</summary>
[InlineArray(16)]
public struct AbiBytes16
{
    private byte _element;
}

/// <summary><c>ccoip_inet_address_t</c>: a protocol selector followed by both address forms (28 bytes with the port).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct AbiInetAddress
{
    /// <summary><c>protocol</c>: an <see cref="AbiInetProtocol"/> value (raw, so unknown values can be refused).</summary>
    public int Protocol;

    /// <summary><c>ipv4.data</c>, network byte order.</summary>
    public AbiBytes4 IPv4;

    /// <summary><c>ipv6.data</c>, network byte order.</summary>
    public AbiBytes16 IPv6;
}

/// <summary><c>ccoip_socket_address_t</c>: an address and a port in host byte order.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct AbiSocketAddress
{
    /// <summary><c>inet</c>.</summary>
    public AbiInetAddress Inet;

    /// <summary><c>port</c>.</summary>
    public ushort Port;

    /// <summary>Converts to an endpoint.</summary>
    /// <exception cref="CollectivesException">InvalidArgument for an unknown protocol.</exception>
    public readonly IPEndPoint ToEndPoint() => new(ToAddress(), Port);

    /// <summary>The address part.</summary>
    /// <exception cref="CollectivesException">InvalidArgument for an unknown protocol.</exception>
    public readonly IPAddress ToAddress()
    {
        switch ((AbiInetProtocol)Inet.Protocol)
        {
            case AbiInetProtocol.IPv4:
                return new IPAddress((ReadOnlySpan<byte>)Inet.IPv4);

            case AbiInetProtocol.IPv6:
                var address = new IPAddress((ReadOnlySpan<byte>)Inet.IPv6);
                return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

            default:
                throw new CollectivesException(ErrorCode.InvalidArgument, $"unknown address protocol {Inet.Protocol} (inetIPv4 = 0, inetIPv6 = 1)");
        }
    }

    /// <summary>Creates the C form of an endpoint.</summary>
    public static AbiSocketAddress From(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var result = new AbiSocketAddress { Port = (ushort)endPoint.Port };
        IPAddress address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            result.Inet.Protocol = (int)AbiInetProtocol.IPv4;
            address.TryWriteBytes(result.Inet.IPv4, out _);
        }
        else
        {
            result.Inet.Protocol = (int)AbiInetProtocol.IPv6;
            address.TryWriteBytes(result.Inet.IPv6, out _);
        }

        return result;
    }
}
