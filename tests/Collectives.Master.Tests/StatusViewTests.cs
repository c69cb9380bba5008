using System.Net;
using Collectives.Master.Status;
using Collectives.Membership;
using Collectives.Protocol;
using Spectre.Console;

namespace Collectives.Master.Tests;

[TestFixture]
public sealed class StatusViewTests
{
    private static readonly PeerId A = new(0xaaaa0001_00000000, 1);
    private static readonly PeerId B = new(0xbbbb0002_00000000, 2);
    private static readonly PeerId C = new(0xcccc0003_00000000, 3);
    private static readonly PeerId D = new(0xdddd0004_00000000, 4);

    [Test]
    public void Summary_counts_peers_by_state_and_operations_in_flight()
    {
        MasterStatusSnapshot status = Sample();

        Assert.That(
            StatusSummary.Describe(status),
            Is.EqualTo("5 peers (3 accepted, 1 waiting, 1 connecting), 2 groups, 1 operation in flight, epoch 7, establishing epoch 8"));
    }

    [Test]
    public void Throughput_is_the_rate_since_the_previous_snapshot_or_since_start()
    {
        var first = new MasterStatusSnapshot(TimeSpan.FromSeconds(10), 0, 0, null, [], [], [], ReducedBytes: 100L << 20);
        var second = first with { Uptime = TimeSpan.FromSeconds(12), ReducedBytes = 140L << 20 };

        Assert.That(StatusSummary.Throughput(first), Is.EqualTo("reduced 100.0 MiB (10.0 MiB/s)"));
        Assert.That(StatusSummary.Throughput(second, first), Is.EqualTo("reduced 140.0 MiB (20.0 MiB/s)"));
        Assert.That(StatusSummary.Throughput(first with { Uptime = TimeSpan.Zero }), Is.EqualTo("reduced 100.0 MiB (0.0 MiB/s)"));
    }

    [Test]
    public void Summary_of_an_empty_master()
    {
        var status = new MasterStatusSnapshot(TimeSpan.Zero, 0, 0, null, [], [], []);

        Assert.That(StatusSummary.Describe(status), Is.EqualTo("0 peers (0 accepted, 0 waiting, 0 connecting), 0 groups, 0 operations in flight, epoch 0"));
    }

    [Test]
    public void The_view_shows_every_peer_the_ring_order_and_the_operations()
    {
        string text = Render(Sample(), ["12:00:00 info MasterServer: Control connection 5 closed: reset"]);

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("127.0.0.1:48148"), "the endpoint");
            foreach (PeerId id in new[] { A, B, C, D })
            {
                Assert.That(text, Does.Contain(id.ToString()));
            }

            Assert.That(text, Does.Contain($"{B} → {A}"), "group 0's ring, in ring order (not id order)");
            Assert.That(text, Does.Contain("10.0.0.2:5000"), "a peer's endpoint");
            Assert.That(text, Does.Contain("AllReduce Sum of 1024 x Float32, MinMax to UInt8"));
            Assert.That(text, Does.Contain("1/2 reported"));
            Assert.That(text, Does.Contain("Control connection 5 closed: reset"), "the recent log");
        });
    }

    [Test]
    public void Log_text_that_looks_like_markup_is_printed_as_is()
    {
        // A close reason can come from the network; Spectre markup in it must neither throw nor style anything.
        string text = Render(Sample(), ["closed: [red]boom[/] [unbalanced"]);

        Assert.That(text, Does.Contain("closed: [red]boom[/] [unbalanced"));
    }

    [Test]
    public void An_empty_master_renders_placeholders()
    {
        string text = Render(new MasterStatusSnapshot(TimeSpan.FromSeconds(3725), 0, 0, null, [], [], []), []);

        Assert.That(text, Does.Contain("no peer connected"));
        Assert.That(text, Does.Contain("up 1:02:05"));
    }

    private static string Render(MasterStatusSnapshot status, IReadOnlyList<string> log)
    {
        var writer = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 200;
        console.Write(StatusView.Render(new IPEndPoint(IPAddress.Loopback, 48148), status, log));
        return writer.ToString();
    }

    private static MasterStatusSnapshot Sample()
    {
        PeerEndpoint Endpoint(byte last) => PeerEndpoint.FromIPEndPoint(new IPEndPoint(new IPAddress([10, 0, 0, last]), 5000));
        PeerSnapshot[] peers =
        [
            new(new ConnectionId(1), A, PeerLifecycle.Accepted, 0, Endpoint(1), false, false, 1, TimeSpan.FromMilliseconds(120)),
            new(new ConnectionId(2), B, PeerLifecycle.Accepted, 0, Endpoint(2), true, false, 1, TimeSpan.FromMilliseconds(80)),
            new(new ConnectionId(3), C, PeerLifecycle.Accepted, 1, Endpoint(3), false, true, 0, TimeSpan.Zero),
            new(new ConnectionId(4), D, PeerLifecycle.Registered, 1, Endpoint(4), false, false, 0, TimeSpan.Zero),
            new(new ConnectionId(5), null, PeerLifecycle.Connected, null, null, false, false, 0, TimeSpan.Zero),
        ];
        GroupSnapshot[] groups = [new(0, [B, A], []), new(1, [C], [D])];
        var descriptor = new CollectiveDescriptor(CollectiveKind.AllReduce, 1024, DataType.Float32, ReduceOp.Sum, QuantizationAlgorithm.MinMax, DataType.UInt8);
        OperationSnapshot[] operations = [new(0, 42, 9, descriptor, OperationPhase.Running, [A, B], [B, A], [B])];
        return new MasterStatusSnapshot(TimeSpan.FromSeconds(61), 7, 9, 8, peers, groups, operations);
    }
}
