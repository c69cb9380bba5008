using System.Net;
using System.Security.Cryptography.X509Certificates;
using Collectives.SharedState;
using Collectives.Transport;
using NUnit.Framework;

namespace Collectives.Tests.Security;

[TestFixture]
[NonParallelizable]
[CancelAfter(120_000)]
public class TlsTests
{
    private X509Certificate2 _authority = null!;
    private X509Certificate2 _rogueAuthority = null!;

    [OneTimeSetUp]
    public void MakeAuthorities()
    {
        _authority = TestCertificates.CreateAuthority("Collectives test run CA");
        _rogueAuthority = TestCertificates.CreateAuthority("Someone else's CA");
    }

    [OneTimeTearDown]
    public void DropAuthorities()
    {
        _authority.Dispose();
        _rogueAuthority.Dispose();
    }

    private TransportOptions Member(string name) =>
        TransportOptions.Default with { PoolSize = 2, Tls = TestCertificates.Trusting(_authority, TestCertificates.Issue(_authority, name)) };

    /// <summary>Trusts the run's CA but holds a certificate the run never issued.</summary>
    private TransportOptions Impostor(string name) =>
        TransportOptions.Default with { PoolSize = 2, Tls = TestCertificates.Trusting(_authority, TestCertificates.Issue(_rogueAuthority, name)) };

    private static HandshakeHello Hello(ConnectionPurpose purpose) => new(Collectives.Protocol.ProtocolVersion.Current, purpose, Guid.NewGuid(), 1, 0, 1);

    [Test]
    public async Task MutuallyAuthenticatedRunAllReducesAndSyncsSharedState()
    {
        await using var run = new SecureRun(Member("master"));
        for (int i = 0; i < 3; i++)
        {
            await run.JoinAsync(Member($"peer{i}"));
        }

        // Large enough to be striped over both connections of each pool and to span many TLS records.
        float[][] inputs = SecureRun.IntegerInputs(3, 300_000, seed: 11);
        float[][] outputs = await run.AllReduceSumAsync(inputs, tag: 1);
        float[] expected = SecureRun.Sum(inputs);
        Assert.That(outputs, Has.All.EqualTo(expected));

        float[][] weights = [Enumerable.Range(0, 50_000).Select(i => (float)i).ToArray(), Enumerable.Range(0, 50_000).Select(i => (float)i).ToArray(),
            new float[50_000]];
        SharedTensorSet[] sets = weights.Select((w, i) => new SharedTensorSet(i == 2 ? 0UL : 3UL, [SharedTensor.Create("w", w.AsMemory())])).ToArray();
        SharedStateSyncInfo[] infos = await Task.WhenAll(run.Peers.Select((p, i) => p.SynchronizeSharedStateAsync(sets[i]))).WaitAsync(SecureRun.Bound);
        Assert.That(weights[2], Is.EqualTo(weights[0]), "the outdated peer fetched the popular state over TLS");
        Assert.That(infos[2].RxBytes, Is.EqualTo(50_000 * sizeof(float)));
        Assert.That(run.Logs.Errors, Is.Zero, string.Join("\n", run.Logs.ErrorMessages));
    }

    [Test]
    public async Task PlainPeerCannotJoinATlsMaster()
    {
        await using var run = new SecureRun(Member("master"));
        await using var plain = new Communicator(run.Options(TransportOptions.Default));
        var error = await Assert.CatchAsync<CollectivesException>(() => plain.ConnectAsync().WaitAsync(SecureRun.Bound));
        Assert.That(error!.ErrorCode, Is.AnyOf(ErrorCode.MasterConnectionFailed, ErrorCode.AuthenticationFailed));
    }

    [Test]
    public async Task UntrustedClientCertificateIsRefusedOnTheMasterPort()
    {
        await using var run = new SecureRun(Member("master"));
        Communicator member = await run.JoinAsync(Member("member"));
        await using var impostor = new Communicator(run.Options(Impostor("impostor")));
        var error = await Assert.CatchAsync<CollectivesException>(() => impostor.ConnectAsync().WaitAsync(SecureRun.Bound));
        Assert.That(error!.ErrorCode, Is.EqualTo(ErrorCode.AuthenticationFailed), error.Message);
        TestContext.Out.WriteLine($"impostor saw: {error.Message}");
        Assert.That(member.WorldSizes.Global, Is.EqualTo(1));
        Assert.That(run.Logs.DropReasons.Keys, Has.Some.Contains("does not chain to a trusted root"), "the master logged why");
    }

    [Test]
    public async Task UntrustedMasterCertificateIsRefusedByThePeer()
    {
        await using var run = new SecureRun(Impostor("fake master"));
        await using var peer = new Communicator(run.Options(Member("peer")));
        var error = await Assert.CatchAsync<CollectivesException>(() => peer.ConnectAsync().WaitAsync(SecureRun.Bound));
        Assert.That(error!.ErrorCode, Is.EqualTo(ErrorCode.AuthenticationFailed), error.Message);
        Assert.That(error.Message, Does.Contain("does not chain to a trusted root"));
    }

