using System.Net;

namespace Collectives.Protocol;

/// <summary>Where a peer accepts data connections: an address and a TCP port.</summary>
/// <param name="Address">The IPv4 or IPv6 address.</param>
/// <param name="Port">The TCP port.</param>
public readonly record struct PeerEndpoint(PeerAddress Address, ushort Port)
{
    /// <summary>Creates an endpoint from an <see cref="IPEndPoint"/> (see <see cref="PeerAddress.FromIPAddress"/>).</summary>
    /// <exception cref="ArgumentException">The address family is neither IPv4 nor IPv6.</exception>
    public static PeerEndpoint FromIPEndPoint(IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new PeerEndpoint(PeerAddress.FromIPAddress(endpoint.Address), (ushort)endpoint.Port);
    }

    /// <summary>Converts to an <see cref="IPEndPoint"/>.</summary>
    /// <exception cref="InvalidOperationException">The address is <c>default</c>.</exception>
    public IPEndPoint ToIPEndPoint() => new(Address.ToIPAddress(), Port);

    /// <summary>"10.0.0.1:48149" or "[2001:db8::1]:48149".</summary>
    public override string ToString() => Address.IsIPv6 ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
}
