using Collectives.Protocol;
using Collectives.Transport;

namespace Collectives.Membership;

/// <summary>
/// Outbound data links by neighbour, dialled on first use and redialled when broken. Rings change (joins, deaths,
/// optimisation) without ceremony: a run simply asks for the link to its current successor.
/// </summary>
internal sealed class LinkCache : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<PeerId, Task<OutboundLink>> _links = [];
    private readonly TransportOptions _options;
    private readonly CancellationTokenSource _closed = new();
    private Guid _self;

    public LinkCache(TransportOptions options) => _options = options;

    /// <summary>Our identity in handshakes; set once the master assigned it.</summary>
    public void SetSelf(PeerId self) => _self = self.ToGuid();

    /// <summary>The link to <paramref name="peer"/>, dialling (or redialling a broken one) as needed.</summary>
    /// <exception cref="ConnectionLostException">RankConnectionFailed: the peer could not be reached.</exception>
    public Task<OutboundLink> GetAsync(PeerId peer, PeerEndpoint endpoint)
    {
        lock (_gate)
        {
            if (_links.TryGetValue(peer, out Task<OutboundLink>? existing)
                && !(existing.IsFaulted || existing.IsCanceled || (existing.IsCompletedSuccessfully && existing.Result.IsBroken)))
            {
                return existing;
            }

            if (existing is { IsCompletedSuccessfully: true })
            {
                _ = existing.Result.DisposeAsync().AsTask();
            }

            Task<OutboundLink> dial = OutboundLink.ConnectAsync(
                endpoint.ToIPEndPoint(), _self, ProtocolVersion.Current, ConnectionPurpose.Data, _options.PoolSize,
                _options, ErrorCode.RankConnectionFailed, _closed.Token);
            _links[peer] = dial;
            return dial;
        }
    }

    /// <summary>Links currently open (for fault injection and statistics).</summary>
    public IReadOnlyList<OutboundLink> OpenLinks()
    {
        lock (_gate)
        {
            return _links.Values.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result).ToList();
        }
    }

    /// <summary>Closes links to peers that are no longer neighbours of anyone we talk to.</summary>
    public void Retain(IReadOnlySet<PeerId> keep)
    {
        List<Task<OutboundLink>> dropped = [];
        lock (_gate)
        {
            foreach (PeerId peer in _links.Keys.Where(p => !keep.Contains(p)).ToList())
            {
                dropped.Add(_links[peer]);
                _links.Remove(peer);
            }
        }

        foreach (Task<OutboundLink> link in dropped)
        {
            _ = link.ContinueWith(static t => t.Result.DisposeAsync().AsTask(), CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _closed.CancelAsync().ConfigureAwait(false);
        List<Task<OutboundLink>> all;
        lock (_gate)
        {
            all = _links.Values.ToList();
            _links.Clear();
        }

        foreach (Task<OutboundLink> link in all)
        {
            try
            {
                await (await link.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is CollectivesException or OperationCanceledException)
            {
                // Never connected: nothing to close.
            }
        }

        _closed.Dispose();
    }
}
