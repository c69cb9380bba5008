namespace Collectives.Transport;

/// <summary>What a connection is for; declared in the handshake so one listening port serves everything.</summary>
public enum ConnectionPurpose : byte
{
    /// <summary>Peer ↔ master control messages.</summary>
    Control = 1,
    /// <summary>Collective data between ring neighbours.</summary>
    Data = 2,
    /// <summary>Shared-state transfer from a donor to a fetching peer.</summary>
    SharedState = 3,
    /// <summary>Bandwidth measurement for topology optimisation.</summary>
    BandwidthProbe = 4,
}
