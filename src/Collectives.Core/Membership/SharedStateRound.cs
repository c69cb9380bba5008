using Collectives.Protocol;

namespace Collectives.Membership;

/// <summary>
/// A shared-state sync round after its decision: the peers told to take part (up to date or fetching) and their
/// transfer-done answers, until every participant is told the one outcome.
/// </summary>
internal sealed class SharedStateRound
{
    public SharedStateRound(ulong number, uint group, ulong revision)
    {
        Number = number;
        Group = group;
        Revision = revision;
    }

    public ulong Number { get; }

    public uint Group { get; }

    /// <summary>The elected revision every participant was told.</summary>
    public ulong Revision { get; }

    /// <summary>Peers sent a decision, in peer order.</summary>
    public List<PeerId> Participants { get; } = [];

    public HashSet<PeerId> Answered { get; } = [];

    /// <summary>The first failed answer, which the round's failure reports; null while every answer was a success.</summary>
    public (ErrorCode Code, string Reason)? Failure { get; set; }
}
