using System.Globalization;
using System.Net;
using Collectives.Membership;
using Collectives.Protocol;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Collectives.Master.Status;

/// <summary>
/// Draws one frame of the live status view from a snapshot: a pure function, so tests render it to text. Everything
/// that came from the network (log reasons) goes in as plain <see cref="Text"/>, never as markup.
/// </summary>
internal static class StatusView
{
    /// <summary>The frame for <paramref name="status"/>, with the most recent log lines at the bottom.</summary>
    public static IRenderable Render(IPEndPoint endpoint, MasterStatusSnapshot status, IReadOnlyList<string> recentLog, MasterStatusSnapshot? previous = null)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(recentLog);
        var parts = new List<IRenderable>
        {
            new Markup(Header(endpoint, status)),
            new Text($"{StatusSummary.Describe(status)}, {StatusSummary.Throughput(status, previous)}", new Style(Color.Grey)),
            Section("Peers", status.Peers.Count == 0 ? Empty("no peer connected") : PeersTable(status.Peers)),
            Section("Groups and ring order", status.Groups.Count == 0 ? Empty("no group yet") : GroupsTable(status.Groups)),
            Section("Operations in flight", status.Operations.Count == 0 ? Empty("none") : OperationsTable(status.Operations)),
        };
        if (recentLog.Count > 0)
        {
            parts.Add(Section("Recent log", new Rows(recentLog.Select(line => new Text(line)))));
        }

        return new Rows(parts);
    }

    private static string Header(IPEndPoint endpoint, MasterStatusSnapshot status)
    {
        string establishing = status.EstablishingEpoch is { } epoch
            ? string.Create(CultureInfo.InvariantCulture, $"  [yellow]establishing epoch {epoch}[/]")
            : string.Empty;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"[bold]collectives-master[/] on [blue]{Markup.Escape(endpoint.ToString())}[/]  up {Uptime(status.Uptime)}  "
            + $"epoch {status.Epoch}  last sequence {status.LastSequence}{establishing}  [grey](Ctrl-C stops)[/]");
    }

    private static Table PeersTable(IReadOnlyList<PeerSnapshot> peers)
    {
        var table = new Table().Border(TableBorder.Simple)
            .AddColumns("conn", "peer", "state", "group", "endpoint", "tags", "silent", "waiting in");
        foreach (PeerSnapshot peer in peers)
        {
            table.AddRow(
                new Text(peer.Connection.Value.ToString(CultureInfo.InvariantCulture)),
                new Text(peer.Id?.ToString() ?? "-"),
                new Text(peer.State.ToString(), StateStyle(peer.State)),
                new Text(peer.Group?.ToString(CultureInfo.InvariantCulture) ?? "-"),
                new Text(peer.Endpoint?.ToString() ?? "-"),
                new Text(peer.TagsInFlight.ToString(CultureInfo.InvariantCulture)),
                new Text(Seconds(peer.SilentFor)),
                new Text(Waiting(peer)));
        }

        return table;
    }

    private static Table GroupsTable(IReadOnlyList<GroupSnapshot> groups)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumns("group", "size", "ring order", "waiting to join");
        foreach (GroupSnapshot group in groups)
        {
            table.AddRow(
                new Text(group.Group.ToString(CultureInfo.InvariantCulture)),
                new Text(group.Ring.Count.ToString(CultureInfo.InvariantCulture)),
                new Text(group.Ring.Count == 0 ? "-" : string.Join(" → ", group.Ring)),
                new Text(group.Waiting.Count == 0 ? "-" : string.Join(", ", group.Waiting)));
        }

        return table;
    }

    private static Table OperationsTable(IReadOnlyList<OperationSnapshot> operations)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumns("group", "tag", "seq", "operation", "phase", "progress");
        foreach (OperationSnapshot op in operations)
        {
            table.AddRow(
                new Text(op.Group.ToString(CultureInfo.InvariantCulture)),
                new Text(op.Tag.ToString(CultureInfo.InvariantCulture)),
                new Text(op.Sequence == 0 ? "-" : op.Sequence.ToString(CultureInfo.InvariantCulture)),
                new Text(Describe(op.Descriptor)),
                new Text(op.Phase.ToString(), op.Phase == OperationPhase.Rejected ? new Style(Color.Red) : Style.Plain),
                new Text(Progress(op)));
        }

        return table;
    }

    private static string Describe(CollectiveDescriptor d)
    {
        string quantized = d.Quantization == QuantizationAlgorithm.None ? string.Empty : $", {d.Quantization} to {d.QuantizedType}";
        return string.Create(CultureInfo.InvariantCulture, $"{d.Kind} {d.Op} of {d.Count} x {d.DataType}{quantized}");
    }

    private static string Progress(OperationSnapshot op) => op.Phase == OperationPhase.Running
        ? string.Create(CultureInfo.InvariantCulture, $"{op.Reported.Count}/{op.Participants.Count} reported")
        : string.Create(CultureInfo.InvariantCulture, $"{op.Initiators.Count} initiated");

    private static string Waiting(PeerSnapshot peer) => (peer.VotedForTopology, peer.AskedPeersPending) switch
    {
        (true, true) => "topology update, peers-pending query",
        (true, false) => "topology update",
        (false, true) => "peers-pending query",
        _ => "-",
    };

    private static Style StateStyle(PeerLifecycle state) => state switch
    {
        PeerLifecycle.Accepted => new Style(Color.Green),
        PeerLifecycle.Joining or PeerLifecycle.Registered => new Style(Color.Yellow),
        _ => new Style(Color.Grey),
    };

    private static IRenderable Section(string title, IRenderable content) =>
        new Rows(new Markup($"[bold underline]{title}[/]"), content);

    private static Text Empty(string what) => new($"  ({what})", new Style(Color.Grey));

    private static string Uptime(TimeSpan uptime) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)uptime.TotalHours}:{uptime.Minutes:00}:{uptime.Seconds:00}");

    private static string Seconds(TimeSpan duration) =>
        string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.0}s");
}
