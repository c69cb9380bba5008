/* Blocking all-reduces among three peers (threads): every type and operator against a C reference, in place and
 * out of place, count 0, reduce info, descriptor mismatch, quantization pass-through, and
 * pcclAllReduceMultipleWithRetry. Inputs are small integers so that every float result is exact. */
#include "harness.h"

#include <string.h>

#define PEERS 3
#define COUNT 1031 /* not a multiple of anything */

typedef struct run_t {
    uint16_t port;
    harness_barrier_t *barrier;
} run_t;

static const pcclDataType_t TYPES[] = {pcclUint8, pcclInt8, pcclInt16, pcclUint16, pcclUint32, pcclInt32,
                                       pcclUint64, pcclInt64, pcclFloat16, pcclBFloat16, pcclFloat, pcclDouble};
static const pcclRedOp_t OPS[] = {pcclSum, pcclAvg, pcclProd, pcclMax, pcclMin};

static size_t size_of(pcclDataType_t type) {
    switch (type) {
    case pcclUint8: case pcclInt8: return 1;
    case pcclInt16: case pcclUint16: case pcclFloat16: case pcclBFloat16: return 2;
    case pcclUint32: case pcclInt32: case pcclFloat: return 4;
    default: return 8;
    }
}

/* Peer rank's input at index i: 1..9, different on every peer. */
static int input_value(int rank, size_t i) { return (int)(i % 7) + rank + 1; }

static double reference(pcclRedOp_t op, size_t i) {
    double result = input_value(0, i);
    int r;
    for (r = 1; r < PEERS; r++) {
        double v = input_value(r, i);
        switch (op) {
        case pcclSum: case pcclAvg: result += v; break;
        case pcclProd: result *= v; break;
        case pcclMax: result = v > result ? v : result; break;
        default: result = v < result ? v : result; break;
        }
    }
    return op == pcclAvg ? result / PEERS : result; /* the sum is a multiple of 3: exact */
}

/* Small integers written and read in every element type. Half and bfloat16 hold integers up to 256 exactly. */
static uint16_t to_half(int v) {
    int exponent = 0, mantissa = v;
    if (v == 0) return 0;
    while (mantissa >= 2048) { mantissa >>= 1; exponent++; }
    while (mantissa < 1024) { mantissa <<= 1; exponent--; }
    return (uint16_t)(((exponent + 10 + 15) << 10) | (mantissa & 1023));
}

static int from_half(uint16_t h) {
    int exponent = (h >> 10) & 31, mantissa = (h & 1023) | 1024;
    int shift = exponent - 15 - 10;
    if (h == 0) return 0;
    return shift >= 0 ? mantissa << shift : mantissa >> -shift;
}

static uint16_t to_bfloat16(int v) {
    float f = (float)v;
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return (uint16_t)(bits >> 16);
}

static int from_bfloat16(uint16_t b) {
    uint32_t bits = (uint32_t)b << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return (int)f;
}

static void store(void *buffer, pcclDataType_t type, size_t i, int v) {
    switch (type) {
    case pcclUint8: ((uint8_t *)buffer)[i] = (uint8_t)v; break;
    case pcclInt8: ((int8_t *)buffer)[i] = (int8_t)v; break;
    case pcclInt16: ((int16_t *)buffer)[i] = (int16_t)v; break;
    case pcclUint16: ((uint16_t *)buffer)[i] = (uint16_t)v; break;
    case pcclUint32: ((uint32_t *)buffer)[i] = (uint32_t)v; break;
    case pcclInt32: ((int32_t *)buffer)[i] = v; break;
    case pcclUint64: ((uint64_t *)buffer)[i] = (uint64_t)v; break;
    case pcclInt64: ((int64_t *)buffer)[i] = v; break;
    case pcclFloat16: ((uint16_t *)buffer)[i] = to_half(v); break;
    case pcclBFloat16: ((uint16_t *)buffer)[i] = to_bfloat16(v); break;
    case pcclFloat: ((float *)buffer)[i] = (float)v; break;
    default: ((double *)buffer)[i] = v; break;
    }
}

static double load(const void *buffer, pcclDataType_t type, size_t i) {
    switch (type) {
    case pcclUint8: return ((const uint8_t *)buffer)[i];
    case pcclInt8: return ((const int8_t *)buffer)[i];
    case pcclInt16: return ((const int16_t *)buffer)[i];
    case pcclUint16: return ((const uint16_t *)buffer)[i];
    case pcclUint32: return ((const uint32_t *)buffer)[i];
    case pcclInt32: return ((const int32_t *)buffer)[i];
    case pcclUint64: return (double)((const uint64_t *)buffer)[i];
    case pcclInt64: return (double)((const int64_t *)buffer)[i];
    case pcclFloat16: return from_half(((const uint16_t *)buffer)[i]);
    case pcclBFloat16: return from_bfloat16(((const uint16_t *)buffer)[i]);
    case pcclFloat: return ((const float *)buffer)[i];
    default: return ((const double *)buffer)[i];
    }
}

/* The expected value in the element type: 8-bit products wrap (3 * 8 * 9 = 504 > 255). */
static double expected_in(pcclDataType_t type, pcclRedOp_t op, size_t i) {
    double value = reference(op, i);
    if (type == pcclUint8) return (double)(uint8_t)(int)value;
    if (type == pcclInt8) return (double)(int8_t)(uint8_t)(int)value;
    return value;
}

