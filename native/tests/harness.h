/* Shared helpers of the C tests: checks that report the library's last error, an in-process master with fast
 * failure detection, peers as threads, and bounded waits. */
#ifndef COLLECTIVES_TEST_HARNESS_H
#define COLLECTIVES_TEST_HARNESS_H

#include <pccl.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Every wait in the tests is bounded by this, so a hang becomes a failure with a message. */
#define HARNESS_DEADLINE_MS 30000

/* Fails the test (the whole process) when cond is false. */
#define CHECK(cond)                                                                                                   \
    do {                                                                                                              \
        if (!(cond)) {                                                                                                \
            harness_fail(__FILE__, __LINE__, #cond, collectivesGetLastErrorMessage());                                \
        }                                                                                                             \
    } while (0)

/* Fails the test unless call returns expected. */
#define EXPECT_RESULT(expected, call)                                                                                 \
    do {                                                                                                              \
        pcclResult_t harness_result_ = (call);                                                                        \
        if (harness_result_ != (expected)) {                                                                          \
            harness_fail_result(__FILE__, __LINE__, #call, (expected), harness_result_);                             \
        }                                                                                                             \
    } while (0)

#define EXPECT_OK(call) EXPECT_RESULT(pcclSuccess, call)

void harness_fail(const char *file, int line, const char *what, const char *detail);
void harness_fail_result(const char *file, int line, const char *call, pcclResult_t expected, pcclResult_t actual);

/* Monotonic milliseconds and a plain sleep (used for pacing retry loops, never as synchronisation). */
int64_t harness_now_ms(void);
void harness_sleep_ms(int milliseconds);

/* 127.0.0.1:port. */
ccoip_socket_address_t harness_loopback(uint16_t port);

/* A running master on a free loopback port with fast heartbeats (100 ms, peers dropped after 1.5 s). */
pcclMasterInstance_t *harness_start_master(uint16_t *port_out);
void harness_stop_master(pcclMasterInstance_t *master);

/* A communicator for the master at port: loopback only, fast heartbeats, 3 s progress deadline. */
pcclComm_t *harness_create_peer(uint16_t master_port, uint32_t peer_group);

/* Connects, then calls pcclUpdateTopology until the run has world_size peers (all peers of a test call this). */
void harness_join(pcclComm_t *comm, int world_size);

/* Calls pcclUpdateTopology until the run has at least world_size peers. */
void harness_wait_world(pcclComm_t *comm, int world_size);

/* Polls an attribute (no collective call) until it equals value: for departures, which need no vote. */
void harness_wait_attribute(const pcclComm_t *comm, pcclAttribute_t attribute, int value);

/* Reads an attribute that must be readable. */
int harness_attribute(const pcclComm_t *comm, pcclAttribute_t attribute);

/* Runs body(rank, context) on count threads and waits for all; a failing check in any thread fails the test. */
typedef void (*harness_peer_fn)(int rank, void *context);
void harness_run_threads(int count, harness_peer_fn body, void *context);

/* A barrier for the peer threads of harness_run_threads (count threads). */
typedef struct harness_barrier_t harness_barrier_t;
harness_barrier_t *harness_barrier_create(int count);
void harness_barrier_wait(harness_barrier_t *barrier);
void harness_barrier_destroy(harness_barrier_t *barrier);

/* A descriptor for an unquantized all-reduce. */
pcclReduceDescriptor_t harness_descriptor(size_t count, pcclDataType_t type, pcclRedOp_t op, uint64_t tag);

#endif
