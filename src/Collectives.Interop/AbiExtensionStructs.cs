using System.Runtime.InteropServices;

namespace Collectives.Interop;

/// <summary><c>collectivesCommOptions_t</c> (84 bytes). Durations in milliseconds; 0 selects the default.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct AbiCommOptions
{
    /// <summary><c>struct_size</c>: must be at least <c>sizeof(AbiCommOptions)</c>.</summary>
    public uint StructSize;

    /// <summary><c>connect_timeout_ms</c>.</summary>
    public uint ConnectTimeoutMs;

    /// <summary><c>heartbeat_interval_ms</c>.</summary>
    public uint HeartbeatIntervalMs;

    /// <summary><c>master_timeout_ms</c>.</summary>
    public uint MasterTimeoutMs;

    /// <summary><c>progress_timeout_ms</c>.</summary>
    public uint ProgressTimeoutMs;

    /// <summary><c>use_listen_address</c>.</summary>
    public uint UseListenAddress;

    /// <summary><c>listen_address</c>.</summary>
    public AbiSocketAddress ListenAddress;

    /// <summary><c>use_advertised_address</c>.</summary>
    public uint UseAdvertisedAddress;

    /// <summary><c>advertised_address</c>.</summary>
    public AbiSocketAddress AdvertisedAddress;
}

/// <summary><c>collectivesMasterOptions_t</c> (12 bytes). Durations in milliseconds; 0 selects the default.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct AbiMasterOptions
{
    /// <summary><c>struct_size</c>: must be at least <c>sizeof(AbiMasterOptions)</c>.</summary>
    public uint StructSize;

    /// <summary><c>heartbeat_interval_ms</c>.</summary>
    public uint HeartbeatIntervalMs;

    /// <summary><c>peer_timeout_ms</c>.</summary>
    public uint PeerTimeoutMs;
}
