using System.Net;
using Collectives.Transport;

namespace Collectives.Tests.Transport;

/// <summary>A listener whose data connections feed an <see cref="InboundRouter"/>, plus an outbound link to it.</summary>
internal sealed class LoopbackPair : IAsyncDisposable, IConnectionAcceptor
{
    public const int Version = 1;

    private LoopbackPair(TransportOptions options)
    {
        Options = options;
        Router = new InboundRouter(options);
        Listener = new TransportListener(new IPEndPoint(IPAddress.Loopback, 0), ReceiverId, Version, options, this);
        Listener.Start();
    }

    public TransportOptions Options { get; }

    public Guid ReceiverId { get; } = Guid.NewGuid();

    public Guid SenderId { get; } = Guid.NewGuid();

    public InboundRouter Router { get; }

    public TransportListener Listener { get; }

    public OutboundLink Link { get; private set; } = null!;

    public static async Task<LoopbackPair> CreateAsync(TransportOptions? options = null)
    {
        var pair = new LoopbackPair(options ?? TransportOptions.Default);
        pair.Link = await OutboundLink.ConnectAsync(
            pair.Listener.LocalEndPoint, pair.SenderId, Version, ConnectionPurpose.Data, pair.Options.PoolSize,
            pair.Options, ErrorCode.RankConnectionFailed, CancellationToken.None);
        return pair;
    }

    HandshakeStatus IConnectionAcceptor.Check(HandshakeHello hello) =>
        hello.Purpose == ConnectionPurpose.Data ? HandshakeStatus.Accepted : HandshakeStatus.Refused;

    void IConnectionAcceptor.OnConnected(FramedConnection connection) => Router.Adopt(connection);

    /// <summary>Sends one message and waits until it has left the sender.</summary>
    public async Task SendAsync(ulong tag, ulong sequence, ReadOnlyMemory<byte> payload)
    {
        var tracker = new SendTracker();
        Link.Send(tag, sequence, 0, payload, tracker);
        await tracker.DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async ValueTask DisposeAsync()
    {
        await Link.DisposeAsync();
        Router.BreakAll(new ConnectionLostException(ErrorCode.RankConnectionLost, "test over"));
        await Listener.DisposeAsync();
    }
}
