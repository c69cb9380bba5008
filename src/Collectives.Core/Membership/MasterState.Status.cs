using System.Collections.ObjectModel;
using Collectives.Protocol;

namespace Collectives.Membership;

internal sealed partial class MasterState
{
    /// <summary>A snapshot of the state, for status displays and tests; allocates, so not for every event.</summary>
    public MasterStatus GetStatus()
    {
        var peers = _connections.Values
            .OrderBy(p => p.Connection.Value)
            .Select(p => new PeerStatus(
                p.Connection,
                p.State,
                p.IsRegistered ? p.Id : null,
                p.IsRegistered ? p.Group : null,
                p.IsRegistered ? p.Endpoint : null,
                p.Voted,
                p.AskedPeersPending,
                p.InFlight.Keys.Order().ToArray(),
                p.LastHeard,
                p.IsSyncing))
            .ToArray();
        var rings = new ReadOnlyDictionary<uint, IReadOnlyList<PeerId>>(
            _rings.ToDictionary(entry => entry.Key, entry => (IReadOnlyList<PeerId>)entry.Value.ToArray()));
        var collectives = _initiating.Values.Concat(_commenced.Values)
            .Select(op => new CollectiveStatus(
                op.Group, op.Tag, op.Seq, op.Descriptor, op.Rejected, op.Initiators.ToArray(), op.Participants.ToArray(), op.Reported.ToArray()))
            .ToArray();
        return new MasterStatus(
            _epoch, _lastSeq, _phase?.Epoch, peers, rings, collectives, _lastRound,
            new ReadOnlyDictionary<uint, ulong>(new Dictionary<uint, ulong>(_groupRevisions)), SharedStateSyncsInFlight(), _reducedBytes);
    }

    private SharedStateSyncStatus[] SharedStateSyncsInFlight()
    {
        var collecting = _rings
            .Select(entry => (Group: entry.Key, Asked: entry.Value.Where(id => _peers[id].PendingSync is not null).Order().ToArray()))
            .Where(group => group.Asked.Length > 0)
            .Select(group => new SharedStateSyncStatus(
                group.Group, 0, _groupRevisions.TryGetValue(group.Group, out ulong revision) ? revision : null, group.Asked, []));
        var decided = _syncRounds.Values
            .Select(round => new SharedStateSyncStatus(
                round.Group, round.Number, round.Revision, round.Participants.ToArray(), round.Answered.Order().ToArray()));
        return collecting.Concat(decided).OrderBy(sync => sync.Group).ThenBy(sync => sync.Round).ToArray();
    }

    /// <summary>World sizes as a member of <paramref name="group"/> sees them (counts of accepted peers).</summary>
    public WorldSizes WorldSizesOf(uint group) => new(
        Global: _rings.Values.Sum(ring => ring.Count),
        PeerGroup: _rings.TryGetValue(group, out var ring) ? ring.Count : 0,
        NumPeerGroups: _rings.Count,
        LargestPeerGroup: _rings.Count == 0 ? 0 : _rings.Values.Max(r => r.Count));
}
