namespace Collectives.Transport;

/// <summary>Settings of the TCP transport. Immutable; start from <see cref="Default"/> and change with <c>with</c>.</summary>
public sealed record TransportOptions
{
    /// <summary>The defaults: suitable for loopback, LAN and WAN alike.</summary>
    public static TransportOptions Default { get; } = new();

    /// <summary>Largest data-frame payload accepted from the network; larger claims break the connection before any allocation.</summary>
    public uint MaxDataPayloadLength { get; init; } = 16 << 20;

    /// <summary>Largest control or handshake payload accepted from the network (control messages are small).</summary>
    public uint MaxControlPayloadLength { get; init; } = 1 << 20;

    /// <summary>
    /// Size of the stripes a large payload is cut into and spread over the connections of a pool.
    /// 256 KiB keeps per-frame overhead negligible while letting a 1 MiB piece use four connections at once.
    /// </summary>
    public int StripeSize { get; init; } = 256 << 10;

    /// <summary>Number of TCP connections per neighbour link. More than one fills long fat pipes that a single window cannot.</summary>
    public int PoolSize { get; init; } = 4;

    /// <summary>How long dialling plus the handshake may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an accepted connection may take to complete its handshake before it is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a data frame for a not-yet-announced sequence number may wait for its operation to be registered.
    /// The sender only sends after the master commenced the operation, so the announcement is at most one control
    /// message away; waiting longer means the peers disagree and the connection is broken.
    /// </summary>
    public TimeSpan UnannouncedFrameTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Kernel send/receive buffer size per socket; 0 leaves the operating system's autotuning alone.</summary>
    public int SocketBufferSize { get; init; }

    /// <summary>Size of each connection's receive buffer and scratch space for payloads that are not received in place.</summary>
    public int ReceiveBufferSize { get; init; } = 64 << 10;

    /// <summary>
    /// The run secret every connection must prove knowledge of (both ways). Null: no authentication — then anyone who
    /// can reach a port can join, so only use it on trusted networks.
    /// </summary>
    public RunSecret? Secret { get; init; }

    /// <summary>
    /// TLS 1.3 on every connection (encryption plus certificate authentication). Null (default): plain TCP. Master and
    /// peers must agree; a TLS side and a plain side cannot talk.
    /// </summary>
    public TlsOptions? Tls { get; init; }

    /// <summary>Validates the settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of its range.</exception>
    /// <exception cref="ArgumentException">The <see cref="Tls"/> settings are unusable.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(PoolSize, 1, nameof(PoolSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PoolSize, 64, nameof(PoolSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(StripeSize, 4096, nameof(StripeSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)StripeSize, MaxDataPayloadLength, nameof(StripeSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReceiveBufferSize, 4096, nameof(ReceiveBufferSize));
        ArgumentOutOfRangeException.ThrowIfNegative(SocketBufferSize, nameof(SocketBufferSize));
        Tls?.Validate();
    }
}
