using System.Net;
using FsCheck;
using FsCheck.Fluent;

namespace Collectives.Master.Tests;

[TestFixture]
public sealed class EndpointParserTests
{
    [TestCase("0.0.0.0:48148", "0.0.0.0:48148")]
    [TestCase("127.0.0.1:0", "127.0.0.1:0")]
    [TestCase("10.0.0.7", "10.0.0.7:48148")]
    [TestCase("[::]:48148", "[::]:48148")]
    [TestCase("[::1]", "[::1]:48148")]
    [TestCase("::1", "[::1]:48148")]
    [TestCase("[fe80::1%1]:9000", "[fe80::1%1]:9000")]
    public void Reads_literal_addresses_with_an_optional_port(string text, string expected)
    {
        Assert.That(EndpointParser.TryParse(text, out IPEndPoint? endpoint, out string? error), Is.True, error);
        Assert.That(endpoint!.ToString(), Is.EqualTo(expected));
    }

    [TestCase("", "not an endpoint")]
    [TestCase("localhost:48148", "not an IP address")]
    [TestCase("10.1:48148", "not an IP address")]
    [TestCase("123", "not an IP address")]
    [TestCase("1.2.3.4:", "not a port")]
    [TestCase("1.2.3.4:65536", "not a port")]
    [TestCase("1.2.3.4:-1", "not a port")]
    [TestCase("1.2.3.4:+80", "not a port")]
    [TestCase("[::1", "not an endpoint")]
    [TestCase("[::1]48148", "not an endpoint")]
    [TestCase("[1.2.3.4]:80", "not an IP address")]
    public void Refuses_the_rest_with_a_reason(string text, string reason)
    {
        Assert.That(EndpointParser.TryParse(text, out _, out string? error), Is.False);
        Assert.That(error, Does.Contain(reason));
    }

    [Test]
    public void Reads_back_what_IPEndPoint_prints() =>
        Prop.ForAll(
            Gen.Choose(0, 65535).ToArbitrary(),
            Gen.OneOf(Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), 4), Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), 16)).ToArbitrary(),
            (port, bytes) =>
            {
                var endpoint = new IPEndPoint(new IPAddress(bytes), port);
                return EndpointParser.TryParse(endpoint.ToString(), out IPEndPoint? back, out _) && endpoint.Equals(back);
            }).QuickCheckThrowOnFailure();

    [Test]
    public void Never_throws_on_any_text() =>
        Prop.ForAll(
            ArbMap.Default.ArbFor<string>(),
            text => EndpointParser.TryParse(text, out IPEndPoint? endpoint, out string? error) ? endpoint is not null && error is null : error is not null)
            .QuickCheckThrowOnFailure();
}
