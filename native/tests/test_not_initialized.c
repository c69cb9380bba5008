/* Before pcclInit every communicator function refuses with pcclNotInitialized (as in PCCL); the master functions
 * and the extensions work without it; pcclInit is idempotent. */
#include "harness.h"

#include <string.h>

int main(void) {
    pcclCommCreateParams_t params;
    pcclComm_t *comm = NULL;
    pcclReduceDescriptor_t descriptor = harness_descriptor(1, pcclFloat, pcclSum, 1);
    pcclAsyncReduceOp_t async_op;
    pcclSharedState_t state;
    float buffer[1] = {0};
    int value = 0;
    bool pending = false;
    pcclBuildInfo_t build;
    pcclMasterInstance_t *master = NULL;
    uint16_t port = 0;

    memset(&params, 0, sizeof params);
    memset(&state, 0, sizeof state);
    params.master_address = harness_loopback(1);

    EXPECT_RESULT(pcclNotInitialized, pcclCreateCommunicator(&params, &comm));
    CHECK(comm == NULL);
    CHECK(strstr(collectivesGetLastErrorMessage(), "pcclInit") != NULL);
    EXPECT_RESULT(pcclNotInitialized, pcclGetAttribute(comm, PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE, &value));
    EXPECT_RESULT(pcclNotInitialized, pcclDestroyCommunicator(comm));
    EXPECT_RESULT(pcclNotInitialized, pcclConnect(comm));
    EXPECT_RESULT(pcclNotInitialized, pcclUpdateTopology(comm));
    EXPECT_RESULT(pcclNotInitialized, pcclArePeersPending(comm, &pending));
    EXPECT_RESULT(pcclNotInitialized, pcclOptimizeTopology(comm));
    EXPECT_RESULT(pcclNotInitialized, pcclAllReduce(buffer, buffer, &descriptor, comm, NULL));
    EXPECT_RESULT(pcclNotInitialized, pcclAllReduceAsync(buffer, buffer, &descriptor, comm, &async_op));
    async_op.comm = comm;
    async_op.tag = 1;
    EXPECT_RESULT(pcclNotInitialized, pcclAwaitAsyncReduce(&async_op, NULL));
    EXPECT_RESULT(pcclNotInitialized, pcclAllReduceMultipleWithRetry(NULL, 0, comm, NULL, 1));
    EXPECT_RESULT(pcclNotInitialized, pcclSynchronizeSharedState(comm, &state, PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR, NULL));

    /* No pcclInit needed for these. */
    EXPECT_OK(pcclGetBuildInfo(&build));
    CHECK(!build.has_cuda_support);
    CHECK(collectivesGetVersion() == COLLECTIVES_PROTOCOL_VERSION);
    master = harness_start_master(&port);
    harness_stop_master(master);

    EXPECT_OK(pcclInit());
    EXPECT_OK(pcclInit());
    EXPECT_OK(pcclCreateCommunicator(&params, &comm));
    EXPECT_OK(pcclDestroyCommunicator(comm));
    puts("test_not_initialized: ok");
    return 0;
}
