namespace Collectives.Membership;

/// <summary>Where a control connection's peer is in its life with the master.</summary>
public enum PeerLifecycle
{
    /// <summary>Connected, not registered yet.</summary>
    Connected = 0,
    /// <summary>Registered and waiting for the accepted peers to vote it in.</summary>
    Registered = 1,
    /// <summary>Voted in; establishing data connections for the new ring.</summary>
    Joining = 2,
    /// <summary>A member of its group's ring.</summary>
    Accepted = 3,
}
