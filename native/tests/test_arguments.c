/* Bad arguments and wrong states give result codes, never a crash: NULL pointers, unknown enum values, garbage and
 * destroyed handles, calls before connect, and a master that was never run. */
#include "harness.h"

#include <string.h>

static pcclCommCreateParams_t valid_params(void) {
    pcclCommCreateParams_t params;
    memset(&params, 0, sizeof params);
    params.master_address = harness_loopback(1); /* nothing listens on port 1: connects fail fast */
    return params;
}

static void null_pointers_and_garbage_handles(void) {
    pcclCommCreateParams_t params = valid_params();
    pcclComm_t *comm = NULL;
    pcclComm_t *garbage = (pcclComm_t *)(uintptr_t)0x1234;
    pcclReduceDescriptor_t descriptor = harness_descriptor(4, pcclFloat, pcclSum, 1);
    pcclReduceOpDescriptor_t many;
    pcclAsyncReduceOp_t async_op;
    pcclSharedState_t state;
    float buffer[4] = {0, 0, 0, 0};
    int value = 0;
    bool pending = false;
    uint16_t port = 0;
    pcclMasterInstance_t *bad_master = (pcclMasterInstance_t *)(uintptr_t)0xdeadbeef;

    memset(&state, 0, sizeof state);
    memset(&many, 0, sizeof many);

    EXPECT_RESULT(pcclInvalidArgument, pcclCreateCommunicator(NULL, &comm));
    EXPECT_RESULT(pcclInvalidArgument, pcclCreateCommunicator(&params, NULL));
    EXPECT_RESULT(pcclInvalidArgument, collectivesCreateCommunicatorEx(&params, NULL, &comm));
    EXPECT_RESULT(pcclInvalidArgument, pcclGetBuildInfo(NULL));
    EXPECT_RESULT(pcclInvalidArgument, collectivesCommOptionsInit(NULL));
    EXPECT_RESULT(pcclInvalidArgument, collectivesMasterOptionsInit(NULL));
    EXPECT_RESULT(pcclInvalidArgument, pcclCreateMaster(harness_loopback(0), NULL));

    /* NULL and garbage communicator handles. */
    EXPECT_RESULT(pcclInvalidArgument, pcclDestroyCommunicator(NULL));
    EXPECT_RESULT(pcclInvalidArgument, pcclDestroyCommunicator(garbage));
    EXPECT_RESULT(pcclInvalidArgument, pcclConnect(NULL));
    EXPECT_RESULT(pcclInvalidArgument, pcclConnect(garbage));
    CHECK(strstr(collectivesGetLastErrorMessage(), "not a live handle") != NULL);
    EXPECT_RESULT(pcclInvalidArgument, pcclGetAttribute(garbage, PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE, &value));
    EXPECT_RESULT(pcclInvalidArgument, pcclUpdateTopology(garbage));
    EXPECT_RESULT(pcclInvalidArgument, pcclArePeersPending(garbage, &pending));
    EXPECT_RESULT(pcclInvalidArgument, pcclOptimizeTopology(garbage));
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduce(buffer, buffer, &descriptor, garbage, NULL));
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduceAsync(buffer, buffer, &descriptor, garbage, &async_op));
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduceMultipleWithRetry(&many, 1, garbage, NULL, 1));
    EXPECT_RESULT(pcclInvalidArgument, pcclSynchronizeSharedState(garbage, &state, PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR, NULL));
    EXPECT_RESULT(pcclInvalidArgument, pcclAwaitAsyncReduce(NULL, NULL));
    async_op.comm = garbage;
    async_op.tag = 1;
    EXPECT_RESULT(pcclInvalidArgument, pcclAwaitAsyncReduce(&async_op, NULL));

    /* NULL and garbage master handles. */
    EXPECT_RESULT(pcclInvalidArgument, pcclRunMaster(NULL));
    EXPECT_RESULT(pcclInvalidArgument, pcclRunMaster(bad_master));
    EXPECT_RESULT(pcclInvalidArgument, pcclInterruptMaster(bad_master));
    EXPECT_RESULT(pcclInvalidArgument, pcclMasterAwaitTermination(bad_master));
    EXPECT_RESULT(pcclInvalidArgument, pcclDestroyMaster(bad_master));
    EXPECT_RESULT(pcclInvalidArgument, collectivesGetMasterPort(bad_master, &port));

    /* A communicator handle is not a master handle and vice versa. */
    EXPECT_OK(pcclCreateCommunicator(&params, &comm));
    EXPECT_RESULT(pcclInvalidArgument, pcclRunMaster((pcclMasterInstance_t *)(void *)comm));
    CHECK(strstr(collectivesGetLastErrorMessage(), "another kind") != NULL);

    /* NULL outputs on a valid handle. */
    EXPECT_RESULT(pcclInvalidArgument, pcclArePeersPending(comm, NULL));
    EXPECT_RESULT(pcclInvalidArgument, pcclGetAttribute(comm, PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE, NULL));
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduceAsync(buffer, buffer, &descriptor, comm, NULL));
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduceMultipleWithRetry(NULL, 1, comm, NULL, 1));

    /* A destroyed handle is stale: refused, not reused. */
    EXPECT_OK(pcclDestroyCommunicator(comm));
    EXPECT_RESULT(pcclInvalidArgument, pcclDestroyCommunicator(comm));
    EXPECT_RESULT(pcclInvalidArgument, pcclConnect(comm));
    EXPECT_RESULT(pcclInvalidArgument, pcclGetAttribute(comm, PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE, &value));
}

