using System.Collections.Immutable;
using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Protocol.Messages;
using Collectives.SharedState;
using NUnit.Framework;

namespace Collectives.Tests.Membership;

/// <summary>Builders for shared-state sync requests and the group set-ups the sync tests start from.</summary>
internal static class SharedStateRequests
{
    /// <summary>A tensor of <paramref name="count"/> floats with content <paramref name="hash"/>.</summary>
    public static SharedStateEntryInfo Tensor(string name, ulong hash, ulong count = 1024, DataType type = DataType.Float32, bool allowInequality = false) =>
        new(name, type, count, hash, allowInequality);

    public static SyncSharedState Sync(ulong revision, params SharedStateEntryInfo[] entries) =>
        Sync(revision, SharedStateStrategy.EnforcePopular, entries);

    public static SyncSharedState Sync(ulong revision, SharedStateStrategy strategy, params SharedStateEntryInfo[] entries) =>
        new(revision, (byte)strategy, entries.ToImmutableArray());

    /// <summary>The same three tensors with contents from <paramref name="seed"/>.</summary>
    public static SharedStateEntryInfo[] Model(ulong seed) =>
        [Tensor("a", seed + 10), Tensor("b", seed + 20), Tensor("c", seed + 30)];

    public static SharedStateTransferDone Done(ulong round) => new(round, true, ErrorCode.Success, "");

    public static SharedStateTransferDone Failed(ulong round, string reason = "hash mismatch after fetch") =>
        new(round, false, ErrorCode.InternalError, reason);

    /// <summary>A run with <paramref name="size"/> accepted peers in group 0, inboxes empty.</summary>
    public static (MasterHarness H, ConnectionId[] Peers) Group(int size)
    {
        var h = new MasterHarness();
        var first = h.First();
        var rest = size > 1 ? h.Join([first], Enumerable.Repeat(0u, size - 1).ToArray()) : [];
        return (h, rest.Prepend(first).ToArray());
    }

    /// <summary>Every peer sends its request; returns each peer's messages afterwards.</summary>
    public static Dictionary<ConnectionId, List<ServerMessage>> SyncAll(this MasterHarness h, IEnumerable<(ConnectionId Peer, SyncSharedState Request)> requests)
    {
        var list = requests.ToList();
        foreach (var (peer, request) in list)
        {
            h.Send(peer, request);
        }

        return list.ToDictionary(r => r.Peer, r => h.Take(r.Peer));
    }

    /// <summary>Every peer of <paramref name="peers"/> asks with the same request; each must get one decision, which is returned.</summary>
    public static Dictionary<ConnectionId, SharedStateDecision> SyncAllAlike(this MasterHarness h, ConnectionId[] peers, SyncSharedState request) =>
        h.SyncAll(peers.Select(p => (p, request))).ToDictionary(e => e.Key, e => e.Value.OfType<SharedStateDecision>().Single());

    public static SharedStateDecision DecisionIn(List<ServerMessage> messages)
    {
        Assert.That(messages.OfType<SharedStateDecision>().Count(), Is.EqualTo(1), string.Join(", ", messages));
        return messages.OfType<SharedStateDecision>().Single();
    }
}
