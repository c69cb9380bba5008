using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Collectives.Membership;
using Collectives.Transport;

namespace Collectives.Benchmarks;

/// <summary>
/// The cost of TLS: a float32 sum all-reduce among in-process peers on loopback, once over plain TCP and once with
/// TLS 1.3 and mutual certificate authentication, the two runs interleaved iteration by iteration in one process.
/// Options: <c>--peers N</c> (default 3), <c>--mib M</c> (default 64), <c>--iterations K</c> (default 7).
/// </summary>
internal static class TlsBenchmark
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    public static async Task RunAsync(string[] args)
    {
        int peers = Option(args, "--peers", 3);
        int mib = Option(args, "--mib", 64);
        int iterations = Option(args, "--iterations", 7);
        using X509Certificate2 authority = CreateAuthority();
        var plain = TransportOptions.Default;
        TransportOptions Tls() => TransportOptions.Default with
        {
            Tls = new TlsOptions { Certificate = Issue(authority), TrustedRoots = [authority] },
        };

        Console.WriteLine($"tls: {peers} in-process peers, {mib} MiB float32 sum, {iterations} timed iterations each, interleaved; " +
                          $"{Environment.ProcessorCount} cores, pool {plain.PoolSize}");
        await using Run plainRun = await Run.StartAsync(peers, () => plain);
        await using Run tlsRun = await Run.StartAsync(peers, Tls);
        int count = mib << 18;
        float[][] buffers = Enumerable.Range(0, peers).Select(p => Enumerable.Repeat(p + 1f, count).ToArray()).ToArray();

        // Warm-up: JIT, connection pools, TLS sessions.
        await plainRun.AllReduceAsync(buffers, tag: 0);
        await tlsRun.AllReduceAsync(buffers, tag: 0);
        var plainTimes = new List<double>();
        var tlsTimes = new List<double>();
        var paired = new List<double>();
        for (int i = 1; i <= iterations; i++)
        {
            double p = await plainRun.AllReduceAsync(buffers, (ulong)i);
            double t = await tlsRun.AllReduceAsync(buffers, (ulong)i);
            plainTimes.Add(p);
            tlsTimes.Add(t);
            paired.Add(p / t);
        }

        long bytes = (long)count * sizeof(float);
        double busFactor = 2.0 * (peers - 1) / peers;
        double plainBus = bytes / Median(plainTimes) / (1 << 30) * busFactor;
        double tlsBus = bytes / Median(tlsTimes) / (1 << 30) * busFactor;
        Console.WriteLine($"{"transport",9} {"median ms",10} {"min ms",8} {"max ms",8} {"bus GiB/s",10}");
        Console.WriteLine($"{"plain",9} {Median(plainTimes) * 1e3,10:F1} {plainTimes.Min() * 1e3,8:F1} {plainTimes.Max() * 1e3,8:F1} {plainBus,10:F3}");
        Console.WriteLine($"{"tls",9} {Median(tlsTimes) * 1e3,10:F1} {tlsTimes.Min() * 1e3,8:F1} {tlsTimes.Max() * 1e3,8:F1} {tlsBus,10:F3}");
        Report.Result("tls_allreduce_plain_busbw", plainBus, "GiB/s");
        Report.Result("tls_allreduce_tls_busbw", tlsBus, "GiB/s");
        Report.Result("tls_allreduce_ratio", tlsBus / plainBus, "ratio");
        Report.Result("tls_allreduce_ratio_paired", Median(paired), "ratio");
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted[sorted.Length / 2];
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }

    private static X509Certificate2 CreateAuthority()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=benchmark CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    private static X509Certificate2 Issue(X509Certificate2 authority)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=benchmark peer", key, HashAlgorithmName.SHA256);
        using X509Certificate2 signed = request.Create(authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1),
            RandomNumberGenerator.GetBytes(8));
        using X509Certificate2 withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>A master and its peers, all with the same kind of transport.</summary>
    private sealed class Run : IAsyncDisposable
    {
        private readonly MasterServer _master;
        private readonly List<Communicator> _peers = [];

        private Run(MasterServer master) => _master = master;

        public static async Task<Run> StartAsync(int peers, Func<TransportOptions> transport)
        {
            var master = new MasterServer(MasterOptions.Default with { Listen = new IPEndPoint(IPAddress.Loopback, 0), Transport = transport() });
            master.Start();
            var run = new Run(master);
            for (int i = 0; i < peers; i++)
            {
                var peer = new Communicator(new CommunicatorOptions(master.LocalEndPoint)
                {
                    PeerListen = new IPEndPoint(IPAddress.Loopback, 0),
                    Transport = transport(),
                });
                Task connect = peer.ConnectAsync();
                await Task.WhenAny(peer.Registration, connect).WaitAsync(Bound);
                await Task.WhenAll(run._peers.Select(m => m.UpdateTopologyAsync())).WaitAsync(Bound);
                await connect.WaitAsync(Bound);
                run._peers.Add(peer);
            }

            return run;
        }

        /// <summary>In-place sum on every peer; returns the wall time of the slowest.</summary>
        public async Task<double> AllReduceAsync(float[][] buffers, ulong tag)
        {
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(_peers.Select((p, i) => p.AllReduceAsync(buffers[i].AsMemory(), ReduceOp.Sum, tag))).WaitAsync(Bound);
            double seconds = clock.Elapsed.TotalSeconds;
            // Keep values small and equal across iterations: the sum would otherwise grow without bound.
            for (int i = 0; i < buffers.Length; i++)
            {
                buffers[i].AsSpan().Fill(i + 1f);
            }

            return seconds;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (Communicator peer in _peers)
            {
                await peer.DisposeAsync();
            }

            await _master.DisposeAsync();
        }
    }
}
