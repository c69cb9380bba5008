/* pcclSynchronizeSharedState end to end: two identical peers transfer nothing, then a joiner with different
 * content and revision 0 fetches the group's state and ends bit-identical at the adopted revision. */
#include <string.h>

#include "harness.h"

#define PEERS 3
#define WEIGHTS 1000
#define REVISION 5

typedef struct run_t {
    uint16_t port;
    harness_barrier_t *barrier;
} run_t;

typedef struct state_t {
    float weights[WEIGHTS];
    int16_t step[3];
    pcclTensorInfo_t infos[2];
    pcclSharedState_t shared;
} state_t;

static void declare(state_t *state, uint64_t revision, float seed) {
    int i;
    for (i = 0; i < WEIGHTS; i++) {
        state->weights[i] = seed + (float)i * 0.5f;
    }
    for (i = 0; i < 3; i++) {
        state->step[i] = (int16_t)(seed * 3 + (float)i);
    }
    memset(state->infos, 0, sizeof state->infos);
    state->infos[0].name = "weights";
    state->infos[0].data = state->weights;
    state->infos[0].count = WEIGHTS;
    state->infos[0].datatype = pcclFloat;
    state->infos[0].device_type = pcclDeviceCpu;
    state->infos[1].name = "step";
    state->infos[1].data = state->step;
    state->infos[1].count = 3;
    state->infos[1].datatype = pcclInt16;
    state->infos[1].device_type = pcclDeviceCpu;
    state->shared.revision = revision;
    state->shared.count = 2;
    state->shared.infos = state->infos;
}

static void sync_state(pcclComm_t *comm, state_t *state, pcclSharedStateSyncInfo_t *info) {
    /* Transient failures (a peer of the round lost) are retried, as PCCL programs do. */
    int64_t deadline = harness_now_ms() + HARNESS_DEADLINE_MS;
    pcclResult_t result;
    do {
        CHECK(harness_now_ms() < deadline);
        info->tx_bytes = info->rx_bytes = 12345;
        result = pcclSynchronizeSharedState(comm, &state->shared, PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR, info);
    } while (result == pcclRankConnectionLost);
    EXPECT_OK(result);
}

static void peer(int rank, void *context) {
    run_t *run = (run_t *)context;
    pcclComm_t *comm = harness_create_peer(run->port, 0);
    pcclSharedStateSyncInfo_t info;
    state_t *state = (state_t *)calloc(1, sizeof(state_t));
    state_t expected;
    bool pending = false;
    int64_t deadline;

    CHECK(state != NULL);
    declare(&expected, REVISION, 1.0f);

    /* A: two peers with identical state: nothing moves, the revision stays. */
    if (rank < 2) {
        declare(state, REVISION, 1.0f);
        harness_join(comm, 2);
        sync_state(comm, state, &info);
        CHECK(info.rx_bytes == 0);
        CHECK(info.tx_bytes == 0);
        CHECK(state->shared.revision == REVISION);
    }
    harness_barrier_wait(run->barrier);

    /* B: a joiner with other content and revision 0; the two let it in, then all three sync. */
    if (rank == 2) {
        declare(state, 0, 7.0f);
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

    sync_state(comm, state, &info);
    CHECK(state->shared.revision == REVISION);
    CHECK(memcmp(state->weights, expected.weights, sizeof expected.weights) == 0);
    CHECK(memcmp(state->step, expected.step, sizeof expected.step) == 0);
    if (rank == 2) {
        CHECK(info.rx_bytes == sizeof expected.weights + sizeof expected.step);
        CHECK(info.tx_bytes == 0);
    } else {
        CHECK(info.rx_bytes == 0);
    }
    harness_barrier_wait(run->barrier);

    EXPECT_OK(pcclDestroyCommunicator(comm));
    free(state);
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
    puts("test_shared_state: ok");
    return 0;
}
