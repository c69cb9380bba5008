using System.Collections.Immutable;
using System.Diagnostics;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using Collectives.SharedState;

namespace Collectives.Membership;

internal sealed partial class MasterState
{
    // Rounds between their decision and their outcome, by round number.
    private readonly Dictionary<ulong, SharedStateRound> _syncRounds = [];

    // The revision each group adopted at its last round that elected something. Absent before a group's first round,
    // and forgotten when a group has no accepted peer left: its state left with them, and whoever forms the group
    // anew may resume from any checkpoint.
    private readonly Dictionary<uint, ulong> _groupRevisions = [];

    // Groups where some member asked for a sync since the group's last round, so that settling after every event (most
    // are heartbeats) looks at nothing when nobody syncs.
    private readonly HashSet<uint> _collectingGroups = [];

    private ulong _lastRound;

    private void OnSyncSharedState(PeerRecord peer, SyncSharedState sync)
    {
        string? refusal = peer switch
        {
            { State: not PeerLifecycle.Accepted } => "asked for a shared-state sync before being accepted",
            { IsSyncing: true } => "asked for a shared-state sync while its previous one is in flight",
            { Voted: true } => "asked for a shared-state sync while its topology vote is pending",
            { IsOptimizing: true } => "asked for a shared-state sync while in an optimize-topology call",
            _ => null,
        };
        SharedStateSubmission<PeerId>? submission = refusal is null ? ToSubmission(peer.Id, sync, out refusal) : null;
        if (submission is null)
        {
            Kick(peer, ErrorCode.ProtocolViolation, refusal!);
            return;
        }

        peer.PendingSync = submission;
        _collectingGroups.Add(peer.Group);
    }

    /// <summary>
    /// The checks that need nothing but the request itself (the codec made them already for what came off the wire),
    /// so that a malformed request costs its sender its place at once rather than when the round is decided.
    /// </summary>
    private static SharedStateSubmission<PeerId>? ToSubmission(PeerId peer, SyncSharedState sync, out string? error)
    {
        var strategy = (SharedStateStrategy)sync.Strategy;
        if (!Enum.IsDefined(strategy))
        {
            error = $"asked for a shared-state sync with undefined strategy {sync.Strategy}";
            return null;
        }

        var entries = new SharedStateEntry[sync.Entries.Count];
        for (int i = 0; i < entries.Length; i++)
        {
            SharedStateEntryInfo entry = sync.Entries[i];
            entries[i] = new SharedStateEntry(entry.Name, entry.DataType, entry.Count, entry.Hash, entry.AllowContentInequality);
        }

        if (!DeclaredState.TryCreate(entries, out _, out string? invalid))
        {
            error = "asked for a shared-state sync with a malformed state: " + invalid;
            return null;
        }

        error = null;
        return new SharedStateSubmission<PeerId>(peer, sync.Revision, strategy, entries);
    }

    /// <summary>
    /// Decides the round of every group whose accepted members have all asked. Members cannot vote while they wait
    /// here, so no establish phase can change a group that collects requests: only removals, which this re-evaluates.
    /// </summary>
    private void SettleSharedStateSync()
    {
        if (_collectingGroups.Count == 0)
        {
            return;
        }

        foreach (uint group in _collectingGroups.ToList())
        {
            if (!_rings.TryGetValue(group, out List<PeerId>? ring) || !ring.Exists(id => _peers[id].PendingSync is not null))
            {
                _collectingGroups.Remove(group); // everyone who asked has left
            }
            else if (ring.TrueForAll(id => _peers[id].PendingSync is not null))
            {
                _collectingGroups.Remove(group);
                DecideSyncRound(group, ring.ConvertAll(id => _peers[id]));
            }
        }
    }