    [Test]
    public async Task UntrustedClientCertificateIsRefusedOnAPeerPort()
    {
        await using var run = new SecureRun(Member("master"));
        Communicator member = await run.JoinAsync(Member("member"));
        foreach (ConnectionPurpose purpose in new[] { ConnectionPurpose.Data, ConnectionPurpose.SharedState })
        {
            var error = await Assert.CatchAsync<CollectivesException>(() => TransportConnector.ConnectAsync(member.PeerEndPoint!, Hello(purpose),
                Impostor("impostor"), ErrorCode.RankConnectionFailed, CancellationToken.None));
            Assert.That(error!.ErrorCode, Is.EqualTo(ErrorCode.AuthenticationFailed), error.Message);
        }

        // A member's certificate is accepted on the same port (the refusal above was about the certificate).
        await using FramedConnection accepted = await TransportConnector.ConnectAsync(member.PeerEndPoint!, Hello(ConnectionPurpose.Data),
            Member("other member"), ErrorCode.RankConnectionFailed, CancellationToken.None);
        Assert.That(accepted.IsBroken, Is.False);
    }

    [Test]
    public async Task UntrustedListenerOnAPeerAddressIsRefusedByTheDialler()
    {
        // An impostor listening where a peer should be: the dialling member refuses it before sending anything.
        var acceptor = new DataOnlyAcceptor();
        await using var impostor = new TransportListener(new IPEndPoint(IPAddress.Loopback, 0), Guid.NewGuid(), Collectives.Protocol.ProtocolVersion.Current,
            Impostor("impostor"), acceptor);
        impostor.Start();
        var error = await Assert.CatchAsync<CollectivesException>(() => TransportConnector.ConnectAsync(impostor.LocalEndPoint, Hello(ConnectionPurpose.Data),
            Member("member"), ErrorCode.RankConnectionFailed, CancellationToken.None));
        Assert.That(error!.ErrorCode, Is.EqualTo(ErrorCode.AuthenticationFailed), error.Message);
        Assert.That(acceptor.Connected, Is.Zero);
    }

    [Test]
    public async Task PinnedCertificatesAcceptExactlyThePinnedOnes()
    {
        using X509Certificate2 server = TestCertificates.SelfSigned("server");
        using X509Certificate2 client = TestCertificates.SelfSigned("client");
        using X509Certificate2 stranger = TestCertificates.SelfSigned("client"); // same name, different key
        X509Certificate2Collection pins = [server, client];
        TransportOptions Pinned(X509Certificate2 own) => TransportOptions.Default with { Tls = new TlsOptions { Certificate = own, PinnedCertificates = pins } };

        var acceptor = new DataOnlyAcceptor();
        await using var listener = new TransportListener(new IPEndPoint(IPAddress.Loopback, 0), Guid.NewGuid(), Collectives.Protocol.ProtocolVersion.Current,
            Pinned(server), acceptor);
        listener.Start();
        await using (FramedConnection ok = await TransportConnector.ConnectAsync(listener.LocalEndPoint, Hello(ConnectionPurpose.Data), Pinned(client),
                         ErrorCode.RankConnectionFailed, CancellationToken.None))
        {
            Assert.That(ok.IsBroken, Is.False);
        }

        var error = await Assert.CatchAsync<CollectivesException>(() => TransportConnector.ConnectAsync(listener.LocalEndPoint, Hello(ConnectionPurpose.Data),
            Pinned(stranger), ErrorCode.RankConnectionFailed, CancellationToken.None));
        Assert.That(error!.ErrorCode, Is.EqualTo(ErrorCode.AuthenticationFailed), error.Message);
        Assert.That(acceptor.Connected, Is.EqualTo(1));
    }

    [Test]
    public async Task ServerNameIsCheckedOnlyWhenConfigured()
    {
        var acceptor = new DataOnlyAcceptor();
        await using var listener = new TransportListener(new IPEndPoint(IPAddress.Loopback, 0), Guid.NewGuid(), Collectives.Protocol.ProtocolVersion.Current,
            Member("node-a.example"), acceptor);
        listener.Start();
        TransportOptions dialler = Member("node-b.example");
        await using (await TransportConnector.ConnectAsync(listener.LocalEndPoint, Hello(ConnectionPurpose.Data), dialler,
                         ErrorCode.RankConnectionFailed, CancellationToken.None))
        {
        }

        await using (await TransportConnector.ConnectAsync(listener.LocalEndPoint, Hello(ConnectionPurpose.Data),
                         dialler with { Tls = dialler.Tls! with { ServerName = "node-a.example" } }, ErrorCode.RankConnectionFailed, CancellationToken.None))
        {
        }

        var error = await Assert.CatchAsync<CollectivesException>(() => TransportConnector.ConnectAsync(listener.LocalEndPoint, Hello(ConnectionPurpose.Data),
            dialler with { Tls = dialler.Tls! with { ServerName = "node-c.example" } }, ErrorCode.RankConnectionFailed, CancellationToken.None));
        Assert.That(error!.ErrorCode, Is.EqualTo(ErrorCode.AuthenticationFailed), error.Message);
        Assert.That(error.Message, Does.Contain("does not match the server name"));
    }

    [Test]
    public void CertificateWithoutPrivateKeyIsRejectedByValidation()
    {
        using X509Certificate2 withKey = TestCertificates.Issue(_authority, "peer");
        using X509Certificate2 publicOnly = X509CertificateLoader.LoadCertificate(withKey.RawData);
        var options = TransportOptions.Default with { Tls = TestCertificates.Trusting(_authority, publicOnly) };
        Assert.Throws<ArgumentException>(options.Validate);
    }

    /// <summary>Accepts data connections and just counts them (and closes them).</summary>
    private sealed class DataOnlyAcceptor : IConnectionAcceptor
    {
        private int _connected;

        public int Connected => Volatile.Read(ref _connected);

        public HandshakeStatus Check(HandshakeHello hello) => HandshakeStatus.Accepted;

        public void OnConnected(FramedConnection connection)
        {
            Interlocked.Increment(ref _connected);
            _ = connection.DisposeAsync().AsTask();
        }
    }
}
