using Collectives.Transport;

namespace Collectives.Membership;

/// <summary>What a peer's single listening port accepts: data links from ring neighbours (more purposes follow).</summary>
internal sealed class PeerAcceptor(InboundRouter router) : IConnectionAcceptor
{
    public HandshakeStatus Check(HandshakeHello hello) =>
        hello.Purpose == ConnectionPurpose.Data ? HandshakeStatus.Accepted : HandshakeStatus.Refused;

    public void OnConnected(FramedConnection connection) => router.Adopt(connection);
}
