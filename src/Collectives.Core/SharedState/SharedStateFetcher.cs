using System.Collections.Concurrent;
using System.Net;
using Collectives.Protocol;
using Collectives.Transport;

namespace Collectives.SharedState;

/// <summary>
/// The fetching side of shared-state transfer: opens a pool of connections to every donor, asks for each slice in
/// chunks spread over the pool, and receives the answers straight into the tensors' memory. All donors and all
/// connections work at once, so a joiner that needs gigabytes pulls from every up-to-date peer in parallel.
/// </summary>
internal sealed class SharedStateFetcher : IFrameHandler, IAsyncDisposable
{
    // Requests are cut to this size so one large tensor spreads over every connection of a donor's pool.
    private const int RequestBytes = 4 << 20;

    private readonly ConcurrentDictionary<ulong, PendingRequest> _pending = new();
    private readonly List<FramedConnection> _connections = [];
    private readonly TransportOptions _options;
    private readonly Guid _self;
    private readonly ulong _round;
    private long _nextRequest;
    private long _received;
    private long _lastProgress = Environment.TickCount64;

    public SharedStateFetcher(TransportOptions options, Guid self, ulong round)
    {
        _options = options;
        _self = self;
        _round = round;
    }

    /// <summary>Bytes received so far.</summary>
    public long BytesReceived => Interlocked.Read(ref _received);

    /// <summary>One slice to fetch: from <paramref name="Donor"/>, bytes [Offset, +Length) of entry <paramref name="EntryIndex"/> into <paramref name="Destination"/>.</summary>
    public readonly record struct Slice(PeerId Donor, IPEndPoint DonorEndPoint, uint EntryIndex, ulong Offset, Memory<byte> Destination);

    /// <summary>Fetches every slice; fails when a donor breaks or nothing arrives for <paramref name="progressTimeout"/>.</summary>
    /// <exception cref="CollectivesException">RankConnectionFailed, RankConnectionLost, Timeout, ProtocolViolation.</exception>
    public async Task FetchAsync(IReadOnlyList<Slice> slices, TimeSpan progressTimeout, CancellationToken cancellationToken)
    {
        var pools = new Dictionary<PeerId, FramedConnection[]>();
        foreach (IGrouping<PeerId, Slice> donor in slices.GroupBy(s => s.Donor))
        {
            pools[donor.Key] = await ConnectPoolAsync(donor.First().DonorEndPoint, cancellationToken).ConfigureAwait(false);
        }

        var waits = new List<Task>();
        var next = new Dictionary<PeerId, int>();
        Span<byte> request = stackalloc byte[SharedStateRequest.Size];
        foreach (Slice slice in slices)
        {
            for (int from = 0; from < slice.Destination.Length || (from == 0 && slice.Destination.Length == 0); from += RequestBytes)
            {
                int length = Math.Min(RequestBytes, slice.Destination.Length - from);
                ulong id = (ulong)Interlocked.Increment(ref _nextRequest);
                var pending = new PendingRequest(slice.Destination.Slice(from, length));
                _pending[id] = pending;
                waits.Add(pending.Done.Task);
                FramedConnection[] pool = pools[slice.Donor];
                int slot = next.GetValueOrDefault(slice.Donor);
                next[slice.Donor] = slot + 1;
                new SharedStateRequest(_round, slice.EntryIndex, slice.Offset + (ulong)from, (ulong)length).Write(request);
                if (!pool[slot % pool.Length].TrySendCopy(FrameKind.Control, id, request))
                {
                    throw new CollectivesException(ErrorCode.RankConnectionLost, $"connection to donor {slice.Donor} closed");
                }

                if (length == 0)
                {
                    break;
                }
            }
        }

        Task all = Task.WhenAll(waits);
        TimeSpan check = TimeSpan.FromMilliseconds(Math.Clamp(progressTimeout.TotalMilliseconds / 4, 10, 1000));
        while (!all.IsCompleted)
        {
            await Task.WhenAny(all, Task.Delay(check, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            long silent = Environment.TickCount64 - Interlocked.Read(ref _lastProgress);
            if (!all.IsCompleted && silent > progressTimeout.TotalMilliseconds)
            {
                throw new CollectivesTimeoutException($"shared-state transfer received nothing for {silent} ms");
            }
        }

        await all.ConfigureAwait(false);
    }

    private async Task<FramedConnection[]> ConnectPoolAsync(IPEndPoint donor, CancellationToken cancellationToken)
    {
        ulong poolId = (ulong)Random.Shared.NextInt64();
        var connections = new FramedConnection[_options.PoolSize];
        for (int slot = 0; slot < connections.Length; slot++)
        {
            var hello = new HandshakeHello(ProtocolVersion.Current, ConnectionPurpose.SharedState, _self, poolId, (ushort)slot, (ushort)connections.Length);
            connections[slot] = await TransportConnector.ConnectAsync(donor, hello, _options, ErrorCode.RankConnectionFailed, cancellationToken)
                .ConfigureAwait(false);
            lock (_connections)
            {
                _connections.Add(connections[slot]);
            }

            connections[slot].Start(this);
        }

        return connections;
    }

    async ValueTask IFrameHandler.OnFrameAsync(FramedConnection connection, FrameHeader header, CancellationToken cancellationToken)
    {
        if (header.Kind != FrameKind.Data || header.Sequence != _round || !_pending.TryGetValue(header.Tag, out PendingRequest? pending))
        {
            throw new ProtocolViolationException($"unexpected {header.Kind} frame (request {header.Tag}, round {header.Sequence}) from a donor");
        }

        if (header.Offset > (ulong)pending.Destination.Length || header.PayloadLength > (ulong)pending.Destination.Length - header.Offset)
        {
            throw new ProtocolViolationException($"donor data at {header.Offset} (+{header.PayloadLength}) beyond a {pending.Destination.Length}-byte request");
        }

        await connection.ReadPayloadAsync(pending.Destination.Slice((int)header.Offset, (int)header.PayloadLength), cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _received, header.PayloadLength);
        Interlocked.Exchange(ref _lastProgress, Environment.TickCount64);
        if (pending.Add(header.PayloadLength))
        {
            _pending.TryRemove(header.Tag, out _);
        }
    }

    void IFrameHandler.OnConnectionClosed(FramedConnection connection, Exception reason)
    {
        foreach (PendingRequest pending in _pending.Values)
        {
            pending.Done.TrySetException(reason);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<FramedConnection> all;
        lock (_connections)
        {
            all = [.. _connections];
        }

        foreach (FramedConnection connection in all)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class PendingRequest(Memory<byte> destination)
    {
        private long _received;

        public Memory<byte> Destination { get; } = destination;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Counts bytes; true when the request is complete.</summary>
        public bool Add(long bytes)
        {
            if (Interlocked.Add(ref _received, bytes) == Destination.Length)
            {
                Done.TrySetResult();
                return true;
            }

            return false;
        }
    }
}
