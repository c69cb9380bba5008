using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FsCheck;
using FsCheck.Fluent;

namespace Collectives.Tests.Security;

/// <summary>What one fuzz campaign did, as seen from the attacking side.</summary>
internal sealed record FuzzReport(long Executions, IReadOnlyDictionary<string, long> Outcomes, ulong Seed);

/// <summary>
/// Runs fuzz executions against a listener for a fixed time: each execution connects, sends one generated stream
/// (chunk by chunk), half-closes, and waits briefly for the listener to close the connection. Inputs come from an
/// FsCheck generator sampled in seeded batches, so a campaign is reproducible from its seed.
/// </summary>
internal static class FuzzDriver
{
    private const int BatchSize = 32;
    private const int GeneratorSize = 40;
    private static readonly TimeSpan CloseWait = TimeSpan.FromMilliseconds(200);

    public static async Task<FuzzReport> RunAsync(IPEndPoint target, Gen<byte[][]> inputs, TimeSpan duration, ulong seed, int workers)
    {
        var outcomes = new ConcurrentDictionary<string, long>();
        long executions = 0;
        long nextBatch = 0;
        var clock = Stopwatch.StartNew();
        async Task WorkerAsync()
        {
            while (clock.Elapsed < duration)
            {
                ulong batch = (ulong)Interlocked.Increment(ref nextBatch);
                byte[][][] cases = Gen.Sample(inputs, GeneratorSize, new Rnd(seed ^ (batch * 0x9E3779B97F4A7C15)), BatchSize);
                foreach (byte[][] chunks in cases)
                {
                    string outcome = await ExecuteAsync(target, chunks);
                    outcomes.AddOrUpdate(outcome, 1, static (_, n) => n + 1);
                    Interlocked.Increment(ref executions);
                    if (clock.Elapsed >= duration)
                    {
                        return;
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(WorkerAsync)));
        return new FuzzReport(executions, outcomes, seed);
    }

    /// <summary>One execution; returns how the connection ended, from the attacker's side.</summary>
    private static async Task<string> ExecuteAsync(IPEndPoint target, byte[][] chunks)
    {
        using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await socket.ConnectAsync(target, deadline.Token);
            foreach (byte[] chunk in chunks)
            {
                await socket.SendAsync(chunk, SocketFlags.None, deadline.Token);
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException e)
        {
            return $"send failed: {e.SocketErrorCode}";
        }
        catch (OperationCanceledException)
        {
            return "send timed out";
        }

        byte[] sink = new byte[4096];
        using var wait = new CancellationTokenSource(CloseWait);
        try
        {
            while (await socket.ReceiveAsync(sink, SocketFlags.None, wait.Token) > 0)
            {
            }

            return "closed by listener";
        }
        catch (SocketException e)
        {
            return $"receive failed: {e.SocketErrorCode}";
        }
        catch (OperationCanceledException)
        {
            // E.g. a data frame waiting (bounded) for its operation to be announced.
            return "still open after 0.2 s";
        }
    }
}
