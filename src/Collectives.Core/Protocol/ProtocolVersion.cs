namespace Collectives.Protocol;

/// <summary>The wire protocol version, exchanged in every handshake; peers with another version are refused.</summary>
public static class ProtocolVersion
{
    /// <summary>The version this build speaks.</summary>
    public const int Current = 2;
}
