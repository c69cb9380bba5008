/*
 * hello_world.c - a master and two peers (threads of one process) run a few all-reduces.
 *
 * Written against the PCCL 1.0 subset of pccl.h only, so the same source builds against PCCL itself. The usual
 * training-loop shape: connect, then each step let new peers in (pcclUpdateTopology), read the world size, wait
 * while alone, and all-reduce; a failed step is simply retried.
 *
 *   ./hello_world [port]      (default: 48148, or the next free port after it)
 */
#include <pccl.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PEERS 2
#define STEPS 5
#define ELEMENTS 4

static uint16_t master_port;

static void sleep_ms(int milliseconds) {
    struct timespec delay;
    delay.tv_sec = milliseconds / 1000;
    delay.tv_nsec = (long)(milliseconds % 1000) * 1000000L;
    nanosleep(&delay, NULL);
}

static ccoip_socket_address_t loopback(uint16_t port) {
    ccoip_socket_address_t address;
    memset(&address, 0, sizeof address);
    address.inet.protocol = inetIPv4;
    address.inet.ipv4.data[0] = 127;
    address.inet.ipv4.data[3] = 1;
    address.port = port;
    return address;
}

#define CHECK_PCCL(call)                                                                                              \
    do {                                                                                                              \
        pcclResult_t status_ = (call);                                                                                \
        if (status_ != pcclSuccess) {                                                                                 \
            fprintf(stderr, "%s failed with %d\n", #call, (int)status_);                                             \
            exit(1);                                                                                                  \
        }                                                                                                             \
    } while (0)

static void *peer_main(void *argument) {
    int rank = *(const int *)argument;
    pcclCommCreateParams_t params;
    pcclComm_t *comm = NULL;
    int step = 0, world_size = 0, attempts = 0;

    memset(&params, 0, sizeof params);
    params.master_address = loopback(master_port);
    params.peer_group = 0;
    CHECK_PCCL(pcclCreateCommunicator(&params, &comm));
    CHECK_PCCL(pcclConnect(comm));
    printf("[peer %d] connected\n", rank);

    while (step < STEPS) {
        float send[ELEMENTS], receive[ELEMENTS];
        pcclReduceDescriptor_t descriptor;
        pcclReduceInfo_t info;
        pcclResult_t result;
        int i;

        if (++attempts > 1000) {
            fprintf(stderr, "[peer %d] giving up\n", rank);
            exit(1);
        }
        while (pcclUpdateTopology(comm) == pcclUpdateTopologyFailed) {
            sleep_ms(50);
        }
        CHECK_PCCL(pcclGetAttribute(comm, PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE, &world_size));
        if (world_size < PEERS) {
            sleep_ms(20); /* alone: wait for the other peer to register, then accept it next iteration */
            continue;
        }

        for (i = 0; i < ELEMENTS; i++) {
            send[i] = (float)(rank * 10 + step * 100 + i);
        }
        memset(&descriptor, 0, sizeof descriptor);
        descriptor.count = ELEMENTS;
        descriptor.op = pcclSum;
        descriptor.tag = (uint64_t)step;
        descriptor.src_descriptor.datatype = pcclFloat;
        descriptor.src_descriptor.distribution_hint = pcclDistributionNone;
        descriptor.quantization_options.quantized_datatype = pcclFloat;
        descriptor.quantization_options.algorithm = pcclQuantNone;
        result = pcclAllReduce(send, receive, &descriptor, comm, &info);
        if (result != pcclSuccess) {
            printf("[peer %d] step %d failed (%d), retrying\n", rank, step, (int)result);
            continue;
        }
        printf("[peer %d] step %d: world %u, result %.0f %.0f %.0f %.0f\n", rank, step,
               (unsigned)info.local_world_size, receive[0], receive[1], receive[2], receive[3]);
        for (i = 0; i < ELEMENTS; i++) {
            float expected = (float)(10 + 2 * (step * 100 + i)); /* (0 + 10) + 2 * (step * 100 + i) */
            if (receive[i] != expected) {
                fprintf(stderr, "[peer %d] wrong result at %d: %f, expected %f\n", rank, i, receive[i], expected);
                exit(1);
            }
        }
        step++;
    }

    CHECK_PCCL(pcclDestroyCommunicator(comm));
    return NULL;
}

int main(int argc, char **argv) {
    pcclMasterInstance_t *master = NULL;
    pthread_t threads[PEERS];
    int ranks[PEERS];
    int port = argc > 1 ? atoi(argv[1]) : 48148;
    int i;

    CHECK_PCCL(pcclInit());

    /* Run the master on the first free port from `port` on. */
    for (;; port++) {
        CHECK_PCCL(pcclCreateMaster(loopback((uint16_t)port), &master));
        if (pcclRunMaster(master) == pcclSuccess) {
            break;
        }
        CHECK_PCCL(pcclDestroyMaster(master));
        if (port >= 65535) {
            fprintf(stderr, "no free port\n");
            return 1;
        }
    }
    master_port = (uint16_t)port;
    printf("[master] listening on 127.0.0.1:%d\n", port);

    for (i = 0; i < PEERS; i++) {
        ranks[i] = i;
        if (pthread_create(&threads[i], NULL, peer_main, &ranks[i]) != 0) {
            return 1;
        }
    }
    for (i = 0; i < PEERS; i++) {
        pthread_join(threads[i], NULL);
    }

    CHECK_PCCL(pcclInterruptMaster(master));
    CHECK_PCCL(pcclMasterAwaitTermination(master));
    CHECK_PCCL(pcclDestroyMaster(master));
    puts("[master] done");
    return 0;
}
