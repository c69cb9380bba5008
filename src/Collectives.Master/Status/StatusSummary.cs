using System.Globalization;
using Collectives.Membership;

namespace Collectives.Master.Status;

/// <summary>The one-line summary logged when there is no terminal for the live view.</summary>
internal static class StatusSummary
{
    /// <summary>"3 peers (2 accepted, 1 waiting, 0 connecting), 1 group, 1 operation in flight, epoch 4".</summary>
    public static string Describe(MasterStatusSnapshot status)
    {
        ArgumentNullException.ThrowIfNull(status);
        int accepted = status.Peers.Count(p => p.State == PeerLifecycle.Accepted);
        int waiting = status.Peers.Count(p => p.State is PeerLifecycle.Registered or PeerLifecycle.Joining);
        int connecting = status.Peers.Count(p => p.State == PeerLifecycle.Connected);
        string establishing = status.EstablishingEpoch is { } epoch
            ? string.Create(CultureInfo.InvariantCulture, $", establishing epoch {epoch}")
            : string.Empty;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Count(status.Peers.Count, "peer")} ({accepted} accepted, {waiting} waiting, {connecting} connecting), "
            + $"{Count(status.Groups.Count, "group")}, {Count(status.Operations.Count, "operation")} in flight, epoch {status.Epoch}{establishing}");
    }

    private static string Count(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");
}
