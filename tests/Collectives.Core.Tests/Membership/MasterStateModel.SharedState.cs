using System.Buffers;
using System.Collections.Immutable;
using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using Collectives.SharedState;

namespace Collectives.Tests.Membership;

/// <summary>The shared state every simulated peer holds: one schema, contents as hashes.</summary>
internal static class SharedStateModel
{
    public const int RngIndex = 3;

    /// <summary>Small tensors, one far above the split threshold (so donors share it), and one that may differ.</summary>
    public static readonly SharedStateEntryInfo[] Schema =
    [
        new("w", DataType.Float32, 1000, 0, false),
        new("m", DataType.BFloat16, 100_000_000, 0, false),
        new("step", DataType.Int64, 1, 0, false),
        new("rng", DataType.UInt64, 4, 0, true),
    ];

    public static ImmutableArray<SharedStateEntryInfo> Entries(ulong[] hashes) =>
        Schema.Select((entry, i) => entry with { Hash = hashes[i] }).ToImmutableArray();

    public static int IndexOf(string name) => Array.FindIndex(Schema, entry => entry.Name == name);

    public static ulong ByteLength(int index) => Schema[index].Count * (ulong)DataTypes.SizeOf(Schema[index].DataType);

    /// <summary>A training step: the same content and revision give the same next content on every peer.</summary>
    public static ulong Step(ulong hash, ulong revision) => ((hash ^ revision) * 0x9E3779B97F4A7C15UL) + 1;
}

internal sealed partial class MasterStateModel
{
    // Requests sent and not yet answered by a decision or a failure, with what they declared.
    private readonly Dictionary<ConnectionId, SyncRequest> _syncRequests = [];

    // Rounds with a participant that has not been told the outcome yet.
    private readonly Dictionary<ulong, RoundLedger> _rounds = [];
    private readonly List<RoundLedger> _roundsToVerify = [];
    private readonly Dictionary<uint, ulong> _revisionsTold = [];

    // Peers that asked with a revision jumping ahead of their group's: the master must kick them, and only them.
    private readonly HashSet<ConnectionId> _jumpers = [];
    private ulong _lastRoundSeen;

    private sealed record SyncRequest(ulong Revision, SharedStateStrategy Strategy, ulong[] Hashes);

    private sealed class RoundLedger(ulong number, uint group, ulong revision)
    {
        public ulong Number { get; } = number;

        public uint Group { get; } = group;

        public ulong Revision { get; } = revision;

        public Dictionary<ConnectionId, (SharedStateDecision Decision, SyncRequest Request)> Participants { get; } = [];

        public HashSet<ConnectionId> Awaiting { get; } = [];

        public Dictionary<ConnectionId, bool> Reported { get; } = [];

        /// <summary>Every participant's content once its transfers are done; all must be equal.</summary>
        public ulong[]? Content { get; set; }

        public bool LostParticipant { get; set; }

        public (bool Success, ErrorCode Code)? Outcome { get; set; }
    }

    private static void InitialContent(SimulatedPeer peer, int variant)
    {
        for (int i = 0; i < peer.Hashes.Length; i++)
        {
            peer.Hashes[i] = (ulong)((1000 * variant) + i + 1);
        }

        peer.Hashes[SharedStateModel.RngIndex] = (ulong)peer.Connection.Value;
    }

    private static bool CanSync(SimulatedPeer peer) => peer.State == SimulatedPeer.View.Accepted && !peer.Voting && !peer.InSync;

    /// <summary>An honest request: the adopted revision, or the next one after a training step.</summary>
    private void Sync(SimulatedPeer peer, bool advance, SharedStateStrategy strategy, bool diverge)
    {
        ulong revision = peer.Revision + (advance ? 1UL : 0UL);
        if (advance)
        {
            for (int i = 0; i < peer.Hashes.Length; i++)
            {
                peer.Hashes[i] = SharedStateModel.Step(peer.Hashes[i], i == SharedStateModel.RngIndex ? (ulong)peer.Connection.Value : revision);
            }
        }

        if (diverge)
        {
            peer.Hashes[0] ^= 0xdead;
        }

        Request(peer, revision, strategy);
        Honest(peer, new SyncSharedState(revision, (byte)strategy, SharedStateModel.Entries(peer.Hashes)));
    }

