using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Collectives.Interop;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Collectives.Native.Tests;

/// <summary>
/// The Interop mirrors against the compiled header: native/tests/abi_layout prints sizeof, offsetof and enum values as
/// gcc sees them, and every one must match the .NET side.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class AbiLayoutTests
{
    private static Dictionary<string, int>? s_facts;

    private static async Task<Dictionary<string, int>> FactsAsync()
    {
        if (s_facts is not null)
        {
            return s_facts;
        }

        string build = await NativeArtifacts.CMakeBuildDirectoryAsync();
        ProcessRunner.Result run = await ProcessRunner.RunAsync(Path.Combine(build, "tests", "abi_layout"), [], build, TimeSpan.FromMinutes(1));
        Assert.That(run.ExitCode, Is.Zero, run.Output);
        s_facts = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(parts => parts[0], parts => int.Parse(parts[1], CultureInfo.InvariantCulture));
        return s_facts;
    }

    private static IEnumerable<TestCaseData> Structs()
    {
        yield return Struct<AbiInetAddress>("ccoip_inet_address_t", ("protocol", "Protocol"), ("ipv4", "IPv4"), ("ipv6", "IPv6"));
        yield return Struct<AbiSocketAddress>("ccoip_socket_address_t", ("inet", "Inet"), ("port", "Port"));
        yield return Struct<AbiCommCreateParams>("pcclCommCreateParams_t",
            ("master_address", "MasterAddress"), ("peer_group", "PeerGroup"), ("p2p_connection_pool_size", "P2PConnectionPoolSize"));
        yield return Struct<AbiReduceInfo>("pcclReduceInfo_t", ("local_world_size", "LocalWorldSize"), ("tx_bytes", "TxBytes"), ("rx_bytes", "RxBytes"));
        yield return Struct<AbiReduceOperandDescriptor>("pcclReduceOperandDescriptor_t", ("datatype", "DataType"), ("distribution_hint", "DistributionHint"));
        yield return Struct<AbiQuantizationOptions>("pcclQuantizationOptions_t", ("quantized_datatype", "QuantizedDataType"), ("algorithm", "Algorithm"));
        yield return Struct<AbiReduceDescriptor>("pcclReduceDescriptor_t",
            ("count", "Count"), ("op", "Op"), ("tag", "Tag"), ("src_descriptor", "Source"), ("quantization_options", "Quantization"));
        yield return Struct<AbiReduceOpDescriptor>("pcclReduceOpDescriptor_t", ("sendbuf", "SendBuffer"), ("recvbuf", "ReceiveBuffer"), ("descriptor", "Descriptor"));
        yield return Struct<AbiAsyncReduceOp>("pcclAsyncReduceOp_t", ("comm", "Communicator"), ("tag", "Tag"));
        yield return Struct<AbiTensorInfo>("pcclTensorInfo_t", ("name", "Name"), ("data", "Data"), ("count", "Count"), ("datatype", "DataType"),
            ("device_type", "DeviceType"), ("allow_content_inequality", "AllowContentInequality"));
        yield return Struct<AbiSharedState>("pcclSharedState_t", ("revision", "Revision"), ("count", "Count"), ("infos", "Infos"));
        yield return Struct<AbiSharedStateSyncInfo>("pcclSharedStateSyncInfo_t", ("tx_bytes", "TxBytes"), ("rx_bytes", "RxBytes"));
        yield return Struct<AbiBuildInfo>("pcclBuildInfo_t");
        yield return Struct<AbiCommOptions>("collectivesCommOptions_t", ("struct_size", "StructSize"), ("connect_timeout_ms", "ConnectTimeoutMs"),
            ("heartbeat_interval_ms", "HeartbeatIntervalMs"), ("master_timeout_ms", "MasterTimeoutMs"), ("progress_timeout_ms", "ProgressTimeoutMs"),
            ("use_listen_address", "UseListenAddress"), ("listen_address", "ListenAddress"),
            ("use_advertised_address", "UseAdvertisedAddress"), ("advertised_address", "AdvertisedAddress"));
        yield return Struct<AbiMasterOptions>("collectivesMasterOptions_t",
            ("struct_size", "StructSize"), ("heartbeat_interval_ms", "HeartbeatIntervalMs"), ("peer_timeout_ms", "PeerTimeoutMs"));
    }

    private static TestCaseData Struct<T>(string cName, params (string C, string Managed)[] members) where T : unmanaged =>
        // Unsafe.SizeOf is the size .NET uses when it reads and writes these structs through C pointers.
        new TestCaseData(cName, Unsafe.SizeOf<T>(), members.Select(m => (m.C, (int)Marshal.OffsetOf<T>(m.Managed))).ToArray()).SetArgDisplayNames(cName);

    [TestCaseSource(nameof(Structs))]
    [CancelAfter(300_000)]
    public async Task StructLayoutMatchesTheHeader(string cName, int managedSize, (string Member, int Offset)[] managedOffsets)
    {
        Dictionary<string, int> facts = await FactsAsync();
        Assert.That(managedSize, Is.EqualTo(facts[$"sizeof({cName})"]), $"sizeof({cName})");
        foreach ((string member, int offset) in managedOffsets)
        {
            Assert.That(offset, Is.EqualTo(facts[$"offsetof({cName},{member})"]), $"offsetof({cName}, {member})");
        }
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task EveryErrorCodeIsAResultCodeWithTheSameValue()
    {
        Dictionary<string, int> facts = await FactsAsync();
        foreach (ErrorCode code in Enum.GetValues<ErrorCode>())
        {
            string name = "pccl" + code;
            Assert.That(facts.TryGetValue(name, out int value), Is.True, $"{name} is missing from pcclResult_t");
            Assert.That(value, Is.EqualTo((int)code), name);
        }
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task EnumMirrorsMatchTheHeader()
    {
        Dictionary<string, int> facts = await FactsAsync();
        var expected = new Dictionary<string, int>
        {
            ["inetIPv4"] = (int)AbiInetProtocol.IPv4,
            ["inetIPv6"] = (int)AbiInetProtocol.IPv6,
            ["pcclUint8"] = (int)AbiDataType.UInt8,
            ["pcclInt8"] = (int)AbiDataType.Int8,
            ["pcclInt16"] = (int)AbiDataType.Int16,
            ["pcclUint16"] = (int)AbiDataType.UInt16,
            ["pcclUint32"] = (int)AbiDataType.UInt32,
            ["pcclInt32"] = (int)AbiDataType.Int32,
            ["pcclUint64"] = (int)AbiDataType.UInt64,
            ["pcclInt64"] = (int)AbiDataType.Int64,
            ["pcclFloat16"] = (int)AbiDataType.Float16,
            ["pcclBFloat16"] = (int)AbiDataType.BFloat16,
            ["pcclFloat"] = (int)AbiDataType.Float32,
            ["pcclDouble"] = (int)AbiDataType.Float64,
            ["pcclDeviceCpu"] = (int)AbiDeviceType.Cpu,
            ["pcclDeviceCuda"] = (int)AbiDeviceType.Cuda,
            ["pcclSum"] = (int)AbiReduceOp.Sum,
            ["pcclAvg"] = (int)AbiReduceOp.Avg,
            ["pcclProd"] = (int)AbiReduceOp.Prod,
            ["pcclMax"] = (int)AbiReduceOp.Max,
            ["pcclMin"] = (int)AbiReduceOp.Min,
            ["PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE"] = (int)AbiAttribute.GlobalWorldSize,
            ["PCCL_ATTRIBUTE_PEER_GROUP_WORLD_SIZE"] = (int)AbiAttribute.PeerGroupWorldSize,
            ["PCCL_ATTRIBUTE_NUM_DISTINCT_PEER_GROUPS"] = (int)AbiAttribute.NumDistinctPeerGroups,
            ["PCCL_ATTRIBUTE_LARGEST_PEER_GROUP_WORLD_SIZE"] = (int)AbiAttribute.LargestPeerGroupWorldSize,
            ["PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR"] = (int)AbiSyncStrategy.EnforcePopular,
            ["PCCL_SHARED_STATE_SYNC_STRATEGY_RECEIVE_ONLY"] = (int)AbiSyncStrategy.ReceiveOnly,
            ["PCCL_SHARED_STATE_SYNC_STRATEGY_SEND_ONLY"] = (int)AbiSyncStrategy.SendOnly,
            ["pcclDistributionNone"] = (int)AbiDistributionHint.None,
            ["pcclDistributionNormal"] = (int)AbiDistributionHint.Normal,
            ["pcclDistributionUniform"] = (int)AbiDistributionHint.Uniform,
            ["pcclQuantNone"] = (int)AbiQuantizationAlgorithm.None,
            ["pcclQuantMinMax"] = (int)AbiQuantizationAlgorithm.MinMax,
            ["pcclQuantZeroPointScale"] = (int)AbiQuantizationAlgorithm.ZeroPointScale,
            ["COLLECTIVES_LOG_TRACE"] = (int)LogLevel.Trace,
            ["COLLECTIVES_LOG_NONE"] = (int)LogLevel.None,
        };
        foreach ((string name, int value) in expected)
        {
            Assert.That(facts[name], Is.EqualTo(value), name);
        }

        // C enums are int-sized, which the mirrors rely on when they hold raw values as int.
        Assert.That(facts["sizeof(pcclResult_t)"], Is.EqualTo(sizeof(int)));
        Assert.That(facts["sizeof(pcclDataType_t)"], Is.EqualTo(sizeof(int)));
        Assert.That(facts["sizeof(pcclAttribute_t)"], Is.EqualTo(sizeof(int)));
    }
}
