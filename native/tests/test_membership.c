/* Membership through the C API: a lone first peer, late joiners accepted by pcclUpdateTopology, peer groups and the
 * four world-size attributes, pcclArePeersPending, pcclOptimizeTopology, the shared-state entry point's argument
 * checks (synchronisation: test_shared_state), and graceful leaves. Peers are threads of this process. */
#include "harness.h"

#include <string.h>

#define PEERS 5

typedef struct run_t {
    uint16_t port;
    harness_barrier_t *barrier;
} run_t;

static uint32_t group_of(int rank) { return rank < 3 ? 0u : 1u; }

static void lone_peer_checks(pcclComm_t *comm) {
    float send[8] = {0}, receive[8] = {0};
    pcclReduceDescriptor_t descriptor = harness_descriptor(8, pcclFloat, pcclSum, 1);
    pcclReduceOpDescriptor_t many;
    pcclReduceInfo_t info;

    CHECK(harness_attribute(comm, PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE) == 1);
    CHECK(harness_attribute(comm, PCCL_ATTRIBUTE_PEER_GROUP_WORLD_SIZE) == 1);
    CHECK(harness_attribute(comm, PCCL_ATTRIBUTE_NUM_DISTINCT_PEER_GROUPS) == 1);
    CHECK(harness_attribute(comm, PCCL_ATTRIBUTE_LARGEST_PEER_GROUP_WORLD_SIZE) == 1);
    {
        int value = 0;
        EXPECT_RESULT(pcclInvalidArgument, pcclGetAttribute(comm, (pcclAttribute_t)0, &value));
        EXPECT_RESULT(pcclInvalidArgument, pcclGetAttribute(comm, (pcclAttribute_t)5, &value));
    }
    EXPECT_RESULT(pcclInvalidUsage, pcclConnect(comm));
    EXPECT_RESULT(pcclInvalidUsage, pcclOptimizeTopology(comm)); /* a run of one, as in PCCL */
    EXPECT_OK(pcclUpdateTopology(comm));                          /* nothing pending: returns at once */

    /* Alone in the group: PCCL's answer is "too few peers", not a copy. */
    EXPECT_RESULT(pcclTooFewPeers, pcclAllReduce(send, receive, &descriptor, comm, &info));
    memset(&many, 0, sizeof many);
    many.sendbuf = send;
    many.recvbuf = receive;
    many.descriptor = descriptor;
    EXPECT_RESULT(pcclTooFewPeers, pcclAllReduceMultipleWithRetry(&many, 1, comm, &info, 1));

    /* Bad descriptors are refused before anything else. */
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduce(send, receive, NULL, comm, &info));
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduce(NULL, receive, &descriptor, comm, &info));
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduce(send, NULL, &descriptor, comm, &info));
    descriptor.src_descriptor.datatype = (pcclDataType_t)12;
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduce(send, receive, &descriptor, comm, &info));
    descriptor.src_descriptor.datatype = (pcclDataType_t)-1;
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduce(send, receive, &descriptor, comm, &info));
    descriptor = harness_descriptor(8, pcclFloat, (pcclRedOp_t)5, 1);
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduce(send, receive, &descriptor, comm, &info));
    descriptor = harness_descriptor(8, pcclFloat, pcclSum, 1);
    descriptor.src_descriptor.distribution_hint = (pcclDistributionHint_t)3;
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduce(send, receive, &descriptor, comm, &info));
    descriptor = harness_descriptor(8, pcclFloat, pcclSum, 1);
    descriptor.quantization_options.algorithm = (pcclQuantizationAlgorithm_t)3;
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduce(send, receive, &descriptor, comm, &info));
    descriptor.quantization_options.algorithm = pcclQuantMinMax;
    descriptor.quantization_options.quantized_datatype = (pcclDataType_t)99;
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduce(send, receive, &descriptor, comm, &info));
    descriptor = harness_descriptor(8, pcclFloat, pcclSum, 1);
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduce(send, send + 1, &descriptor, comm, &info)); /* overlap */
    descriptor.count = (size_t)1 << 40;
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduce(send, receive, &descriptor, comm, &info)); /* >= 2 GiB */
    descriptor = harness_descriptor(8, pcclFloat, pcclSum, 1);
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduceMultipleWithRetry(&many, 0, comm, &info, 1));
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduceMultipleWithRetry(&many, 1, comm, &info, 0));
    many.descriptor.op = (pcclRedOp_t)9;
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduceMultipleWithRetry(&many, 1, comm, &info, 1));
    CHECK(strstr(collectivesGetLastErrorMessage(), "descriptors[0]") != NULL);
}

