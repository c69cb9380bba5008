namespace Collectives.Protocol;

/// <summary>A peer's identity and the endpoint its neighbours dial.</summary>
/// <param name="Id">The peer's identity.</param>
/// <param name="Endpoint">Where it accepts data connections.</param>
public readonly record struct PeerInfo(PeerId Id, PeerEndpoint Endpoint);