    /// <summary>A request whose revision jumps ahead of the group's: legal to send, but the election must kick it.</summary>
    private void SyncAhead(SimulatedPeer peer, int arg)
    {
        if (!_master.GetStatus().SharedStateRevisions.TryGetValue(peer.Group, out ulong group))
        {
            Sync(peer, advance: true, SharedStateStrategy.EnforcePopular, diverge: false);
            return;
        }

        ulong revision = group + 2 + (ulong)(arg % 3);
        _jumpers.Add(peer.Connection);
        Request(peer, revision, SharedStateStrategy.EnforcePopular);
        Say(peer);
        _master.Received(peer.Connection, new SyncSharedState(revision, 0, SharedStateModel.Entries(peer.Hashes)), _now);
        Drain(allowedCloses: []);
    }

    private void Request(SimulatedPeer peer, ulong revision, SharedStateStrategy strategy)
    {
        peer.Syncing = true;
        _syncRequests[peer.Connection] = new SyncRequest(revision, strategy, (ulong[])peer.Hashes.Clone());
        Stats.SyncRequests++;
    }

    private void GroupSyncs(SimulatedPeer first, int arg, int option)
    {
        var members = Acting.Where(p => p.Group == first.Group && CanSync(p)).ToList();
        for (int i = 0; i < members.Count; i++)
        {
            bool receiveOnly = option % 9 == 0 || (i == 0 && option % 4 == 0);
            Sync(members[i], advance: arg % 3 != 0, receiveOnly ? SharedStateStrategy.ReceiveOnly : SharedStateStrategy.EnforcePopular, diverge: i == 1 && option % 5 == 0);
        }
    }

    /// <summary>The peer fetched (or failed to) what its decision named, and says so.</summary>
    private void FinishTransfer(SimulatedPeer peer, bool ok)
    {
        SharedStateDecision decision = peer.Decision!;
        peer.AnsweredTransfer = true;
        if (ok)
        {
            foreach (SharedStateTransferInfo transfer in decision.Transfers)
            {
                peer.Hashes[SharedStateModel.IndexOf(transfer.Name)] = transfer.ExpectedHash;
            }
        }

        if (_rounds.TryGetValue(decision.Round, out RoundLedger? ledger))
        {
            ledger.Reported[peer.Connection] = ok;
        }

        Honest(peer, ok
            ? new SharedStateTransferDone(decision.Round, true, ErrorCode.Success, "")
            : new SharedStateTransferDone(decision.Round, false, ErrorCode.RankConnectionLost, "donor link broke"));
    }

    private void RecordSharedState(SimulatedPeer peer, ServerMessage message)
    {
        switch (message)
        {
            case SharedStateDecision decision:
                RecordDecision(peer, decision);
                break;
            case SharedStateSyncFailed failed:
                Ensure(_syncRequests.Remove(peer.Connection, out SyncRequest? request), () => $"{peer} told its sync failed without asking");
                Ensure(failed.ErrorCode == ErrorCode.NoSharedStateAvailable && request!.Strategy == SharedStateStrategy.ReceiveOnly,
                    () => $"{peer} ({request!.Strategy}) failed its sync with {failed.ErrorCode}: {failed.Reason}");
                NoteRound(failed.Round);
                Stats.SyncUnavailable++;
                break;
            case SharedStateSyncComplete complete:
                RecordComplete(peer, complete);
                break;
        }
    }

    private void NoteRound(ulong round)
    {
        // A round's answers all go out when it is decided, so round numbers appear in increasing order.
        Ensure(round >= _lastRoundSeen, () => $"round {round} answered after round {_lastRoundSeen}");
        _lastRoundSeen = Math.Max(_lastRoundSeen, round);
    }

