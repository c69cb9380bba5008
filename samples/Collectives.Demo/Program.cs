using Collectives.Protocol;
using System.Net;
using Collectives;
using Collectives.Demo;
using Collectives.Membership;
using Spectre.Console;

// The local demo: an in-process master and four peers on loopback run all-reduce steps; one peer is killed
// mid-run (its connections cut, as a crash would), the others retry and carry on, a new peer joins, and at the end
// every step's result is checked to be bit-identical on every peer that completed it.
const int Steps = 40;
const int Elements = 1 << 20; // 4 MiB of float32 per all-reduce
const long KillAtStep = 12;
const long JoinAtStep = 24;

await using var master = new MasterServer(MasterOptions.Default with
{
    Listen = new IPEndPoint(IPAddress.Loopback, 0),
    HeartbeatInterval = TimeSpan.FromMilliseconds(200),
    PeerTimeout = TimeSpan.FromSeconds(2),
});
master.Start();
AnsiConsole.MarkupLine($"[bold]Collectives demo[/]: master on [blue]{master.LocalEndPoint}[/], 4 peers, {Steps} steps of a {Elements * 4 >> 20} MiB all-reduce");

CommunicatorOptions Options() => new(master.LocalEndPoint)
{
    PeerListen = new IPEndPoint(IPAddress.Loopback, 0),
    HeartbeatInterval = TimeSpan.FromMilliseconds(200),
    ProgressTimeout = TimeSpan.FromSeconds(3),
};

var peers = new List<DemoPeer>();
for (int i = 0; i < 4; i++)
{
    var communicator = new Communicator(Options());
    Task connect = communicator.ConnectAsync();
    if (peers.Count > 0)
    {
        await communicator.Registration;
        await Task.WhenAll(peers.Select(p => p.Communicator.UpdateTopologyAsync()));
    }

    await connect;
    peers.Add(new DemoPeer($"peer-{i}", communicator, Elements));
}

using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
var runs = new List<Task>();
var joined = new TaskCompletionSource();
var events = new List<string>();

void OnReduceStarted(DemoPeer peer)
{
    if (peer.Name == "peer-3" && peer.Step == KillAtStep && peer.Alive)
    {
        peer.Alive = false;
        long before = peer.Communicator.BytesReceived;
        _ = Task.Run(async () =>
        {
            // Cut it once its all-reduce is really moving data, so the others are caught mid-operation.
            while (peer.Communicator.BytesReceived == before)
            {
                await Task.Delay(1);
            }

            peer.Status = "[red]killed[/]";
            lock (events)
            {
                events.Add($"step {peer.Step}: peer-3 killed in the middle of its all-reduce (all connections cut)");
            }

            peer.Communicator.SimulateConnectionFailure();
        });
    }
}

void OnStep(DemoPeer peer)
{
    if (peer.Name == "peer-0" && peer.Step == JoinAtStep && !joined.Task.IsCompleted)
    {
        joined.TrySetResult();
    }
}

foreach (DemoPeer peer in peers)
{
    runs.Add(RunPeerAsync(peer, joiner: false));
}

async Task RunPeerAsync(DemoPeer peer, bool joiner)
{
    try
    {
        await peer.RunAsync(Steps, joiner, OnStep, OnReduceStarted, stop.Token);
        peer.Status = "finished";
    }
    catch (CollectivesException) when (!peer.Alive)
    {
        // The killed peer's own calls fail once its connections are cut: that is the crash.
    }
}

runs.Add(Task.Run(async () =>
{
    await joined.Task;
    var communicator = new Communicator(Options());
    var newcomer = new DemoPeer("peer-4", communicator, Elements);
    lock (events)
    {
        events.Add("peer-4 connects and waits to be accepted");
    }

    await communicator.ConnectAsync(stop.Token);
    lock (events)
    {
        events.Add($"peer-4 accepted (world {communicator.WorldSizes.Global})");
    }

    lock (peers)
    {
        peers.Add(newcomer);
    }

    await RunPeerAsync(newcomer, joiner: true);
}));

Table Render()
{
    var table = new Table().Title("peers").AddColumns("peer", "step", "world", "retries", "status");
    lock (peers)
    {
        foreach (DemoPeer peer in peers)
        {
            table.AddRow(peer.Name, peer.Step.ToString(), peer.Alive ? peer.Communicator.WorldSizes.PeerGroup.ToString() : "-",
                peer.Retries.ToString(), peer.Status);
        }
    }

    return table;
}

Task all = Task.WhenAll(runs);
if (AnsiConsole.Profile.Capabilities.Interactive)
{
    await AnsiConsole.Live(Render()).StartAsync(async context =>
    {
        while (!all.IsCompleted)
        {
            await Task.WhenAny(all, Task.Delay(100));
            context.UpdateTarget(Render());
        }
    });
}

await all;
AnsiConsole.Write(Render());
foreach (string e in events)
{
    AnsiConsole.MarkupLine($"[yellow]event[/] {Markup.Escape(e)}");
}

// Parity: every step's result hash must be the same on every peer that completed that step.
var byStep = peers.SelectMany(p => p.ResultHashes.Select(h => (Step: h.Key, Hash: h.Value))).GroupBy(x => x.Step).ToList();
int mismatches = byStep.Count(g => g.Select(x => x.Hash).Distinct().Count() > 1);
int retries = peers.Sum(p => p.Retries);
bool ok = mismatches == 0 && peers.Where(p => p.Alive).All(p => p.Step == Steps) && retries > 0;
AnsiConsole.MarkupLine($"steps checked: {byStep.Count}, retries after the kill: {retries}, parity mismatches: {mismatches}");
AnsiConsole.MarkupLine(ok ? "[green]OK: every peer holds bit-identical results for every step[/]" : "[red]FAILED[/]");
foreach (DemoPeer peer in peers)
{
    await peer.Communicator.DisposeAsync();
}

return ok ? 0 : 1;
