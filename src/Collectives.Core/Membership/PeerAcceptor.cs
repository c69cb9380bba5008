using Collectives.SharedState;
using Collectives.Topology;
using Collectives.Transport;

namespace Collectives.Membership;

/// <summary>What a peer's single listening port accepts: data links from ring neighbours, shared-state fetches and bandwidth probes.</summary>
internal sealed class PeerAcceptor(InboundRouter router, SharedStateServer sharedState, BandwidthProbeServer probes) : IConnectionAcceptor
{
    public HandshakeStatus Check(HandshakeHello hello) =>
        hello.Purpose is ConnectionPurpose.Data or ConnectionPurpose.SharedState or ConnectionPurpose.BandwidthProbe ? HandshakeStatus.Accepted : HandshakeStatus.Refused;

    public void OnConnected(FramedConnection connection)
    {
        if (connection.Hello.Purpose == ConnectionPurpose.SharedState)
        {
            sharedState.Adopt(connection);
        }
        else if (connection.Hello.Purpose == ConnectionPurpose.BandwidthProbe)
        {
            probes.Adopt(connection);
        }
        else
        {
            router.Adopt(connection);
        }
    }
}
