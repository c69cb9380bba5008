/* Asynchronous all-reduces among three peers (threads): many tags in flight at once and awaited in another order,
 * the calls refused while operations are not awaited, double and unknown awaits, and destroying a communicator
 * with an operation still launched. */
#include "harness.h"

#include <string.h>

#define PEERS 3
#define OPERATIONS 8
#define LENGTH 20000

typedef struct run_t {
    uint16_t port;
    harness_barrier_t *barrier;
} run_t;

static float buffers[PEERS][OPERATIONS][LENGTH];
static double outputs[PEERS][OPERATIONS][LENGTH / 4];
static double inputs[PEERS][OPERATIONS][LENGTH / 4];

static void concurrent_launches(pcclComm_t *comm, int rank) {
    pcclAsyncReduceOp_t handles[OPERATIONS];
    pcclReduceInfo_t info;
    pcclSharedState_t state;
    bool pending = true;
    int k, i;

    memset(&state, 0, sizeof state);
    for (k = 0; k < OPERATIONS; k++) {
        /* Even tags in place on float32, odd tags out of place on float64, all of different lengths. */
        size_t length = (size_t)(LENGTH - 997 * k);
        pcclReduceDescriptor_t descriptor;
        if (k % 2 == 0) {
            for (i = 0; i < (int)length; i++) buffers[rank][k][i] = (float)(rank * 10 + k);
            descriptor = harness_descriptor(length, pcclFloat, pcclSum, 500 + (uint64_t)k);
            EXPECT_OK(pcclAllReduceAsync(buffers[rank][k], buffers[rank][k], &descriptor, comm, &handles[k]));
        } else {
            length /= 4;
            for (i = 0; i < (int)length; i++) inputs[rank][k][i] = rank + 0.5 * k;
            descriptor = harness_descriptor(length, pcclDouble, pcclMax, 500 + (uint64_t)k);
            EXPECT_OK(pcclAllReduceAsync(inputs[rank][k], outputs[rank][k], &descriptor, comm, &handles[k]));
        }
        CHECK(handles[k].comm == comm && handles[k].tag == 500 + (uint64_t)k);
    }

    /* While they are launched and not awaited: */
    {
        float extra = 0;
        pcclReduceDescriptor_t same_tag = harness_descriptor(1, pcclFloat, pcclSum, 500);
        pcclAsyncReduceOp_t ignored;
        EXPECT_RESULT(pcclInvalidUsage, pcclAllReduceAsync(&extra, &extra, &same_tag, comm, &ignored));
        EXPECT_RESULT(pcclInvalidUsage, pcclAllReduce(&extra, &extra, &same_tag, comm, NULL));
    }
    EXPECT_RESULT(pcclPendingAsyncOps, pcclUpdateTopology(comm));
    EXPECT_RESULT(pcclPendingAsyncOps, pcclSynchronizeSharedState(comm, &state, PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR, NULL));
    EXPECT_OK(pcclArePeersPending(comm, &pending)); /* allowed meanwhile: a collective query of all three */
    CHECK(!pending);

    /* Await in reverse launch order. */
    for (k = OPERATIONS - 1; k >= 0; k--) {
        EXPECT_OK(pcclAwaitAsyncReduce(&handles[k], k == 3 ? NULL : &info));
        if (k != 3) {
            CHECK(info.local_world_size == PEERS);
        }
    }
    for (k = 0; k < OPERATIONS; k++) {
        size_t length = (size_t)(LENGTH - 997 * k);
        if (k % 2 == 0) {
            for (i = 0; i < (int)length; i++) CHECK(buffers[rank][k][i] == (float)(0 + 10 + 20 + 3 * k));
        } else {
            for (i = 0; i < (int)length / 4; i++) CHECK(outputs[rank][k][i] == (PEERS - 1) + 0.5 * k);
        }
    }

    /* Each launch is awaited once. */
    EXPECT_RESULT(pcclInvalidArgument, pcclAwaitAsyncReduce(&handles[0], &info));
    handles[0].tag = 12345;
    EXPECT_RESULT(pcclInvalidArgument, pcclAwaitAsyncReduce(&handles[0], &info));

    /* With nothing outstanding, topology updates are allowed again. */
    EXPECT_OK(pcclUpdateTopology(comm));
}

static void repeated_rounds(pcclComm_t *comm, int rank) {
    /* Tags are reusable once awaited: a training loop reuses the same tags every step. */
    int step, k;
    for (step = 0; step < 5; step++) {
        pcclAsyncReduceOp_t handles[3];
        int32_t values[3][256];
        for (k = 0; k < 3; k++) {
            pcclReduceDescriptor_t descriptor = harness_descriptor(256, pcclInt32, pcclSum, 700 + (uint64_t)k);
            int i;
            for (i = 0; i < 256; i++) values[k][i] = step * 1000 + rank + k;
            EXPECT_OK(pcclAllReduceAsync(values[k], values[k], &descriptor, comm, &handles[k]));
        }
        for (k = 0; k < 3; k++) {
            EXPECT_OK(pcclAwaitAsyncReduce(&handles[k], NULL));
            CHECK(values[k][255] == 3 * (step * 1000 + k) + 0 + 1 + 2);
        }
    }
}

static void destroy_with_launched(pcclComm_t *comm, harness_barrier_t *barrier) {
    float value[512] = {0};
    pcclReduceDescriptor_t descriptor = harness_descriptor(512, pcclFloat, pcclSum, 800);
    pcclAsyncReduceOp_t handle;
    EXPECT_OK(pcclAllReduceAsync(value, value, &descriptor, comm, &handle));
    /* Everyone launched before anyone leaves: a peer that launched after the others had gone would be alone
       (pcclTooFewPeers), which is correct behaviour but not what this test is about. */
    harness_barrier_wait(barrier);
    EXPECT_OK(pcclDestroyCommunicator(comm));
    EXPECT_RESULT(pcclInvalidArgument, pcclAwaitAsyncReduce(&handle, NULL)); /* stale communicator handle */
}

static void peer(int rank, void *context) {
    run_t *run = (run_t *)context;
    pcclComm_t *comm = harness_create_peer(run->port, 0);
    harness_join(comm, PEERS);
    harness_barrier_wait(run->barrier);
    concurrent_launches(comm, rank);
    repeated_rounds(comm, rank);
    harness_barrier_wait(run->barrier);
    destroy_with_launched(comm, run->barrier);
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
    puts("test_async: ok");
    return 0;
}
