using System.Net;
using Collectives.Diagnostics;
using Collectives.Internal;
using Collectives.Membership;
using Collectives.Protocol.Messages;
using Collectives.Protocol;
using Collectives.Transport;

namespace Collectives;

public sealed partial class Communicator
{
    /// <summary>
    /// Opens this peer's listening port, connects to the master and registers, then waits until the accepted peers
    /// let this peer in (at once when it is the first). Blocks for as long as the existing peers take to call
    /// <see cref="UpdateTopologyAsync"/>; reaching and registering with the master is bounded by
    /// <see cref="CommunicatorOptions.ConnectTimeout"/>.
    /// </summary>
    /// <exception cref="CollectivesException">
    /// InvalidUsage when already connected; MasterConnectionFailed when the master is unreachable, refuses, or is lost;
    /// Kicked when the master removed this peer; Cancelled.
    /// </exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new CollectivesException(ErrorCode.InvalidUsage, "ConnectAsync was already called on this communicator");
        }

        _peerListener = new TransportListener(_options.PeerListen, Guid.NewGuid(), ProtocolVersion.Current, _options.Transport, new PeerAcceptor(_router, _sharedStateServer, _probeServer), logger: _logger);
        _peerListener.Start();
        _registration = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _topologyWaiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _registration.Task.ObserveFaults();
        _topologyWaiter.Task.ObserveFaults();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.ConnectTimeout);
        try
        {
            _master = await MasterClient.ConnectAsync(_options.Master, _options.Transport, _options.HeartbeatInterval,
                _options.MasterTimeout, this, deadline.Token).ConfigureAwait(false);
            int port = _options.AdvertisedPort != 0 ? _options.AdvertisedPort : _peerListener.LocalEndPoint.Port;
            PeerAddress? advertised = _options.AdvertisedAddress is { } address ? PeerAddress.FromIPAddress(address) : null;
            _master.Send(new Register(_options.PeerGroup, (ushort)port, advertised));
            await _registration.Task.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CollectivesException(ErrorCode.MasterConnectionFailed,
                $"no registration from the master at {_options.Master} within {_options.ConnectTimeout.TotalSeconds:F0} s");
        }
        catch (OperationCanceledException)
        {
            throw new CollectivesException(ErrorCode.Cancelled, "connect was cancelled");
        }

        PeerLog.Connected(_logger, _options.Master, _self.ToString(), _options.PeerGroup, _peerListener.LocalEndPoint.Port);
        await AwaitAsync(_topologyWaiter!.Task, cancellationToken).ConfigureAwait(false);
        Interlocked.CompareExchange(ref _state, 2, 1);
        WorldSizes sizes = WorldSizes;
        PeerLog.Accepted(_logger, sizes.Global, sizes.PeerGroup);
    }

    /// <summary>
    /// Collective step between training steps: votes to accept pending peers and, when the ring changes, rebuilds the
    /// data links. Completes when every accepted peer voted (at once when nothing is pending). Refused while
    /// asynchronous all-reduces of this peer are running.
    /// </summary>
    /// <exception cref="CollectivesException">
    /// PendingAsyncOps while all-reduces run; UpdateTopologyFailed (transient: call again); InvalidUsage when not
    /// accepted; MasterConnectionFailed; Cancelled.
    /// </exception>
    public async Task UpdateTopologyAsync(CancellationToken cancellationToken = default)
    {
        MasterClient master = RequireAccepted();
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        waiter.Task.ObserveFaults();
        lock (_gate)
        {
            if (_operations.Count > 0)
            {
                throw new CollectivesException(ErrorCode.PendingAsyncOps,
                    $"{_operations.Count} all-reduce(s) still running; await them before updating the topology");
            }

            if (_topologyWaiter is { Task.IsCompleted: false })
            {
                throw new CollectivesException(ErrorCode.InvalidUsage, "a topology update is already in progress");
            }

            // The master kicks a peer that votes while it waits in another collective phase.
            if (_sync is not null || _pendingQuery is { Task.IsCompleted: false })
            {
                throw new CollectivesException(ErrorCode.InvalidUsage, "a shared-state sync or peers-pending query is still running");
            }

            _topologyWaiter = waiter;
        }

        master.Send(new VoteUpdateTopology());
        await AwaitAsync(waiter.Task, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Collective query over all accepted peers: is anyone waiting to be accepted? Every peer gets the same answer.
    /// Allowed while asynchronous all-reduces run.
    /// </summary>
    /// <exception cref="CollectivesException">InvalidUsage when not accepted or a query is already running; MasterConnectionFailed; Cancelled.</exception>
    public async Task<bool> ArePeersPendingAsync(CancellationToken cancellationToken = default)
    {
        MasterClient master = RequireAccepted();
        var query = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        query.Task.ObserveFaults();
        if (Volatile.Read(ref _topologyWaiter) is { Task.IsCompleted: false })
        {
            throw new CollectivesException(ErrorCode.InvalidUsage, "a topology update is in progress");
        }

        if (Interlocked.CompareExchange(ref _pendingQuery, query, null) is { Task.IsCompleted: false })
        {
            throw new CollectivesException(ErrorCode.InvalidUsage, "a peers-pending query is already in progress");
        }

        Volatile.Write(ref _pendingQuery, query);
        master.Send(new QueryPeersPending());
        try
        {
            return await AwaitAsync(query.Task, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.CompareExchange(ref _pendingQuery, null, query);
        }
    }

    // Waits on the completion source's task itself (which is marked observed): an adapter task in between would be
    // left faulted and unobserved when the caller's token fires first and the wait fails later (disposal, master loss).
    private static async Task AwaitAsync(Task task, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new CollectivesException(ErrorCode.Cancelled, "the operation was cancelled");
        }
    }

    /// <summary>Fault injection: cuts the control connection and every data connection, as a network failure would.</summary>
    public void SimulateConnectionFailure()
    {
        _master?.Connection.InjectDrop();
        foreach (OutboundLink link in _links.OpenLinks())
        {
            link.Break(new ConnectionLostException(ErrorCode.RankConnectionLost, "dropped by fault injection"));
        }

        _router.BreakAll(new ConnectionLostException(ErrorCode.RankConnectionLost, "dropped by fault injection"));
    }

    /// <summary>
    /// Fault injection: freezes (or thaws) every data and shared-state connection of this peer without closing it, as a
    /// hung process or a black-holed route would, including shared-state connections that open while frozen; the
    /// control connection keeps heartbeating.
    /// </summary>
    public void SimulateStall(bool stalled)
    {
        _sharedStateServer.Stalled = stalled;
        IEnumerable<FramedConnection> connections = _links.OpenLinks().SelectMany(l => l.Connections)
            .Concat(_router.AllConnections()).Concat(_sharedStateServer.AllConnections());
        foreach (FramedConnection connection in connections)
        {
            if (stalled)
            {
                connection.InjectStall();
            }
            else
            {
                connection.ReleaseStall();
            }
        }
    }

    /// <summary>Test seam: freezes only the data connections other peers dialled to this one (it stops reading them).</summary>
    internal void SimulateInboundStall()
    {
        foreach (FramedConnection connection in _router.AllConnections())
        {
            connection.InjectStall();
        }
    }

    /// <summary>Test seam: breaks only this peer's outbound data links (the peers it sends to see their source fail).</summary>
    internal void SimulateOutboundLinkFailure()
    {
        foreach (OutboundLink link in _links.OpenLinks())
        {
            link.Break(new ConnectionLostException(ErrorCode.RankConnectionLost, "outbound links broken by fault injection"));
        }
    }

    /// <summary>Total collective payload bytes this peer received (all runs).</summary>
    public long BytesReceived => _router.BytesRouted;

    internal IPEndPoint MasterEndPoint => _options.Master;
}