static void every_type_and_op(pcclComm_t *comm, int rank) {
    static unsigned char send_storage[PEERS][COUNT * 8], receive_storage[PEERS][COUNT * 8];
    unsigned char *send = send_storage[rank], *receive = receive_storage[rank];
    uint64_t tag = 100;
    size_t t, o, i;
    int in_place;
    for (t = 0; t < sizeof TYPES / sizeof TYPES[0]; t++) {
        for (o = 0; o < sizeof OPS / sizeof OPS[0]; o++) {
            for (in_place = 0; in_place <= 1; in_place++) {
                pcclReduceDescriptor_t descriptor = harness_descriptor(COUNT, TYPES[t], OPS[o], tag++);
                pcclReduceInfo_t info;
                void *output = in_place ? send : receive;
                for (i = 0; i < COUNT; i++) {
                    store(send, TYPES[t], i, input_value(rank, i));
                }
                memset(receive, 0xAB, COUNT * size_of(TYPES[t]));
                EXPECT_OK(pcclAllReduce(send, output, &descriptor, comm, &info));
                CHECK(info.local_world_size == PEERS);
                CHECK(info.tx_bytes > 0 && info.rx_bytes > 0);
                for (i = 0; i < COUNT; i++) {
                    if (load(output, TYPES[t], i) != expected_in(TYPES[t], OPS[o], i)) {
                        fprintf(stderr, "type %d op %d in_place %d index %u: got %g, expected %g\n", (int)TYPES[t],
                                (int)OPS[o], in_place, (unsigned)i, load(output, TYPES[t], i),
                                expected_in(TYPES[t], OPS[o], i));
                        CHECK(0);
                    }
                }
                if (!in_place) {
                    for (i = 0; i < COUNT; i++) {
                        CHECK(load(send, TYPES[t], i) == input_value(rank, i)); /* the input is untouched */
                    }
                }
            }
        }
    }
}

static void empty_and_mismatch(pcclComm_t *comm, int rank) {
    float value[4] = {1, 2, 3, 4};
    pcclReduceDescriptor_t descriptor = harness_descriptor(0, pcclFloat, pcclSum, 900);
    pcclReduceInfo_t info;
    EXPECT_OK(pcclAllReduce(value, value, &descriptor, comm, &info));
    CHECK(info.local_world_size == PEERS && value[0] == 1.0f);

    /* Peers disagreeing on a tag's descriptor all get the same clear error. */
    descriptor = harness_descriptor(rank == 1 ? 3 : 4, pcclFloat, pcclSum, 901);
    EXPECT_RESULT(pcclDescriptorMismatch, pcclAllReduce(value, value, &descriptor, comm, &info));
    CHECK(value[0] == 1.0f && value[3] == 4.0f); /* in-place input restored */
}

static void quantization_pass_through(pcclComm_t *comm) {
    float values[64];
    pcclReduceDescriptor_t descriptor = harness_descriptor(64, pcclFloat, pcclSum, 950);
    pcclResult_t result;
    int i;
    for (i = 0; i < 64; i++) values[i] = (float)i;
    descriptor.quantization_options.algorithm = pcclQuantMinMax;
    descriptor.quantization_options.quantized_datatype = pcclUint8;
    /* The options reach the library; until the quantized ring is in, it refuses them the same way on every peer. */
    result = pcclAllReduce(values, values, &descriptor, comm, NULL);
    CHECK(result == pcclSuccess || result == pcclInvalidArgument);
    if (result == pcclSuccess) {
        for (i = 0; i < 64; i++) CHECK(values[i] > 3.0f * (float)i - 3.0f && values[i] < 3.0f * (float)i + 3.0f);
    } else {
        CHECK(strstr(collectivesGetLastErrorMessage(), "quantiz") != NULL);
    }
}

static void many_with_retry(pcclComm_t *comm, int rank) {
    enum { OPERATIONS = 6, LENGTH = 5000 };
    static float buffers[PEERS][OPERATIONS][LENGTH];
    pcclReduceOpDescriptor_t descriptors[OPERATIONS];
    pcclReduceInfo_t info;
    int k, i;
    for (k = 0; k < OPERATIONS; k++) {
        for (i = 0; i < LENGTH; i++) buffers[rank][k][i] = (float)(rank + k);
        descriptors[k].sendbuf = buffers[rank][k];
        descriptors[k].recvbuf = buffers[rank][k];
        descriptors[k].descriptor = harness_descriptor(LENGTH, pcclFloat, pcclSum, 2000 + (uint64_t)k);
    }
    EXPECT_OK(pcclAllReduceMultipleWithRetry(descriptors, OPERATIONS, comm, &info, 3));
    CHECK(info.local_world_size == PEERS && info.tx_bytes > 0);
    for (k = 0; k < OPERATIONS; k++) {
        for (i = 0; i < LENGTH; i++) CHECK(buffers[rank][k][i] == (float)(0 + 1 + 2 + 3 * k));
    }
    /* Duplicate tags within a batch are refused before anything runs. */
    descriptors[1].descriptor.tag = descriptors[0].descriptor.tag;
    EXPECT_RESULT(pcclInvalidArgument, pcclAllReduceMultipleWithRetry(descriptors, 2, comm, &info, 2));
}

static void peer(int rank, void *context) {
    run_t *run = (run_t *)context;
    pcclComm_t *comm = harness_create_peer(run->port, 0);
    harness_join(comm, PEERS);
    harness_barrier_wait(run->barrier);
    every_type_and_op(comm, rank);
    empty_and_mismatch(comm, rank);
    quantization_pass_through(comm);
    many_with_retry(comm, rank);
    harness_barrier_wait(run->barrier);
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
    puts("test_allreduce: ok");
    return 0;
}
