using Collectives.SharedState;
using Collectives.Transport;

namespace Collectives.Membership;

/// <summary>What a peer's single listening port accepts: data links from ring neighbours and shared-state fetches.</summary>
internal sealed class PeerAcceptor(InboundRouter router, SharedStateServer sharedState) : IConnectionAcceptor
{
    public HandshakeStatus Check(HandshakeHello hello) =>
        hello.Purpose is ConnectionPurpose.Data or ConnectionPurpose.SharedState ? HandshakeStatus.Accepted : HandshakeStatus.Refused;

    public void OnConnected(FramedConnection connection)
    {
        if (connection.Hello.Purpose == ConnectionPurpose.SharedState)
        {
            sharedState.Adopt(connection);
        }
        else
        {
            router.Adopt(connection);
        }
    }
}
