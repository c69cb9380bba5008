using System.Net;
using Collectives.Transport;
using Microsoft.Extensions.Logging;

namespace Collectives;

/// <summary>Settings of a <see cref="Communicator"/>. Immutable; start from <c>new CommunicatorOptions(master)</c> and change with <c>with</c>.</summary>
/// <param name="Master">Where the master listens.</param>
public sealed record CommunicatorOptions(IPEndPoint Master)
{
    /// <summary>The peer group to join; collectives and shared state span one group.</summary>
    public uint PeerGroup { get; init; }

    /// <summary>
    /// Where this peer listens for its neighbours (one port for all peer-to-peer traffic). Port 0 picks a free port.
    /// The default listens on all interfaces.
    /// </summary>
    public IPEndPoint PeerListen { get; init; } = new(IPAddress.Any, 0);

    /// <summary>
    /// The address other peers should dial (NAT, port forwarding). Null: the address the master sees this peer at.
    /// </summary>
    public IPAddress? AdvertisedAddress { get; init; }

    /// <summary>The port other peers should dial when it differs from the listening port (port forwarding). 0: the listening port.</summary>
    public int AdvertisedPort { get; init; }

    /// <summary>TCP transport settings: connection pool size, stripe size, limits.</summary>
    public TransportOptions Transport { get; init; } = TransportOptions.Default;

    /// <summary>Bound on reaching and registering with the master.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often this peer sends heartbeats to the master.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The master is considered lost after this much silence (it sends heartbeats too).</summary>
    public TimeSpan MasterTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// An operation that receives nothing for this long fails on this peer (and so, through the master, on all), so a
    /// neighbour that stalls while its connections stay open cannot hang the ring.
    /// </summary>
    public TimeSpan ProgressTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound of a pipelined piece on the wire; capped at the transport's stripe size.</summary>
    public int PieceBytes { get; init; } = 256 << 10;

    /// <summary>Where log messages go; null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Validates the settings.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Master);
        ArgumentNullException.ThrowIfNull(PeerListen);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HeartbeatInterval, TimeSpan.Zero, nameof(HeartbeatInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MasterTimeout, HeartbeatInterval, nameof(MasterTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ProgressTimeout, TimeSpan.Zero, nameof(ProgressTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(PieceBytes, 64, nameof(PieceBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(AdvertisedPort, nameof(AdvertisedPort));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(AdvertisedPort, 65535, nameof(AdvertisedPort));
        Transport.Validate();
    }
}

/// <summary>What one all-reduce did.</summary>
/// <param name="WorldSize">Peers that took part in the successful run.</param>
/// <param name="TxBytes">Payload bytes this peer sent (all attempts included for many-with-retry).</param>
/// <param name="RxBytes">Payload bytes this peer received.</param>
public readonly record struct AllReduceInfo(int WorldSize, long TxBytes, long RxBytes);