    private void RecordDecision(SimulatedPeer peer, SharedStateDecision decision)
    {
        Ensure(_syncRequests.Remove(peer.Connection, out SyncRequest? request), () => $"{peer} got a decision without asking");
        Ensure(!_jumpers.Contains(peer.Connection), () => $"{peer} jumped ahead of its group's revision yet takes part in round {decision.Round}");
        Ensure(ControlMessageCodec.ReadServerMessage(new ReadOnlySequence<byte>(Encoded(decision)), ProtocolLimits.Default).Equals(decision),
            () => $"the decision for {peer} does not read back as itself");
        NoteRound(decision.Round);
        if (!_rounds.TryGetValue(decision.Round, out RoundLedger? ledger))
        {
            ledger = new RoundLedger(decision.Round, peer.Group, decision.Revision);
            _rounds.Add(decision.Round, ledger);
            _roundsToVerify.Add(ledger);
            Stats.SyncRounds++;
        }

        Ensure(ledger.Revision == decision.Revision && ledger.Group == peer.Group,
            () => $"{peer} was told revision {decision.Revision} in round {decision.Round} of group {ledger.Group} at revision {ledger.Revision}");

        // What the peer holds once its transfers are done: exactly the elected content, the same for every participant.
        ulong[] content = (ulong[])request!.Hashes.Clone();
        foreach (SharedStateTransferInfo transfer in decision.Transfers)
        {
            int index = SharedStateModel.IndexOf(transfer.Name);
            Ensure(index >= 0 && index != SharedStateModel.RngIndex, () => $"{peer} told to fetch '{transfer.Name}'");
            Ensure(request.Hashes[index] != transfer.ExpectedHash, () => $"{peer} told to fetch '{transfer.Name}', which it holds already");
            Ensure(transfer.ByteLength == SharedStateModel.ByteLength(index), () => $"'{transfer.Name}' has the wrong length");
            content[index] = transfer.ExpectedHash;
            Stats.StripedTransfers += transfer.Slices.Select(s => s.Donor).Distinct().Count() > 1 ? 1 : 0;
        }

        content[SharedStateModel.RngIndex] = 0;
        ledger.Content ??= content;
        Ensure(content.SequenceEqual(ledger.Content), () => $"{peer} ends round {decision.Round} with other content than the first participant");
        bool upToDate = decision.Transfers.Count == 0 && request.Revision == decision.Revision;
        Ensure(decision.IsDonor == (upToDate && request.Strategy != SharedStateStrategy.ReceiveOnly),
            () => $"{peer} ({request.Strategy} at {request.Revision}) told isDonor={decision.IsDonor}");

        ledger.Participants.Add(peer.Connection, (decision, request));
        ledger.Awaiting.Add(peer.Connection);
        _revisionsTold[peer.Group] = decision.Revision;
        Stats.Fetchers += decision.Transfers.Count > 0 ? 1 : 0;
    }

    private void RecordComplete(SimulatedPeer peer, SharedStateSyncComplete complete)
    {
        Ensure(_rounds.TryGetValue(complete.Round, out RoundLedger? ledger), () => $"{peer} told round {complete.Round} ended, which is not running");
        Ensure(ledger!.Awaiting.Remove(peer.Connection), () => $"{peer} told round {complete.Round} ended twice, or without taking part");
        bool everyoneOk = ledger.Reported.Count == ledger.Participants.Count && ledger.Reported.Values.All(ok => ok);
        bool someoneFailed = ledger.Reported.Count == ledger.Participants.Count && !everyoneOk;
        Ensure(complete.Success ? everyoneOk && !ledger.LostParticipant
                : ledger.LostParticipant ? complete.ErrorCode == ErrorCode.RankConnectionLost : someoneFailed,
            () => $"round {complete.Round} ended with {complete.Success}/{complete.ErrorCode} after {ledger.Reported.Count} of {ledger.Participants.Count} answers (lost: {ledger.LostParticipant})");
        ledger.Outcome ??= (complete.Success, complete.ErrorCode);
        Ensure(ledger.Outcome == (complete.Success, complete.ErrorCode), () => $"participants of round {complete.Round} were told different outcomes");
        if (ledger.Awaiting.Count == 0)
        {
            _rounds.Remove(ledger.Number);
            Stats.SyncSucceeded += complete.Success ? 1 : 0;
            Stats.SyncRoundsFailed += complete.Success ? 0 : 1;
        }
    }

