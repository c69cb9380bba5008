using System.Collections.Concurrent;
using System.Net;
using Collectives.Internal;
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

    // A payload is received in parts of at most this size, so progress (and the stall deadline) moves even on a slow
    // link while one large frame arrives. Each part still lands straight in the tensor's memory.
    private const int ProgressBytes = 1 << 20;

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

    /// <summary>
    /// One slice to fetch: from <paramref name="Donor"/>, bytes [Offset, +Length) of entry <paramref name="EntryIndex"/>
    /// into <paramref name="Destination"/>, each part reported to <paramref name="Tensor"/> once written.
    /// </summary>
    public readonly record struct Slice(PeerId Donor, IPEndPoint DonorEndPoint, uint EntryIndex, ulong Offset, Memory<byte> Destination, FetchedTensor Tensor);

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
                var pending = new PendingRequest(slice.Destination.Slice(from, length), slice.Tensor, slice.Offset + (ulong)from);
                _pending[id] = pending;
                pending.Done.Task.ObserveFaults(); // a fetch that ends early (send failed, timeout) leaves the rest unawaited
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
        all.ObserveFaults(); // the timeout and cancellation exits below leave it unawaited; the fault surfaces through them
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

        // A donor answers a request on the connection that carried it, in order: the payload must continue exactly where
        // the request stands, so every byte is written once (which the overlapped verification relies on).
        if (header.Offset != (ulong)pending.Received || header.PayloadLength > (ulong)(pending.Destination.Length - pending.Received))
        {
            throw new ProtocolViolationException(
                $"donor data at {header.Offset} (+{header.PayloadLength}) where a {pending.Destination.Length}-byte request stands at {pending.Received}");
        }

        if (pending.Destination.Length == 0 && pending.Add(0))
        {
            _pending.TryRemove(header.Tag, out _); // an empty request is answered by one empty frame
        }

        for (int read = 0; read < (int)header.PayloadLength;)
        {
            int at = pending.Received;
            int length = Math.Min(ProgressBytes, (int)header.PayloadLength - read);
            await connection.ReadPayloadAsync(pending.Destination.Slice(at, length), cancellationToken).ConfigureAwait(false);
            read += length;
            Interlocked.Add(ref _received, length);
            Interlocked.Exchange(ref _lastProgress, Environment.TickCount64);
            pending.Tensor.OnWritten(pending.TensorOffset + (ulong)at, length);
            if (pending.Add(length))
            {
                _pending.TryRemove(header.Tag, out _);
            }
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

    /// <summary>A request in flight; touched only by the receive loop of the connection that carries it.</summary>
    private sealed class PendingRequest(Memory<byte> destination, FetchedTensor tensor, ulong tensorOffset)
    {
        public Memory<byte> Destination { get; } = destination;

        public FetchedTensor Tensor { get; } = tensor;

        /// <summary>Where <see cref="Destination"/> starts in the tensor.</summary>
        public ulong TensorOffset { get; } = tensorOffset;

        /// <summary>Bytes written so far (the request is filled in order).</summary>
        public int Received { get; private set; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Counts bytes; true when the request is complete.</summary>
        public bool Add(int bytes)
        {
            Received += bytes;
            if (Received == Destination.Length)
            {
                Done.TrySetResult();
                return true;
            }

            return false;
        }
    }
}
