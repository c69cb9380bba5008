using System.Net;
using Collectives.Membership;
using Collectives.Transport;

namespace Collectives.Interop;

/// <summary>Builds library options from the C structs; defaults come from the library's own option records.</summary>
internal static unsafe class AbiOptions
{
    private static readonly CommunicatorOptions CommunicatorDefaults = new(new IPEndPoint(IPAddress.Loopback, MasterOptions.DefaultPort));

    /// <summary>The C defaults of <c>collectivesCommOptions_t</c>.</summary>
    public static AbiCommOptions DefaultCommOptions => new()
    {
        StructSize = (uint)sizeof(AbiCommOptions),
        ConnectTimeoutMs = ToMilliseconds(CommunicatorDefaults.ConnectTimeout),
        HeartbeatIntervalMs = ToMilliseconds(CommunicatorDefaults.HeartbeatInterval),
        MasterTimeoutMs = ToMilliseconds(CommunicatorDefaults.MasterTimeout),
        ProgressTimeoutMs = ToMilliseconds(CommunicatorDefaults.ProgressTimeout),
    };

    /// <summary>The C defaults of <c>collectivesMasterOptions_t</c>.</summary>
    public static AbiMasterOptions DefaultMasterOptions => new()
    {
        StructSize = (uint)sizeof(AbiMasterOptions),
        HeartbeatIntervalMs = ToMilliseconds(MasterOptions.Default.HeartbeatInterval),
        PeerTimeoutMs = ToMilliseconds(MasterOptions.Default.PeerTimeout),
    };

    /// <summary>Communicator options from <c>pcclCommCreateParams_t</c> and, optionally, <c>collectivesCommOptions_t</c>.</summary>
    /// <exception cref="CollectivesException">InvalidArgument for an unknown protocol, a pool over 64 or inconsistent durations.</exception>
    public static CommunicatorOptions Communicator(in AbiCommCreateParams parameters, AbiCommOptions* extra)
    {
        const int MaxPoolSize = 64;
        if (parameters.P2PConnectionPoolSize > MaxPoolSize)
        {
            throw AbiConvert.Invalid($"p2p_connection_pool_size {parameters.P2PConnectionPoolSize} is over {MaxPoolSize}");
        }

        TransportOptions transport = parameters.P2PConnectionPoolSize == 0
            ? TransportOptions.Default
            : TransportOptions.Default with { PoolSize = (int)parameters.P2PConnectionPoolSize };
        CommunicatorOptions options = CommunicatorDefaults with
        {
            Master = parameters.MasterAddress.ToEndPoint(),
            PeerGroup = parameters.PeerGroup,
            Transport = transport,
            LoggerFactory = NativeLogging.Shared,
        };

        if (extra is not null)
        {
            RequireSize(extra->StructSize, sizeof(AbiCommOptions), "collectivesCommOptions_t");
            options = options with
            {
                ConnectTimeout = AbiConvert.Milliseconds(extra->ConnectTimeoutMs, options.ConnectTimeout),
                HeartbeatInterval = AbiConvert.Milliseconds(extra->HeartbeatIntervalMs, options.HeartbeatInterval),
                MasterTimeout = AbiConvert.Milliseconds(extra->MasterTimeoutMs, options.MasterTimeout),
                ProgressTimeout = AbiConvert.Milliseconds(extra->ProgressTimeoutMs, options.ProgressTimeout),
                PeerListen = extra->UseListenAddress != 0 ? extra->ListenAddress.ToEndPoint() : options.PeerListen,
                AdvertisedAddress = extra->UseAdvertisedAddress != 0 ? extra->AdvertisedAddress.ToAddress() : null,
                AdvertisedPort = extra->UseAdvertisedAddress != 0 ? extra->AdvertisedAddress.Port : 0,
            };
        }

        options.Validate();
        return options;
    }

    /// <summary>Master options from the listening address and, optionally, <c>collectivesMasterOptions_t</c>.</summary>
    /// <exception cref="CollectivesException">InvalidArgument for an unknown protocol or inconsistent durations.</exception>
    public static MasterOptions Master(in AbiSocketAddress listen, AbiMasterOptions* extra)
    {
        MasterOptions options = MasterOptions.Default with { Listen = listen.ToEndPoint() };
        if (extra is not null)
        {
            RequireSize(extra->StructSize, sizeof(AbiMasterOptions), "collectivesMasterOptions_t");
            options = options with
            {
                HeartbeatInterval = AbiConvert.Milliseconds(extra->HeartbeatIntervalMs, options.HeartbeatInterval),
                PeerTimeout = AbiConvert.Milliseconds(extra->PeerTimeoutMs, options.PeerTimeout),
            };
        }

        options.Validate();
        return options;
    }

    private static void RequireSize(uint declared, int expected, string name)
    {
        if (declared < expected)
        {
            throw AbiConvert.Invalid($"{name}.struct_size is {declared}, expected at least {expected}; initialise it with the matching *Init function");
        }
    }

    private static uint ToMilliseconds(TimeSpan value) => (uint)value.TotalMilliseconds;
}
