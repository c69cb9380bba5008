#include "harness.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

void harness_fail(const char *file, int line, const char *what, const char *detail) {
    fprintf(stderr, "%s:%d: check failed: %s\n  last error: %s\n", file, line, what, detail);
    fflush(stderr);
    exit(1);
}

void harness_fail_result(const char *file, int line, const char *call, pcclResult_t expected, pcclResult_t actual) {
    fprintf(stderr, "%s:%d: %s\n  returned %d (%s), expected %d (%s)\n  last error: %s\n", file, line, call,
            (int)actual, collectivesResultString(actual), (int)expected, collectivesResultString(expected),
            collectivesGetLastErrorMessage());
    fflush(stderr);
    exit(1);
}

int64_t harness_now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void harness_sleep_ms(int milliseconds) {
    struct timespec delay;
    delay.tv_sec = milliseconds / 1000;
    delay.tv_nsec = (long)(milliseconds % 1000) * 1000000L;
    nanosleep(&delay, NULL);
}

ccoip_socket_address_t harness_loopback(uint16_t port) {
    ccoip_socket_address_t address;
    memset(&address, 0, sizeof address);
    address.inet.protocol = inetIPv4;
    address.inet.ipv4.data[0] = 127;
    address.inet.ipv4.data[3] = 1;
    address.port = port;
    return address;
}

pcclMasterInstance_t *harness_start_master(uint16_t *port_out) {
    collectivesMasterOptions_t options;
    pcclMasterInstance_t *master = NULL;
    EXPECT_OK(collectivesMasterOptionsInit(&options));
    options.heartbeat_interval_ms = 100;
    options.peer_timeout_ms = 1500;
    EXPECT_OK(collectivesCreateMasterEx(harness_loopback(0), &options, &master));
    EXPECT_OK(pcclRunMaster(master));
    EXPECT_OK(collectivesGetMasterPort(master, port_out));
    CHECK(*port_out != 0);
    return master;
}

void harness_stop_master(pcclMasterInstance_t *master) {
    EXPECT_OK(pcclInterruptMaster(master));
    EXPECT_OK(pcclMasterAwaitTermination(master));
    EXPECT_OK(pcclDestroyMaster(master));
}

pcclComm_t *harness_create_peer(uint16_t master_port, uint32_t peer_group) {
    pcclCommCreateParams_t params;
    collectivesCommOptions_t options;
    pcclComm_t *comm = NULL;
    memset(&params, 0, sizeof params);
    params.master_address = harness_loopback(master_port);
    params.peer_group = peer_group;
    params.p2p_connection_pool_size = 2;
    EXPECT_OK(collectivesCommOptionsInit(&options));
    options.heartbeat_interval_ms = 100;
    options.master_timeout_ms = 3000;
    options.progress_timeout_ms = 3000;
    options.use_listen_address = 1;
    options.listen_address = harness_loopback(0);
    EXPECT_OK(collectivesCreateCommunicatorEx(&params, &options, &comm));
    CHECK(comm != NULL);
    return comm;
}

int harness_attribute(const pcclComm_t *comm, pcclAttribute_t attribute) {
    int value = -1;
    EXPECT_OK(pcclGetAttribute(comm, attribute, &value));
    return value;
}

void harness_join(pcclComm_t *comm, int world_size) {
    EXPECT_OK(pcclConnect(comm));
    harness_wait_world(comm, world_size);
}

void harness_wait_attribute(const pcclComm_t *comm, pcclAttribute_t attribute, int value) {
    int64_t deadline = harness_now_ms() + HARNESS_DEADLINE_MS;
    while (harness_attribute(comm, attribute) != value) {
        CHECK(harness_now_ms() < deadline);
        harness_sleep_ms(5);
    }
}

void harness_wait_world(pcclComm_t *comm, int world_size) {
    int64_t deadline = harness_now_ms() + HARNESS_DEADLINE_MS;
    while (harness_attribute(comm, PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE) < world_size) {
        CHECK(harness_now_ms() < deadline);
        EXPECT_OK(pcclUpdateTopology(comm));
        /* Nothing pending yet: the update returned at once; give the next peer time to register. */
        harness_sleep_ms(5);
    }
}

typedef struct harness_thread_t {
    pthread_t thread;
    int rank;
    harness_peer_fn body;
    void *context;
} harness_thread_t;

static void *harness_thread_main(void *argument) {
    harness_thread_t *self = (harness_thread_t *)argument;
    self->body(self->rank, self->context);
    return NULL;
}

void harness_run_threads(int count, harness_peer_fn body, void *context) {
    harness_thread_t *threads = (harness_thread_t *)calloc((size_t)count, sizeof *threads);
    int i;
    CHECK(threads != NULL);
    for (i = 0; i < count; i++) {
        threads[i].rank = i;
        threads[i].body = body;
        threads[i].context = context;
        CHECK(pthread_create(&threads[i].thread, NULL, harness_thread_main, &threads[i]) == 0);
    }
    for (i = 0; i < count; i++) {
        CHECK(pthread_join(threads[i].thread, NULL) == 0);
    }
    free(threads);
}

struct harness_barrier_t {
    pthread_mutex_t mutex;
    pthread_cond_t changed;
    int count;
    int waiting;
    unsigned generation;
};

harness_barrier_t *harness_barrier_create(int count) {
    harness_barrier_t *barrier = (harness_barrier_t *)calloc(1, sizeof *barrier);
    CHECK(barrier != NULL);
    pthread_mutex_init(&barrier->mutex, NULL);
    pthread_cond_init(&barrier->changed, NULL);
    barrier->count = count;
    return barrier;
}

void harness_barrier_wait(harness_barrier_t *barrier) {
    unsigned generation;
    pthread_mutex_lock(&barrier->mutex);
    generation = barrier->generation;
    if (++barrier->waiting == barrier->count) {
        barrier->waiting = 0;
        barrier->generation++;
        pthread_cond_broadcast(&barrier->changed);
    } else {
        while (generation == barrier->generation) {
            pthread_cond_wait(&barrier->changed, &barrier->mutex);
        }
    }
    pthread_mutex_unlock(&barrier->mutex);
}

void harness_barrier_destroy(harness_barrier_t *barrier) {
    pthread_cond_destroy(&barrier->changed);
    pthread_mutex_destroy(&barrier->mutex);
    free(barrier);
}

pcclReduceDescriptor_t harness_descriptor(size_t count, pcclDataType_t type, pcclRedOp_t op, uint64_t tag) {
    pcclReduceDescriptor_t descriptor;
    memset(&descriptor, 0, sizeof descriptor);
    descriptor.count = count;
    descriptor.op = op;
    descriptor.tag = tag;
    descriptor.src_descriptor.datatype = type;
    descriptor.src_descriptor.distribution_hint = pcclDistributionNone;
    descriptor.quantization_options.quantized_datatype = type;
    descriptor.quantization_options.algorithm = pcclQuantNone;
    return descriptor;
}
