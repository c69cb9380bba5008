/*
 * Prints the size and member offsets of every struct of the C API, one "name value" per line, and the values of
 * the enums. The .NET tests compare this output with the Collectives.Interop mirrors; running it against another
 * implementation's header shows layout differences at a glance.
 */
#include <pccl.h>

#include <stddef.h>
#include <stdio.h>

#define SIZE(type) printf("sizeof(%s) %u\n", #type, (unsigned)sizeof(type))
#define OFFSET(type, member) printf("offsetof(%s,%s) %u\n", #type, #member, (unsigned)offsetof(type, member))
#define VALUE(name) printf("%s %d\n", #name, (int)(name))

int main(void) {
    SIZE(ccoip_inet_address_t);
    OFFSET(ccoip_inet_address_t, protocol);
    OFFSET(ccoip_inet_address_t, ipv4);
    OFFSET(ccoip_inet_address_t, ipv6);
    SIZE(ccoip_socket_address_t);
    OFFSET(ccoip_socket_address_t, inet);
    OFFSET(ccoip_socket_address_t, port);

    SIZE(pcclCommCreateParams_t);
    OFFSET(pcclCommCreateParams_t, master_address);
    OFFSET(pcclCommCreateParams_t, peer_group);
    OFFSET(pcclCommCreateParams_t, p2p_connection_pool_size);

    SIZE(pcclReduceInfo_t);
    OFFSET(pcclReduceInfo_t, local_world_size);
    OFFSET(pcclReduceInfo_t, tx_bytes);
    OFFSET(pcclReduceInfo_t, rx_bytes);

    SIZE(pcclReduceOperandDescriptor_t);
    OFFSET(pcclReduceOperandDescriptor_t, datatype);
    OFFSET(pcclReduceOperandDescriptor_t, distribution_hint);

    SIZE(pcclQuantizationOptions_t);
    OFFSET(pcclQuantizationOptions_t, quantized_datatype);
    OFFSET(pcclQuantizationOptions_t, algorithm);

    SIZE(pcclReduceDescriptor_t);
    OFFSET(pcclReduceDescriptor_t, count);
    OFFSET(pcclReduceDescriptor_t, op);
    OFFSET(pcclReduceDescriptor_t, tag);
    OFFSET(pcclReduceDescriptor_t, src_descriptor);
    OFFSET(pcclReduceDescriptor_t, quantization_options);

    SIZE(pcclReduceOpDescriptor_t);
    OFFSET(pcclReduceOpDescriptor_t, sendbuf);
    OFFSET(pcclReduceOpDescriptor_t, recvbuf);
    OFFSET(pcclReduceOpDescriptor_t, descriptor);

    SIZE(pcclAsyncReduceOp_t);
    OFFSET(pcclAsyncReduceOp_t, comm);
    OFFSET(pcclAsyncReduceOp_t, tag);

    SIZE(pcclRankUuid_t);

    SIZE(pcclTensorInfo_t);
    OFFSET(pcclTensorInfo_t, name);
    OFFSET(pcclTensorInfo_t, data);
    OFFSET(pcclTensorInfo_t, count);
    OFFSET(pcclTensorInfo_t, datatype);
    OFFSET(pcclTensorInfo_t, device_type);
    OFFSET(pcclTensorInfo_t, allow_content_inequality);

    SIZE(pcclSharedState_t);
    OFFSET(pcclSharedState_t, revision);
    OFFSET(pcclSharedState_t, count);
    OFFSET(pcclSharedState_t, infos);

    SIZE(pcclSharedStateSyncInfo_t);
    OFFSET(pcclSharedStateSyncInfo_t, tx_bytes);
    OFFSET(pcclSharedStateSyncInfo_t, rx_bytes);

    SIZE(pcclBuildInfo_t);

    SIZE(pcclResult_t);
    SIZE(pcclDataType_t);
    SIZE(pcclAttribute_t);

    VALUE(inetIPv4);
    VALUE(inetIPv6);
    VALUE(pcclSuccess);
    VALUE(pcclNotInitialized);
    VALUE(pcclInternalError);
    VALUE(pcclInvalidArgument);
    VALUE(pcclInvalidUsage);
    VALUE(pcclTooFewPeers);
    VALUE(pcclMasterConnectionFailed);
    VALUE(pcclRankConnectionFailed);
    VALUE(pcclRankConnectionLost);
    VALUE(pcclNoSharedStateAvailable);
    VALUE(pcclPendingAsyncOps);
    VALUE(pcclUpdateTopologyFailed);
    VALUE(pcclTopologyOptimizationFailed);
    VALUE(pcclUint8);
    VALUE(pcclInt8);
    VALUE(pcclInt16);
    VALUE(pcclUint16);
    VALUE(pcclUint32);
    VALUE(pcclInt32);
    VALUE(pcclUint64);
    VALUE(pcclInt64);
    VALUE(pcclFloat16);
    VALUE(pcclBFloat16);
    VALUE(pcclFloat);
    VALUE(pcclDouble);
    VALUE(pcclDeviceCpu);
    VALUE(pcclDeviceCuda);
    VALUE(pcclSum);
    VALUE(pcclAvg);
    VALUE(pcclProd);
    VALUE(pcclMax);
    VALUE(pcclMin);
    VALUE(PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE);
    VALUE(PCCL_ATTRIBUTE_PEER_GROUP_WORLD_SIZE);
    VALUE(PCCL_ATTRIBUTE_NUM_DISTINCT_PEER_GROUPS);
    VALUE(PCCL_ATTRIBUTE_LARGEST_PEER_GROUP_WORLD_SIZE);
    VALUE(PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR);
    VALUE(PCCL_SHARED_STATE_SYNC_STRATEGY_RECEIVE_ONLY);
    VALUE(PCCL_SHARED_STATE_SYNC_STRATEGY_SEND_ONLY);
    VALUE(pcclDistributionNone);
    VALUE(pcclDistributionNormal);
    VALUE(pcclDistributionUniform);
    VALUE(pcclQuantNone);
    VALUE(pcclQuantMinMax);
    VALUE(pcclQuantZeroPointScale);

#ifdef COLLECTIVES_C_API
    SIZE(collectivesCommOptions_t);
    OFFSET(collectivesCommOptions_t, struct_size);
    OFFSET(collectivesCommOptions_t, connect_timeout_ms);
    OFFSET(collectivesCommOptions_t, heartbeat_interval_ms);
    OFFSET(collectivesCommOptions_t, master_timeout_ms);
    OFFSET(collectivesCommOptions_t, progress_timeout_ms);
    OFFSET(collectivesCommOptions_t, use_listen_address);
    OFFSET(collectivesCommOptions_t, listen_address);
    OFFSET(collectivesCommOptions_t, use_advertised_address);
    OFFSET(collectivesCommOptions_t, advertised_address);
    SIZE(collectivesMasterOptions_t);
    OFFSET(collectivesMasterOptions_t, struct_size);
    OFFSET(collectivesMasterOptions_t, heartbeat_interval_ms);
    OFFSET(collectivesMasterOptions_t, peer_timeout_ms);
    VALUE(pcclTimeout);
    VALUE(pcclAuthenticationFailed);
    VALUE(pcclProtocolViolation);
    VALUE(pcclKicked);
    VALUE(pcclDescriptorMismatch);
    VALUE(pcclCancelled);
    VALUE(COLLECTIVES_LOG_TRACE);
    VALUE(COLLECTIVES_LOG_NONE);
#endif
    return 0;
}
