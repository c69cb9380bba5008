using System.IO.Hashing;

namespace Collectives.Protocol;

/// <summary>
/// A 64-bit digest of a ring's members in order. An optimistic start (see <see cref="Messages.CollectiveTicket"/>)
/// carries the fingerprint of the ring the peer started on, so the master can refuse a start made on a ring that is
/// no longer the group's: a run over another ring order would fold the inputs in another order.
/// </summary>
internal static class RingFingerprint
{
    /// <summary>XXH64 of the members' 16-byte wire forms, in ring order; never 0 for a non-empty ring.</summary>
    public static ulong Of(ReadOnlySpan<PeerId> ring)
    {
        var hash = new XxHash64();
        Span<byte> id = stackalloc byte[PeerId.ByteLength];
        foreach (PeerId member in ring)
        {
            member.WriteBytes(id);
            hash.Append(id);
        }

        ulong digest = hash.GetCurrentHashAsUInt64();
        return ring.IsEmpty ? 0 : Math.Max(1, digest);
    }
}
