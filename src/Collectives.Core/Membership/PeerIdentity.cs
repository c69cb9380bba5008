using Collectives.Protocol;

namespace Collectives.Membership;

/// <summary>Converts between the protocol's <see cref="PeerId"/> and the transport's handshake identity (a <see cref="Guid"/>).</summary>
internal static class PeerIdentity
{
    public static Guid ToGuid(this PeerId id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.WriteBytes(bytes);
        return new Guid(bytes);
    }

    public static PeerId ToPeerId(this Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        return PeerId.FromBytes(bytes);
    }
}
