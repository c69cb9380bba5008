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

    /// <summary>Payload reduced so far and its rate, e.g. "reduced 1536.0 MiB (212.4 MiB/s)".</summary>
    public static string Throughput(MasterStatusSnapshot status, MasterStatusSnapshot? previous = null)
    {
        ArgumentNullException.ThrowIfNull(status);
        return $"reduced {Mebibytes(status.ReducedBytes)} ({Rate(status, previous)})";
    }

    /// <summary>
    /// Reduction throughput: over the interval since <paramref name="previous"/> when there is one, else since the
    /// master started. Counted when operations succeed, so a long all-reduce shows up at once when it ends.
    /// </summary>
    private static string Rate(MasterStatusSnapshot status, MasterStatusSnapshot? previous)
    {
        (long bytes, TimeSpan time) = previous is not null && status.Uptime > previous.Uptime
            ? (status.ReducedBytes - previous.ReducedBytes, status.Uptime - previous.Uptime)
            : (status.ReducedBytes, status.Uptime);
        double perSecond = time > TimeSpan.Zero ? bytes / time.TotalSeconds : 0;
        return $"{Mebibytes((long)perSecond)}/s";
    }

    private static string Mebibytes(long bytes) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):F1} MiB");

    private static string Count(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");
}