    private void DecideSyncRound(uint group, List<PeerRecord> members)
    {
        ulong number = ++_lastRound;
        var submissions = members.ConvertAll(member => member.PendingSync!);
        members.ForEach(member => member.PendingSync = null);
        ulong? previous = _groupRevisions.TryGetValue(group, out ulong revision) ? revision : null;
        SharedStateDecision<PeerId> decision = SharedStateElection.Decide(previous, submissions);
        if (decision.ElectedEntries is not null)
        {
            _groupRevisions[group] = decision.Revision!.Value;
        }

        var round = new SharedStateRound(number, group, decision.Revision ?? 0);
        var violators = new List<(PeerRecord Peer, ViolationOutcome<PeerId> Violation)>();
        foreach (SharedStateOutcome<PeerId> outcome in decision.Outcomes)
        {
            PeerRecord peer = _peers[outcome.Peer];
            switch (outcome)
            {
                case ViolationOutcome<PeerId> { Code: ErrorCode.NoSharedStateAvailable } unavailable:
                    Send(peer, new SharedStateSyncFailed(number, unavailable.Code, unavailable.Reason));
                    break;
                case ViolationOutcome<PeerId> violation:
                    violators.Add((peer, violation));
                    break;
                case UpToDateOutcome<PeerId> upToDate:
                    Participate(round, peer, upToDate.IsDonor, []);
                    break;
                case FetchOutcome<PeerId> fetch:
                    Participate(round, peer, isDonor: false, fetch.Transfers.Select(ToWire).ToImmutableArray());
                    break;
            }
        }

        if (round.Participants.Count > 0)
        {
            Debug.Assert(decision.ElectedEntries is not null, "participants imply an elected state");
            _syncRounds.Add(number, round);
        }

        // Violators are not participants, so removing them affects the round no more than any other departure would.
        foreach (var (peer, violation) in violators)
        {
            Kick(peer, violation.Code, $"shared-state sync round {number}: {violation.Reason}");
        }
    }

    private void Participate(SharedStateRound round, PeerRecord peer, bool isDonor, ImmutableArray<SharedStateTransferInfo> transfers)
    {
        round.Participants.Add(peer.Id);
        peer.SyncRound = round;
        Send(peer, new SharedStateDecision(round.Number, round.Revision, isDonor, transfers));
    }

    private static SharedStateTransferInfo ToWire(EntryTransfer<PeerId> transfer) => new(
        transfer.Name,
        transfer.ExpectedHash,
        transfer.ByteLength,
        transfer.Slices.Select(slice => new SharedStateSliceInfo(slice.Donor, slice.Offset, slice.Length)).ToImmutableArray());

    private void OnTransferDone(PeerRecord peer, SharedStateTransferDone done)
    {
        if (peer.State != PeerLifecycle.Accepted)
        {
            Kick(peer, ErrorCode.ProtocolViolation, "reported a shared-state transfer before being accepted");
            return;
        }

        if (done.Round == 0 || done.Round > _lastRound)
        {
            Kick(peer, ErrorCode.ProtocolViolation, $"reported shared-state round {done.Round}, which was never issued");
            return;
        }

        if (!_syncRounds.TryGetValue(done.Round, out SharedStateRound? round))
        {
            return; // The outcome is out already (a departure overtook this answer): nothing left to decide.
        }

        string? refusal = peer.SyncRound != round ? $"reported shared-state round {done.Round}, which it does not take part in"
            : round.Answered.Contains(peer.Id) ? $"reported shared-state round {done.Round} twice"
            : null;
        if (refusal is not null)
        {
            Kick(peer, ErrorCode.ProtocolViolation, refusal);
            return;
        }

        round.Answered.Add(peer.Id);

        // Unlike a collective, one failed fetch does not end the round early: the donors keep serving the other
        // fetchers, whose work is not wasted; everyone hears the one outcome when the last answer is in.
        if (!done.Success)
        {
            round.Failure ??= (done.ErrorCode, $"peer {peer.Id} failed its transfers: {done.Reason}");
        }

        if (round.Answered.Count == round.Participants.Count)
        {
            var (code, reason) = round.Failure ?? (ErrorCode.Success, string.Empty);
            EndSyncRound(round, code, reason);
        }
    }

    /// <summary>The one outcome of a round, to every participant still present.</summary>
    private void EndSyncRound(SharedStateRound round, ErrorCode code, string reason)
    {
        _syncRounds.Remove(round.Number);
        var complete = new SharedStateSyncComplete(round.Number, code == ErrorCode.Success, code, reason);
        foreach (PeerId id in round.Participants)
        {
            if (_peers.TryGetValue(id, out PeerRecord? participant) && participant.SyncRound == round)
            {
                participant.SyncRound = null;
                Send(participant, complete);
            }
        }
    }

    /// <summary>
    /// A departing peer stops being waited for by its group's collection (re-evaluated in <see cref="Settle"/>), and a
    /// round it takes part in fails for everyone else at once: donors may be gone, so nobody may wait for its transfers.
    /// </summary>
    private void ReleaseSharedStateSync(PeerRecord peer, string reason)
    {
        peer.PendingSync = null;
        if (peer.SyncRound is { } round)
        {
            peer.SyncRound = null;
            if (_syncRounds.ContainsKey(round.Number))
            {
                EndSyncRound(round, ErrorCode.RankConnectionLost, $"peer {peer.Id} {reason}");
            }
        }
    }
}