static void bad_creation_values(void) {
    pcclCommCreateParams_t params = valid_params();
    collectivesCommOptions_t options;
    collectivesMasterOptions_t master_options;
    pcclComm_t *comm = NULL;
    pcclMasterInstance_t *master = NULL;
    ccoip_socket_address_t bad_address = harness_loopback(0);

    params.master_address.inet.protocol = (ccoip_inet_protocol_t)7;
    EXPECT_RESULT(pcclInvalidArgument, pcclCreateCommunicator(&params, &comm));
    params = valid_params();
    params.p2p_connection_pool_size = 65;
    EXPECT_RESULT(pcclInvalidArgument, pcclCreateCommunicator(&params, &comm));
    params = valid_params();

    EXPECT_OK(collectivesCommOptionsInit(&options));
    CHECK(options.struct_size == sizeof options);
    CHECK(options.connect_timeout_ms > 0 && options.heartbeat_interval_ms > 0);
    CHECK(options.master_timeout_ms > options.heartbeat_interval_ms && options.progress_timeout_ms > 0);
    options.struct_size = 4;
    EXPECT_RESULT(pcclInvalidArgument, collectivesCreateCommunicatorEx(&params, &options, &comm));
    EXPECT_OK(collectivesCommOptionsInit(&options));
    options.heartbeat_interval_ms = 1000;
    options.master_timeout_ms = 500;
    EXPECT_RESULT(pcclInvalidArgument, collectivesCreateCommunicatorEx(&params, &options, &comm));
    EXPECT_OK(collectivesCommOptionsInit(&options));
    options.use_advertised_address = 1;
    options.advertised_address.inet.protocol = (ccoip_inet_protocol_t)-1;
    EXPECT_RESULT(pcclInvalidArgument, collectivesCreateCommunicatorEx(&params, &options, &comm));

    bad_address.inet.protocol = (ccoip_inet_protocol_t)2;
    EXPECT_RESULT(pcclInvalidArgument, pcclCreateMaster(bad_address, &master));
    EXPECT_OK(collectivesMasterOptionsInit(&master_options));
    CHECK(master_options.struct_size == sizeof master_options);
    master_options.peer_timeout_ms = 10;
    master_options.heartbeat_interval_ms = 100;
    EXPECT_RESULT(pcclInvalidArgument, collectivesCreateMasterEx(harness_loopback(0), &master_options, &master));
    EXPECT_RESULT(pcclInvalidArgument, collectivesCreateMasterEx(harness_loopback(0), NULL, &master));
    CHECK(master == NULL);

    EXPECT_RESULT(pcclInvalidArgument, collectivesSetLogLevel((collectivesLogLevel_t)7));
    EXPECT_RESULT(pcclInvalidArgument, collectivesSetLogLevel((collectivesLogLevel_t)-1));
    EXPECT_OK(collectivesSetLogLevel(COLLECTIVES_LOG_WARNING));
}