static void shared_state_checks(pcclComm_t *comm) {
    float weights[4] = {1, 2, 3, 4};
    double momentum[2] = {0, 0};
    pcclTensorInfo_t infos[2];
    pcclSharedState_t state;
    pcclSharedStateSyncInfo_t info;

    memset(infos, 0, sizeof infos);
    infos[0].name = "weights";
    infos[0].data = weights;
    infos[0].count = 4;
    infos[0].datatype = pcclFloat;
    infos[0].device_type = pcclDeviceCpu;
    infos[1].name = "momentum";
    infos[1].data = momentum;
    infos[1].count = 2;
    infos[1].datatype = pcclDouble;
    infos[1].device_type = pcclDeviceCpu;
    infos[1].allow_content_inequality = true;
    state.revision = 1;
    state.count = 2;
    state.infos = infos;

    EXPECT_RESULT(pcclInvalidArgument, pcclSynchronizeSharedState(comm, NULL, PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR, &info));
    EXPECT_RESULT(pcclInvalidArgument, pcclSynchronizeSharedState(comm, &state, (pcclSharedStateSyncStrategy_t)3, &info));
    state.infos = NULL;
    EXPECT_RESULT(pcclInvalidArgument, pcclSynchronizeSharedState(comm, &state, PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR, &info));
    state.infos = infos;
    infos[1].datatype = (pcclDataType_t)42;
    EXPECT_RESULT(pcclInvalidArgument, pcclSynchronizeSharedState(comm, &state, PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR, &info));
    infos[1].datatype = pcclDouble;
    infos[1].device_type = pcclDeviceCuda;
    EXPECT_RESULT(pcclInvalidArgument, pcclSynchronizeSharedState(comm, &state, PCCL_SHARED_STATE_SYNC_STRATEGY_RECEIVE_ONLY, &info));
    CHECK(strstr(collectivesGetLastErrorMessage(), "CUDA") != NULL);
    infos[1].device_type = pcclDeviceCpu;
    infos[1].name = NULL;
    EXPECT_RESULT(pcclInvalidArgument, pcclSynchronizeSharedState(comm, &state, PCCL_SHARED_STATE_SYNC_STRATEGY_SEND_ONLY, &info));
    infos[1].name = "weights";
    EXPECT_RESULT(pcclInvalidArgument, pcclSynchronizeSharedState(comm, &state, PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR, &info));
    infos[1].name = "momentum";

    /* Refused calls touch nothing (synchronisation itself: test_shared_state). */
    CHECK(state.revision == 1 && weights[3] == 4.0f);
}

static void group_all_reduce(pcclComm_t *comm, int rank, int expected_group, uint64_t tag) {
    int32_t values[16];
    int32_t expected = 0;
    pcclReduceDescriptor_t descriptor = harness_descriptor(16, pcclInt32, pcclSum, tag);
    pcclReduceInfo_t info;
    int i, r;
    for (i = 0; i < 16; i++) {
        values[i] = (rank + 1) * 100 + i;
    }
    for (r = 0; r < PEERS; r++) {
        if (group_of(r) == group_of(rank) && (group_of(r) == 0 ? r < expected_group : r >= PEERS - expected_group)) {
            expected += (r + 1) * 100;
        }
    }
    EXPECT_OK(pcclAllReduce(values, values, &descriptor, comm, &info));
    CHECK((int)info.local_world_size == expected_group);
    for (i = 0; i < 16; i++) {
        CHECK(values[i] == expected + expected_group * i);
    }
}

