using System.Net;
using Collectives.Protocol;
using Collectives.Topology;
using Collectives.Transport;
using NUnit.Framework;

namespace Collectives.Tests.Topology;

/// <summary>The TCP probe against a real <see cref="BandwidthProbeServer"/> on loopback, and the report's arithmetic.</summary>
[CancelAfter(60_000)]
public class BandwidthProbeTests
{
    private static readonly PeerId Target = new(9, 9);

    private sealed class ProbeAcceptor(BandwidthProbeServer server) : IConnectionAcceptor
    {
        public HandshakeStatus Check(HandshakeHello hello) =>
            hello.Purpose == ConnectionPurpose.BandwidthProbe ? HandshakeStatus.Accepted : HandshakeStatus.Refused;

        public void OnConnected(FramedConnection connection) => server.Adopt(connection);
    }

    private sealed class RefusingAcceptor : IConnectionAcceptor
    {
        public HandshakeStatus Check(HandshakeHello hello) => HandshakeStatus.Refused;

        public void OnConnected(FramedConnection connection) => throw new InvalidOperationException("refused connections never arrive");
    }

    private static TransportOptions Options => TransportOptions.Default with { ConnectTimeout = TimeSpan.FromSeconds(5) };

    private static PeerInfo At(IPEndPoint endpoint) => new(Target, PeerEndpoint.FromIPEndPoint(endpoint));

    [Test]
    public async Task MeasuresLoopbackWithinTheProbesBound()
    {
        var server = new BandwidthProbeServer();
        await using var listener = new TransportListener(new IPEndPoint(IPAddress.Loopback, 0), Guid.NewGuid(), ProtocolVersion.Current, Options, new ProbeAcceptor(server));
        listener.Start();
        var prober = new TcpBandwidthProber(Options, () => Guid.NewGuid(), TimeSpan.FromSeconds(5));

        double rate = await prober.MeasureAsync(At(listener.LocalEndPoint), connections: 3, TimeSpan.FromMilliseconds(150), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(rate, Is.GreaterThan(1e6), "loopback moves well over a megabyte per second");
        Assert.That(double.IsFinite(rate), Is.True);
    }

    [Test]
    public async Task ARefusingOrAbsentPeerFailsTheProbeWithATypedError()
    {
        await using var refusing = new TransportListener(new IPEndPoint(IPAddress.Loopback, 0), Guid.NewGuid(), ProtocolVersion.Current, Options, new RefusingAcceptor());
        refusing.Start();
        var prober = new TcpBandwidthProber(Options, () => Guid.NewGuid(), TimeSpan.FromSeconds(1));
        await Assert.CatchAsync<CollectivesException>(() => prober.MeasureAsync(At(refusing.LocalEndPoint), 2, TimeSpan.FromMilliseconds(50), CancellationToken.None));

        IPEndPoint closed = refusing.LocalEndPoint;
        await refusing.DisposeAsync();
        await Assert.CatchAsync<CollectivesException>(() => prober.MeasureAsync(At(closed), 2, TimeSpan.FromMilliseconds(50), CancellationToken.None));
    }

    [Test]
    public void ReportsRoundTripAndMalformedOnesAreViolations()
    {
        var report = new ProbeReport(123_456, 1_000, 9_000);
        var bytes = new byte[ProbeReport.Size];
        report.Write(bytes);
        Assert.That(ProbeReport.Read(bytes), Is.EqualTo(report));

        Assert.Throws<ProtocolViolationException>(() => ProbeReport.Read(bytes.AsSpan(1)));
        new ProbeReport(-1, 0, 0).Write(bytes);
        Assert.Throws<ProtocolViolationException>(() => ProbeReport.Read(bytes));
        new ProbeReport(1, 10, 5).Write(bytes);
        Assert.Throws<ProtocolViolationException>(() => ProbeReport.Read(bytes));
    }

    [Test]
    public void ThroughputAddsTheConnectionsRates()
    {
        // 1 MB over 1 s and 3 MB over 2 s on two connections side by side: 1 + 1.5 MB/s.
        double rate = ProbeReport.Throughput([new ProbeReport(1_000_000, 0, 1_000_000_000), new ProbeReport(3_000_000, 500_000_000, 2_500_000_000)]);
        Assert.That(rate, Is.EqualTo(2.5e6).Within(1e-6));
        Assert.That(ProbeReport.Throughput([new ProbeReport(0, 5, 5)]), Is.NaN, "a single frame times nothing");
        Assert.That(ProbeReport.Throughput([]), Is.NaN);
    }
}