    /// <summary>Slices name donors of the same round only: peers told they are donors there.</summary>
    private void VerifyNewRounds()
    {
        foreach (RoundLedger ledger in _roundsToVerify)
        {
            var donors = ledger.Participants.Where(p => p.Value.Decision.IsDonor)
                .Select(p => _peers.Single(peer => peer.Connection == p.Key).Id).ToHashSet();
            foreach (var (connection, (decision, _)) in ledger.Participants)
            {
                foreach (SharedStateSliceInfo slice in decision.Transfers.SelectMany(t => t.Slices))
                {
                    Ensure(donors.Contains(slice.Donor), () => $"{connection} told to fetch from {slice.Donor}, not a donor of round {ledger.Number}");
                }
            }
        }

        _roundsToVerify.Clear();
    }

    private void ForgetSharedState(SimulatedPeer peer)
    {
        _syncRequests.Remove(peer.Connection);
        _jumpers.Remove(peer.Connection);
        foreach (RoundLedger ledger in _rounds.Values.ToList())
        {
            // Gone before hearing the outcome: everyone else must hear it now (checked after the step).
            if (ledger.Awaiting.Remove(peer.Connection) && ledger.Awaiting.Count > 0)
            {
                ledger.LostParticipant = true;
            }

            if (ledger.Awaiting.Count == 0)
            {
                _rounds.Remove(ledger.Number);
            }
        }
    }

    private void CheckSharedStateInvariants(MasterStatus status)
    {
        foreach (RoundLedger ledger in _rounds.Values)
        {
            Ensure(!ledger.LostParticipant, () => $"participants of round {ledger.Number} still wait after a participant left");
        }

        var syncing = status.Peers.Where(p => p.SynchronizingSharedState).Select(p => p.Connection).ToHashSet();
        var expected = _syncRequests.Keys.Concat(_rounds.Values.SelectMany(r => r.Awaiting)).ToHashSet();
        Ensure(syncing.SetEquals(expected), () => $"the master has [{string.Join(",", syncing)}] syncing, the peers were told as if [{string.Join(",", expected)}]");
        Ensure(status.Peers.Where(p => p.SynchronizingSharedState).All(p => p.State == PeerLifecycle.Accepted), () => "a peer that is not accepted syncs");
        var decided = status.SharedStateSyncs.Where(s => s.Round != 0).Select(s => s.Round).ToHashSet();
        Ensure(decided.SetEquals(_rounds.Keys), () => "the master's running rounds differ from the ones with participants waiting");
        foreach (var (group, revision) in status.SharedStateRevisions)
        {
            Ensure(_revisionsTold.TryGetValue(group, out ulong told) && told == revision,
                () => $"group {group} is at revision {revision} but was last told another");
        }
    }

    private bool FinishOpenTransfers()
    {
        bool progress = false;
        foreach (SimulatedPeer peer in Acting.Where(p => p.Decision is not null && !p.AnsweredTransfer).ToList())
        {
            FinishTransfer(peer, ok: true);
            progress = true;
        }

        return progress;
    }

    /// <summary>Members that have not asked for a sync another member of their group waits in ask for one.</summary>
    private bool JoinWaitingSyncs()
    {
        bool progress = false;
        foreach (uint group in Acting.Where(p => p.Syncing).Select(p => p.Group).Distinct().ToList())
        {
            foreach (SimulatedPeer peer in Acting.Where(p => p.Group == group && CanSync(p)).ToList())
            {
                Sync(peer, advance: false, SharedStateStrategy.EnforcePopular, diverge: false);
                progress = true;
            }
        }

        return progress;
    }

    private void CheckSyncsEnded(MasterStatus status)
    {
        Ensure(status.SharedStateSyncs.Count == 0, () => "a shared-state sync never ended");
        Ensure(_syncRequests.Count == 0 && _rounds.Count == 0, () => "a sync request or round was never answered");
        Ensure(_jumpers.Count == 0, () => $"peers that jumped ahead were never kicked: {string.Join(",", _jumpers)}");
        foreach (SimulatedPeer peer in Acting)
        {
            Ensure(!peer.InSync, () => $"{peer} still waits in a shared-state sync");
        }
    }

    private static byte[] Encoded(ServerMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        ControlMessageCodec.Write(buffer, message);
        return buffer.WrittenSpan.ToArray();
    }
}
