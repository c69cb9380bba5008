namespace Collectives.Protocol;

/// <summary>The sizes of the run as one peer sees them (all counts are of accepted peers).</summary>
/// <param name="Global">Accepted peers in the run.</param>
/// <param name="PeerGroup">Accepted peers in the receiver's peer group.</param>
/// <param name="NumPeerGroups">Peer groups with at least one accepted peer.</param>
/// <param name="LargestPeerGroup">Accepted peers in the largest peer group.</param>
public readonly record struct WorldSizes(int Global, int PeerGroup, int NumPeerGroups, int LargestPeerGroup);
