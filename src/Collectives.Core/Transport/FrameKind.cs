namespace Collectives.Transport;

/// <summary>What a frame carries. The transport routes on it and never looks inside the payload.</summary>
public enum FrameKind : byte
{
    /// <summary>The first frame each side sends: protocol version, identity, pool and slot.</summary>
    Handshake = 1,
    /// <summary>One control message (its encoding belongs to the protocol layer).</summary>
    Control = 2,
    /// <summary>A piece of a tagged data stream, placed at <see cref="FrameHeader.Offset"/> by the receiver.</summary>
    Data = 3,
}
