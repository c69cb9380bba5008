using Collectives.Protocol;

namespace Collectives.Membership;

/// <summary>
/// A running establish-connections phase: the prospective ring of every group (accepted peers in their previous
/// order, then the joiners) and who answered the current epoch.
/// </summary>
internal sealed class EstablishPhase
{
    public EstablishPhase(Dictionary<uint, List<PeerId>> rings) => Rings = rings;

    public ulong Epoch { get; set; }

    public Dictionary<uint, List<PeerId>> Rings { get; }

    public HashSet<PeerId> Answered { get; } = [];

    /// <summary>A participant left or was removed: the rings changed and everyone must establish again.</summary>
    public bool NeedsRestart { get; set; }

    public IEnumerable<PeerId> Participants => Rings.Values.SelectMany(ring => ring);

    public bool Contains(PeerRecord peer) => Rings.TryGetValue(peer.Group, out var ring) && ring.Contains(peer.Id);

    public void Remove(PeerRecord peer)
    {
        if (Rings.TryGetValue(peer.Group, out var ring) && ring.Remove(peer.Id))
        {
            if (ring.Count == 0)
            {
                Rings.Remove(peer.Group);
            }

            NeedsRestart = true;
        }
    }

    /// <summary>True when <paramref name="other"/> is next to <paramref name="peer"/> in the prospective ring of their group.</summary>
    public bool AreNeighbours(PeerRecord peer, PeerId other)
    {
        if (!Rings.TryGetValue(peer.Group, out var ring) || ring.Count < 2 || other == peer.Id)
        {
            return false;
        }

        int index = ring.IndexOf(peer.Id);
        return index >= 0 && (ring[(index + 1) % ring.Count] == other || ring[(index + ring.Count - 1) % ring.Count] == other);
    }
}