static void wrong_state_before_connect(void) {
    pcclCommCreateParams_t params = valid_params();
    collectivesCommOptions_t options;
    pcclComm_t *comm = NULL;
    pcclReduceDescriptor_t descriptor = harness_descriptor(4, pcclFloat, pcclSum, 1);
    pcclReduceOpDescriptor_t many;
    pcclAsyncReduceOp_t async_op;
    pcclSharedState_t state;
    float buffer[4] = {0, 0, 0, 0};
    int value = 0;
    bool pending = false;

    memset(&state, 0, sizeof state);
    memset(&many, 0, sizeof many);
    many.sendbuf = buffer;
    many.recvbuf = buffer;
    many.descriptor = descriptor;

    EXPECT_OK(collectivesCommOptionsInit(&options));
    options.connect_timeout_ms = 500;
    EXPECT_OK(collectivesCreateCommunicatorEx(&params, &options, &comm));
    EXPECT_RESULT(pcclInvalidUsage, pcclGetAttribute(comm, PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE, &value));
    EXPECT_RESULT(pcclInvalidUsage, pcclUpdateTopology(comm));
    EXPECT_RESULT(pcclInvalidUsage, pcclArePeersPending(comm, &pending));
    EXPECT_RESULT(pcclInvalidUsage, pcclOptimizeTopology(comm));
    EXPECT_RESULT(pcclInvalidUsage, pcclAllReduce(buffer, buffer, &descriptor, comm, NULL));
    EXPECT_RESULT(pcclInvalidUsage, pcclAllReduceAsync(buffer, buffer, &descriptor, comm, &async_op));
    EXPECT_RESULT(pcclInvalidUsage, pcclAllReduceMultipleWithRetry(&many, 1, comm, NULL, 1));
    EXPECT_RESULT(pcclInvalidUsage, pcclSynchronizeSharedState(comm, &state, PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR, NULL));
    async_op.comm = comm;
    async_op.tag = 1;
    EXPECT_RESULT(pcclInvalidArgument, pcclAwaitAsyncReduce(&async_op, NULL)); /* nothing was launched */

    /* Nothing listens at the master address: the connect fails within its timeout, and may be repeated. */
    EXPECT_RESULT(pcclMasterConnectionFailed, pcclConnect(comm));
    EXPECT_RESULT(pcclMasterConnectionFailed, pcclConnect(comm));
    CHECK(strlen(collectivesGetLastErrorMessage()) > 0);
    EXPECT_OK(pcclDestroyCommunicator(comm));
}

static void result_strings(void) {
    int code;
    for (code = pcclSuccess; code <= pcclCancelled; code++) {
        const char *text = collectivesResultString((pcclResult_t)code);
        CHECK(text != NULL && strlen(text) > 0 && strcmp(text, "unknown result code") != 0);
    }
    CHECK(strcmp(collectivesResultString((pcclResult_t)19), "unknown result code") == 0);
    CHECK(strcmp(collectivesResultString((pcclResult_t)-1), "unknown result code") == 0);
}

int main(void) {
    EXPECT_OK(pcclInit());
    null_pointers_and_garbage_handles();
    bad_creation_values();
    wrong_state_before_connect();
    result_strings();
    puts("test_arguments: ok");
    return 0;
}