static void peer(int rank, void *context) {
    run_t *run = (run_t *)context;
    pcclComm_t *comm = harness_create_peer(run->port, group_of(rank));
    bool pending = true;
    int64_t deadline;

    /* A: the first peer alone. */
    if (rank == 0) {
        EXPECT_OK(pcclConnect(comm));
        lone_peer_checks(comm);
    }
    harness_barrier_wait(run->barrier);

    /* B: three more peers join; everyone calls update topology until all four are in. */
    if (rank == 0) {
        harness_wait_world(comm, 4);
    } else if (rank < 4) {
        harness_join(comm, 4);
    }
    harness_barrier_wait(run->barrier);

    /* C: nobody is waiting now. */
    if (rank < 4) {
        EXPECT_OK(pcclArePeersPending(comm, &pending));
        CHECK(!pending);
    }
    harness_barrier_wait(run->barrier);

    /* D: a late joiner; the others ask until they see it pending, then let it in. */
    if (rank == 4) {
        EXPECT_OK(pcclConnect(comm));
    } else {
        deadline = harness_now_ms() + HARNESS_DEADLINE_MS;
        do {
            CHECK(harness_now_ms() < deadline);
            EXPECT_OK(pcclArePeersPending(comm, &pending));
            if (!pending) {
                harness_sleep_ms(5);
            }
        } while (!pending);
        EXPECT_OK(pcclUpdateTopology(comm));
    }
    harness_barrier_wait(run->barrier);

    /* E: five peers in two groups (ranks 0-2 in group 0, 3-4 in group 1). */
    CHECK(harness_attribute(comm, PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE) == 5);
    CHECK(harness_attribute(comm, PCCL_ATTRIBUTE_PEER_GROUP_WORLD_SIZE) == (group_of(rank) == 0 ? 3 : 2));
    CHECK(harness_attribute(comm, PCCL_ATTRIBUTE_NUM_DISTINCT_PEER_GROUPS) == 2);
    CHECK(harness_attribute(comm, PCCL_ATTRIBUTE_LARGEST_PEER_GROUP_WORLD_SIZE) == 3);
    EXPECT_OK(pcclArePeersPending(comm, &pending));
    CHECK(!pending);
    /* Every group measures its links and adopts its best ring; the collectives below run on it. */
    EXPECT_OK(pcclOptimizeTopology(comm));
    shared_state_checks(comm);
    group_all_reduce(comm, rank, group_of(rank) == 0 ? 3 : 2, 10);
    harness_barrier_wait(run->barrier);

    /* F: graceful leaves shrink the groups without any vote. */
    if (rank == 4 || rank == 2) {
        EXPECT_OK(pcclDestroyCommunicator(comm));
        return;
    }
    /* Group sizes (not the global size, which keeps shrinking as the others finish and leave). */
    if (rank == 3) {
        float value = 1;
        pcclReduceDescriptor_t descriptor = harness_descriptor(1, pcclFloat, pcclSum, 11);
        harness_wait_attribute(comm, PCCL_ATTRIBUTE_PEER_GROUP_WORLD_SIZE, 1);
        EXPECT_RESULT(pcclTooFewPeers, pcclAllReduce(&value, &value, &descriptor, comm, NULL));
    } else {
        harness_wait_attribute(comm, PCCL_ATTRIBUTE_PEER_GROUP_WORLD_SIZE, 2);
        group_all_reduce(comm, rank, 2, 11);
    }
    EXPECT_OK(pcclDestroyCommunicator(comm));
}

int main(void) {
    run_t run;
    pcclMasterInstance_t *master;
    EXPECT_OK(pcclInit());
    master = harness_start_master(&run.port);
    run.barrier = harness_barrier_create(PEERS);
    harness_run_threads(PEERS, peer, &run);
    harness_barrier_destroy(run.barrier);
    harness_stop_master(master);
    puts("test_membership: ok");
    return 0;
}
