namespace Collectives.Membership;

/// <summary>The master server's number for one control connection; the master state maps connections to peers.</summary>
/// <param name="Value">A number the server never reuses while the master runs.</param>
public readonly record struct ConnectionId(long Value)
{
    /// <summary>"conn#42".</summary>
    public override string ToString() => $"conn#{Value}";
}
