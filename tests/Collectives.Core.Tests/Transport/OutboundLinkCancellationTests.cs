using System.Net;
using System.Net.Sockets;
using Collectives.Protocol;
using Collectives.Transport;
using NUnit.Framework;

namespace Collectives.Tests.Transport;

[TestFixture]
public class OutboundLinkCancellationTests
{
    // Regression (found by the stress test): when every dial of the pool was cancelled, the error selection ran
    // Enumerable.First over no exceptions and threw InvalidOperationException, which escaped Communicator.DisposeAsync.
    [TestCase(1)]
    [TestCase(3)]
    public async Task ADialCancelledByTheCallerEndsInOperationCanceled(int poolSize)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.CatchAsync<OperationCanceledException>(() => OutboundLink.ConnectAsync((IPEndPoint)listener.LocalEndpoint, Guid.NewGuid(),
            ProtocolVersion.Current, ConnectionPurpose.Data, poolSize, TransportOptions.Default, ErrorCode.RankConnectionFailed, cancelled.Token));
    }
}
