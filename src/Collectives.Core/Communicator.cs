using System.Net;
using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Collectives;

/// <summary>
/// One peer of a run: connects to the master, joins a peer group, and runs collectives with the other peers of its
/// group. Thread-safe; several all-reduces (distinct tags) may run at once. Every wait is bounded by the master's
/// liveness (heartbeats), the connect timeout, or the per-operation progress deadline, so no call hangs when peers
/// or the master die.
/// </summary>
public sealed partial class Communicator : IAsyncDisposable, IMasterListener
{
    private readonly CommunicatorOptions _options;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly InboundRouter _router;
    private readonly LinkCache _links;
    private readonly SharedState.SharedStateServer _sharedStateServer;
    private readonly Dictionary<PeerId, PeerEndpoint> _endpoints = [];
    private TransportListener? _peerListener;
    private MasterClient? _master;
    private PeerId _self;
    private bool _accepted;
    private WorldSizes _worldSizes;
    private PeerId[] _ring = [];
    private ulong _epoch;
    private CollectivesException? _lost;
    private TaskCompletionSource<bool>? _registration;
    private TaskCompletionSource? _topologyWaiter;
    private TaskCompletionSource<bool>? _pendingQuery;
    private int _state; // 0 created, 1 connecting, 2 connected, 3 disposed
    private TaskCompletionSource _membershipSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates a communicator; nothing happens on the network until <see cref="ConnectAsync"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public Communicator(CommunicatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Transport.Secret is null && RunSecret.FromEnvironment() is { } secret)
        {
            options = options with { Transport = options.Transport with { Secret = secret } };
        }

        _options = options;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<Communicator>();
        _router = new InboundRouter(options.Transport);
        _links = new LinkCache(options.Transport);
        _sharedStateServer = new SharedState.SharedStateServer(options.Transport);
    }

    /// <summary>This peer's identity, assigned by the master at registration.</summary>
    public PeerId Id => _self;

    /// <summary>The four world sizes as last told by the master (SPEC §2).</summary>
    public WorldSizes WorldSizes
    {
        get
        {
            lock (_gate)
            {
                return _worldSizes;
            }
        }
    }

    /// <summary>This peer's group's ring order as last told by the master.</summary>
    public IReadOnlyList<PeerId> Ring
    {
        get
        {
            lock (_gate)
            {
                return _ring.ToArray();
            }
        }
    }

    /// <summary>Where this peer listens for neighbours (valid after <see cref="ConnectAsync"/> started).</summary>
    public IPEndPoint? PeerEndPoint => _peerListener?.LocalEndPoint;

    /// <summary>True while connected to the master and accepted into the run.</summary>
    public bool IsAccepted
    {
        get
        {
            lock (_gate)
            {
                return _accepted && _lost is null;
            }
        }
    }

    /// <summary>
    /// Leaves the run gracefully (the others see a leave, not a failure), closes every connection and waits for
    /// running operations to settle (bounded).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, 3) == 3)
        {
            return;
        }

        if (_master is not null)
        {
            await _master.LeaveAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            await _master.DisposeAsync().ConfigureAwait(false);
        }

        FailEverything(new CollectivesException(ErrorCode.InvalidUsage, "the communicator was disposed"));
        await WaitForOperationsAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        await _links.DisposeAsync().ConfigureAwait(false);
        _router.BreakAll(new ConnectionLostException(ErrorCode.RankConnectionLost, "communicator disposed"));
        _sharedStateServer.BreakAll(new ConnectionLostException(ErrorCode.RankConnectionLost, "communicator disposed"));
        StopProbes(new ConnectionLostException(ErrorCode.RankConnectionLost, "communicator disposed"));
        if (_peerListener is not null)
        {
            await _peerListener.DisposeAsync().ConfigureAwait(false);
        }
    }

    private MasterClient RequireMaster()
    {
        lock (_gate)
        {
            if (_lost is not null)
            {
                throw new CollectivesException(_lost.ErrorCode, _lost.Message, _lost);
            }

            if (_state == 3)
            {
                throw new CollectivesException(ErrorCode.InvalidUsage, "the communicator was disposed");
            }

            return _master ?? throw new CollectivesException(ErrorCode.InvalidUsage, "the communicator is not connected; call ConnectAsync first");
        }
    }

    private MasterClient RequireAccepted()
    {
        MasterClient master = RequireMaster();
        lock (_gate)
        {
            if (!_accepted)
            {
                throw new CollectivesException(ErrorCode.InvalidUsage, "the communicator is not accepted into the run yet");
            }
        }

        return master;
    }

    /// <summary>
    /// Waits until the world sizes satisfy <paramref name="condition"/> (they change when peers join, leave or die).
    /// </summary>
    /// <exception cref="CollectivesTimeoutException">The condition did not hold within <paramref name="timeout"/>.</exception>
    public async Task<WorldSizes> WaitForWorldSizesAsync(Func<WorldSizes, bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            WorldSizes sizes;
            lock (_gate)
            {
                sizes = _worldSizes;
                changed = _membershipSignal.Task;
            }

            if (condition(sizes))
            {
                return sizes;
            }

            try
            {
                await changed.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CollectivesTimeoutException($"world sizes still {sizes} after {timeout.TotalMilliseconds:F0} ms");
            }
        }
    }

    /// <summary>
    /// Completes when the master has registered this peer during <see cref="ConnectAsync"/>, before the accepted peers
    /// let it in; from then on their <see cref="ArePeersPendingAsync"/> answers true.
    /// </summary>
    public Task Registration => _registration?.Task ?? Task.FromException(new InvalidOperationException("not connecting"));

    private void SignalMembershipLocked()
    {
        TaskCompletionSource signal = _membershipSignal;
        _membershipSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        signal.TrySetResult();
    }

    private static async Task<T> AwaitAsync<T>(Task<T> task, CancellationToken cancellationToken)
    {
        try
        {
            return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new CollectivesException(ErrorCode.Cancelled, "the operation was cancelled");
        }
    }
}
