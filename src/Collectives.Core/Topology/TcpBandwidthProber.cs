using System.Buffers;
using System.Diagnostics;
using Collectives.Internal;
using Collectives.Protocol;
using Collectives.Transport;

namespace Collectives.Topology;

/// <summary>
/// Measures sender → receiver throughput over real connections: opens a pool of
/// <see cref="ConnectionPurpose.BandwidthProbe"/> connections to the target's peer port (handshake and run secret as
/// for any connection) and streams data frames on all of them until each connection's receiving end reports what
/// arrived when over the probe's window (<see cref="ProbeReport"/>); then the connections are dropped with whatever is
/// still queued. Timing at the receiver makes the figure independent of how much the kernels and any relay buffered,
/// and dropping the queue keeps a probe of a slow link as short as one of a fast link.
/// </summary>
internal sealed class TcpBandwidthProber : IBandwidthProber
{
    // Frames of 64 KiB, four in the send queue per connection: enough to keep the kernel's buffer full between refills,
    // small enough that even a link of a few Mbit/s delivers several frames per connection within a probe's window.
    private const int FrameBytes = 64 << 10;
    private const int FramesPerRefill = 4;

    // Read-only and shared by every probe: the content of a probe does not matter, only its size.
    private static readonly byte[] Filler = new byte[FrameBytes];

    private readonly TransportOptions _options;
    private readonly Func<Guid> _self;
    private readonly TimeSpan _replyGrace;

    /// <param name="options">Transport settings (run secret, timeouts).</param>
    /// <param name="self">This peer's identity for handshakes (known only after registration).</param>
    /// <param name="replyGrace">How long past the probe's duration the receivers' reports may take: data still queued on a slow link must drain first.</param>
    public TcpBandwidthProber(TransportOptions options, Func<Guid> self, TimeSpan? replyGrace = null)
    {
        _options = options;
        _self = self;
        _replyGrace = replyGrace ?? TimeSpan.FromSeconds(10);
    }

    public async Task<double> MeasureAsync(PeerInfo target, int connections, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(_options.ConnectTimeout + duration + _replyGrace);
        var streams = new List<ProbeStream>(connections);
        try
        {
            ulong poolId = (ulong)Random.Shared.NextInt64();
            var dials = new Task<FramedConnection>[connections];
            for (int slot = 0; slot < connections; slot++)
            {
                var hello = new HandshakeHello(ProtocolVersion.Current, ConnectionPurpose.BandwidthProbe, _self(), poolId, (ushort)slot, (ushort)connections);
                dials[slot] = TransportConnector.ConnectAsync(target.Endpoint.ToIPEndPoint(), hello, _options, ErrorCode.RankConnectionFailed, bound.Token);
            }

            try
            {
                await Task.WhenAll(dials).ConfigureAwait(false);
            }
            finally
            {
                foreach (Task<FramedConnection> dial in dials.Where(d => d.IsCompletedSuccessfully))
                {
                    var stream = new ProbeStream(dial.Result);
                    streams.Add(stream);
                    dial.Result.Start(stream);
                }
            }

            // The receivers report when the window has passed; past that plus the grace a link too slow to show anything
            // is asked for its report outright.
            ulong windowMilliseconds = (ulong)Math.Max(1, duration.TotalMilliseconds);
            long giveUp = Stopwatch.GetTimestamp() + (long)((duration + _replyGrace).TotalSeconds * Stopwatch.Frequency);
            await Task.WhenAll(streams.Select(s => s.SendUntilReportedAsync(windowMilliseconds, giveUp, bound.Token))).ConfigureAwait(false);
            ProbeReport[] reports = await Task.WhenAll(streams.Select(s => s.Reply.WaitAsync(bound.Token))).ConfigureAwait(false);
            return ProbeReport.Throughput(reports);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CollectivesTimeoutException($"bandwidth probe to {target.Id} at {target.Endpoint} did not finish in time");
        }
        finally
        {
            foreach (ProbeStream stream in streams)
            {
                await stream.Connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The sending end of one probe connection, and the report its receiving end sends back.</summary>
    private sealed class ProbeStream(FramedConnection connection) : IFrameHandler
    {
        private readonly TaskCompletionSource<ProbeReport> _reply = NewReply();

        public FramedConnection Connection => connection;

        public Task<ProbeReport> Reply => _reply.Task;

        // A probe that failed before its report (dial error, sender fault) is disposed with nobody awaiting the reply.
        private static TaskCompletionSource<ProbeReport> NewReply()
        {
            var reply = new TaskCompletionSource<ProbeReport>(TaskCreationOptions.RunContinuationsAsynchronously);
            reply.Task.ObserveFaults();
            return reply;
        }

        public async Task SendUntilReportedAsync(ulong windowMilliseconds, long giveUp, CancellationToken cancellationToken)
        {
            var tracker = new SendTracker();
            ulong offset = 0;
            while (!_reply.Task.IsCompleted && Stopwatch.GetTimestamp() < giveUp)
            {
                tracker.Expect(FramesPerRefill);
                for (int i = 0; i < FramesPerRefill; i++)
                {
                    connection.TrySend(new FrameHeader(FrameKind.Data, 0, FrameBytes, 0, windowMilliseconds, offset), Filler, tracker);
                    offset += FrameBytes;
                }

                await Task.WhenAny(tracker.DrainAsync(), _reply.Task).WaitAsync(cancellationToken).ConfigureAwait(false);
                if (tracker.Failure is { } failure)
                {
                    throw failure;
                }
            }

            // An empty control frame asks for the report now; it is answered once every data frame before it arrived.
            if (!_reply.Task.IsCompleted && !connection.TrySendCopy(FrameKind.Control, 0, ReadOnlySpan<byte>.Empty))
            {
                throw connection.BreakReason ?? new ConnectionLostException(ErrorCode.RankConnectionLost, "bandwidth probe connection closed");
            }
        }

        async ValueTask IFrameHandler.OnFrameAsync(FramedConnection connection, FrameHeader header, CancellationToken cancellationToken)
        {
            if (header.Kind != FrameKind.Control || header.PayloadLength != ProbeReport.Size)
            {
                throw new ProtocolViolationException($"unexpected {header.Kind} frame of {header.PayloadLength} bytes from a bandwidth probe receiver");
            }

            byte[] buffer = ArrayPool<byte>.Shared.Rent(ProbeReport.Size);
            try
            {
                await connection.ReadPayloadAsync(buffer.AsMemory(0, ProbeReport.Size), cancellationToken).ConfigureAwait(false);
                _reply.TrySetResult(ProbeReport.Read(buffer.AsSpan(0, ProbeReport.Size)));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        void IFrameHandler.OnConnectionClosed(FramedConnection connection, Exception reason) =>
            _reply.TrySetException(reason as CollectivesException
                ?? new ConnectionLostException(ErrorCode.RankConnectionLost, $"bandwidth probe connection lost: {reason.Message}", reason));
    }
}
