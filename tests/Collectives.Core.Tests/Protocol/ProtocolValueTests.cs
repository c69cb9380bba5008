using System.Net;
using Collectives.Protocol;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.Protocol;

public class ProtocolValueTests
{
    [Test]
    public void PeerIdBytesRoundTrip() =>
        Prop.ForAll(ControlMessageGen.PeerId.ToArbitrary(), id =>
        {
            Span<byte> bytes = stackalloc byte[PeerId.ByteLength];
            id.WriteBytes(bytes);
            return PeerId.FromBytes(bytes) == id;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void PeerIdFormatsShortForLogsAndFullOnRequest()
    {
        var id = new PeerId(0x0123456789abcdef, 0xfedcba9876543210);
        Assert.That(id.ToString(), Is.EqualTo("01234567"));
        Assert.That(id.ToFullString(), Is.EqualTo("0123456789abcdeffedcba9876543210"));
        Assert.That(PeerId.None.IsNone, Is.True);
        Assert.That(id.IsNone, Is.False);
    }

    [TestCase("10.1.2.3", 4)]
    [TestCase("::ffff:10.1.2.3", 4)]
    [TestCase("2001:db8::7", 16)]
    [TestCase("::1", 16)]
    public void AddressesKeepOneFormPerHost(string text, int length)
    {
        var address = PeerAddress.FromIPAddress(IPAddress.Parse(text));
        Assert.That(address.Length, Is.EqualTo(length));
        var expected = IPAddress.Parse(text);
        if (expected.IsIPv4MappedToIPv6)
        {
            expected = expected.MapToIPv4();
        }

        Assert.That(address.ToIPAddress(), Is.EqualTo(expected));
    }

    [Test]
    public void AddressBytesRoundTrip() =>
        Prop.ForAll(ControlMessageGen.Address.ToArbitrary(), address =>
        {
            Span<byte> bytes = stackalloc byte[16];
            int written = address.WriteBytes(bytes);
            return written == address.Length && PeerAddress.FromBytes(bytes[..written]) == address
                && PeerAddress.FromIPAddress(address.ToIPAddress()) == address;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void EndpointsConvertToAndFromIPEndPoint()
    {
        var endpoint = PeerEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 48149));
        Assert.That(endpoint.ToIPEndPoint(), Is.EqualTo(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 48149)));
        Assert.That(endpoint.ToString(), Is.EqualTo("[2001:db8::1]:48149"));
        Assert.That(PeerEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Loopback, 1)).ToString(), Is.EqualTo("127.0.0.1:1"));
    }

    [Test]
    public void InvalidAddressesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => PeerAddress.FromBytes(new byte[5]));
        Assert.Throws<InvalidOperationException>(() => default(PeerAddress).ToIPAddress());
        Assert.Throws<ArgumentException>(() => PeerId.FromBytes(new byte[15]));
    }
}
