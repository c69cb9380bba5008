using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Collectives.Membership;

namespace Collectives.Master;

/// <summary>
/// Reads a listening endpoint: <c>0.0.0.0:48148</c>, <c>[::]:48148</c>, or an address alone for the default port.
/// Only literal addresses: the master binds, it does not resolve names. IPv4 must be written in full dotted form
/// (.NET would otherwise read "10.1" as 10.0.0.1).
/// </summary>
internal static class EndpointParser
{
    private const string Expected = "expected an IP address and port, like 0.0.0.0:48148, 127.0.0.1:0 or [::]:48148";

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says what was expected.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out IPEndPoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        string trimmed = text?.Trim() ?? string.Empty;
        if (!TrySplit(trimmed, out string host, out string? port, out bool bracketed))
        {
            error = $"'{trimmed}' is not an endpoint; {Expected}";
            return false;
        }

        if (!IPAddress.TryParse(host, out IPAddress? address) || !IsFullForm(host, address)
            || (bracketed && address.AddressFamily != AddressFamily.InterNetworkV6))
        {
            error = $"'{host}' is not an IP address; {Expected}";
            return false;
        }

        int portNumber = MasterOptions.DefaultPort;
        if (port is not null && !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out portNumber))
        {
            portNumber = -1;
        }

        if (portNumber is < IPEndPoint.MinPort or > IPEndPoint.MaxPort)
        {
            error = $"'{port}' is not a port (0 to {IPEndPoint.MaxPort}); {Expected}";
            return false;
        }

        endpoint = new IPEndPoint(address, portNumber);
        error = null;
        return true;
    }

    /// <summary>Splits "host:port", "[v6]:port", "[v6]", "v6" or "v4" into host and optional port.</summary>
    private static bool TrySplit(string text, out string host, out string? port, out bool bracketed)
    {
        host = text;
        port = null;
        bracketed = text.StartsWith('[');
        if (bracketed)
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = text[1..close];
            string rest = text[(close + 1)..];
            if (rest.Length == 0)
            {
                return true;
            }

            if (rest[0] != ':')
            {
                return false;
            }

            port = rest[1..];
            return true;
        }

        // Two or more colons without brackets is a bare IPv6 address, which leaves no room for a port.
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0 && colon == text.LastIndexOf(':'))
        {
            host = text[..colon];
            port = text[(colon + 1)..];
        }

        return text.Length > 0;
    }

    private static bool IsFullForm(string host, IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6
            ? host.Contains(':', StringComparison.Ordinal)
            : string.Equals(address.ToString(), host, StringComparison.Ordinal);
}
