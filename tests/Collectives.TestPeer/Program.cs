using System.Globalization;
using System.Net;
using Collectives;

// A peer in its own process, driven line by line over stdin/stdout by tests that need to SIGKILL or SIGSTOP a peer.
// Commands: "allreduce <tag> <count> <value>" runs a float32 sum all-reduce of <count> elements all equal to <value>;
// "exit" leaves gracefully. It prints REGISTERED, ACCEPTED <id>, STARTED <tag>, DONE <tag> <ok|error> <first value>.
IPEndPoint master = IPEndPoint.Parse(args[0]);
await using var peer = new Communicator(new CommunicatorOptions(master)
{
    PeerListen = new IPEndPoint(IPAddress.Loopback, 0),
    HeartbeatInterval = TimeSpan.FromMilliseconds(100),
    MasterTimeout = TimeSpan.FromSeconds(6),
    ProgressTimeout = TimeSpan.FromSeconds(3),
    Transport = Collectives.Transport.TransportOptions.Default with { PoolSize = 2 },
});
Task connect = peer.ConnectAsync();
await Task.WhenAny(peer.Registration, connect);
Console.WriteLine("REGISTERED");
await connect;
Console.WriteLine($"ACCEPTED {peer.Id}");

while (Console.ReadLine() is { } line)
{
    string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    if (words.Length == 0)
    {
        continue;
    }

    if (words[0] == "exit")
    {
        break;
    }

    if (words[0] == "allreduce")
    {
        ulong tag = ulong.Parse(words[1], CultureInfo.InvariantCulture);
        int count = int.Parse(words[2], CultureInfo.InvariantCulture);
        float value = float.Parse(words[3], CultureInfo.InvariantCulture);
        float[] buffer = new float[count];
        Array.Fill(buffer, value);
        Console.WriteLine($"STARTED {tag}");
        try
        {
            await peer.AllReduceAsync(buffer.AsMemory(), ReduceOp.Sum, tag);
            Console.WriteLine($"DONE {tag} ok {buffer.FirstOrDefault().ToString(CultureInfo.InvariantCulture)}");
        }
        catch (CollectivesException e)
        {
            Console.WriteLine($"DONE {tag} error {e.ErrorCode}");
        }
    }
}
