// Proves the packages work as a consumer would use them: an in-process master and two peers all-reduce through
// Collectives.Core, a MeterListener sees the library's metrics, and libcollectives.so from Collectives.Native.Runtime
// loads and answers. Prints "consumer: OK" and exits 0 on success; anything else exits non-zero.
using System.Diagnostics.Metrics;
using System.Net;
using Collectives;
using Collectives.Diagnostics;
using Collectives.Membership;
using Collectives.PackageConsumer;
using Collectives.Protocol;

TimeSpan bound = TimeSpan.FromSeconds(60);
long bytesSent = 0;
using var listener = new MeterListener
{
    InstrumentPublished = (instrument, l) =>
    {
        if (instrument.Meter.Name == CollectivesMetrics.MeterName && instrument.Name == CollectivesMetrics.PeerBytesSent)
        {
            l.EnableMeasurementEvents(instrument);
        }
    },
};
listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref bytesSent, value));
listener.Start();

await using var master = new MasterServer(MasterOptions.Default with { Listen = new IPEndPoint(IPAddress.Loopback, 0) });
master.Start();
var options = new CommunicatorOptions(master.LocalEndPoint) { PeerListen = new IPEndPoint(IPAddress.Loopback, 0) };

await using var first = new Communicator(options);
await first.ConnectAsync().WaitAsync(bound);
await using var second = new Communicator(options);
Task joining = second.ConnectAsync();
await Task.WhenAny(second.Registration, joining).WaitAsync(bound);
await first.UpdateTopologyAsync().WaitAsync(bound); // the accepted peer lets the newcomer in
await joining.WaitAsync(bound);

float[][] buffers = [[.. Enumerable.Range(0, 1000).Select(i => (float)i)], [.. Enumerable.Range(0, 1000).Select(i => 2f * i)]];
AllReduceInfo[] infos = await Task.WhenAll(
    first.AllReduceAsync(buffers[0].AsMemory(), ReduceOp.Sum, tag: 1),
    second.AllReduceAsync(buffers[1].AsMemory(), ReduceOp.Sum, tag: 1)).WaitAsync(bound);

Check(infos.All(i => i.WorldSize == 2), "both peers took part");
Check(buffers.All(b => b.Select((x, i) => x == 3f * i).All(ok => ok)), "every element is the sum of both inputs");
Check(Interlocked.Read(ref bytesSent) > 0, "the metrics listener saw peer bytes");
Check(LibCollectives.GetVersion() == ProtocolVersion.Current, $"libcollectives speaks protocol {ProtocolVersion.Current}");
Check(LibCollectives.Describe(0).Length > 0, "libcollectives describes pcclSuccess");

Console.WriteLine($"all-reduce of 2 peers: {infos[0].TxBytes} bytes sent per peer; metrics saw {bytesSent} bytes; libcollectives protocol {LibCollectives.GetVersion()}");
Console.WriteLine("consumer: OK");
return 0;

static void Check(bool condition, string what)
{
    if (!condition)
    {
        Console.Error.WriteLine($"consumer: FAILED: {what}");
        Environment.Exit(1);
    }
}
