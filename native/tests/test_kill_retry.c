/* Three peer processes and a master process. After a first all-reduce among all three, the two survivors launch
 * the next one and report it; then the victim launches it too, lets the ring start moving data, and freezes; the
 * test SIGKILLs it. The survivors' operation fails, the failure leaves the in-place input intact, and the retry
 * completes among the two survivors with bit-identical results (should the ring have finished within the victim's
 * head start, the first attempt succeeds among all three instead; both outcomes are checked for consistency).
 * pcclAllReduceMultipleWithRetry then runs among the survivors. The parent never calls into libcollectives, so
 * forking it is safe. */
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PEERS 3
#define VICTIM 2
#define LARGE (4u << 20) /* 16 MiB of float32: the ring needs far longer than the victim's head start */
#define HEAD_START_MS 10    /* lets the victim's launch reach the master and the ring start before it freezes */

typedef struct peer_report_t {
    int first_result;
    int attempts;
    uint32_t world_size;
    uint64_t checksum;
} peer_report_t;

static void die_with_parent(void) {
    /* A crashed or timed-out test must not leave processes behind. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void write_all(int fd, const void *data, size_t length) {
    const char *bytes = (const char *)data;
    while (length > 0) {
        ssize_t written = write(fd, bytes, length);
        CHECK(written > 0 || errno == EINTR);
        if (written > 0) {
            bytes += written;
            length -= (size_t)written;
        }
    }
}

static int read_all(int fd, void *data, size_t length) {
    char *bytes = (char *)data;
    while (length > 0) {
        ssize_t got = read(fd, bytes, length);
        if (got == 0) return 0;
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return 0;
        bytes += got;
        length -= (size_t)got;
    }
    return 1;
}

static uint64_t fnv1a(const void *data, size_t length) {
    const unsigned char *bytes = (const unsigned char *)data;
    uint64_t hash = 14695981039346656037ull;
    size_t i;
    for (i = 0; i < length; i++) {
        hash = (hash ^ bytes[i]) * 1099511628211ull;
    }
    return hash;
}

static void run_master(int port_fd, int stop_fd) {
    uint16_t port = 0;
    char ignored;
    pcclMasterInstance_t *master = harness_start_master(&port);
    write_all(port_fd, &port, sizeof port);
    (void)read_all(stop_fd, &ignored, 1); /* until the parent says stop (or dies) */
    harness_stop_master(master);
}

static void fill(float *buffer, size_t count, float value) {
    size_t i;
    for (i = 0; i < count; i++) buffer[i] = value;
}

static int all_equal(const float *buffer, size_t count, float value) {
    size_t i;
    for (i = 0; i < count; i++) {
        if (buffer[i] != value) return 0;
    }
    return 1;
}

static void run_peer(int rank, uint16_t port, int report_fd, int command_fd) {
    pcclComm_t *comm;
    float *buffer = (float *)malloc(LARGE * sizeof(float));
    pcclReduceDescriptor_t descriptor;
    pcclReduceInfo_t info;
    peer_report_t report;
    int64_t deadline;

    CHECK(buffer != NULL);
    EXPECT_OK(pcclInit());
    comm = harness_create_peer(port, 0);
    harness_join(comm, PEERS);

    /* Step 1: all three. */
    fill(buffer, 1u << 20, (float)(rank + 1));
    descriptor = harness_descriptor(1u << 20, pcclFloat, pcclSum, 1);
    EXPECT_OK(pcclAllReduce(buffer, buffer, &descriptor, comm, &info));
    CHECK(info.local_world_size == PEERS && all_equal(buffer, 1u << 20, 6.0f));

    /* Step 2: the survivors launch first; the victim launches once they have, then freezes. */
    fill(buffer, LARGE, (float)(rank + 1));
    descriptor = harness_descriptor(LARGE, pcclFloat, pcclSum, 2);
    if (rank == VICTIM) {
        /* Out of place, so the launch sends at once (an in-place launch first copies its input aside). */
        pcclAsyncReduceOp_t handle;
        float *output = (float *)malloc(LARGE * sizeof(float));
        char go;
        CHECK(output != NULL);
        CHECK(read_all(command_fd, &go, 1));
        EXPECT_OK(pcclAllReduceAsync(buffer, output, &descriptor, comm, &handle));
        harness_sleep_ms(HEAD_START_MS);
        raise(SIGSTOP);
        CHECK(!"the victim must never resume");
    }

    memset(&report, 0, sizeof report);
    {
        pcclAsyncReduceOp_t handle;
        pcclResult_t result;
        EXPECT_OK(pcclAllReduceAsync(buffer, buffer, &descriptor, comm, &handle));
        write_all(report_fd, "L", 1);
        result = pcclAwaitAsyncReduce(&handle, &info);
        report.first_result = (int)result;
        report.attempts = 1;
        deadline = harness_now_ms() + HARNESS_DEADLINE_MS;
        while (result != pcclSuccess) {
            /* A failure is transient and leaves the in-place input as it was, so the retry is the same call. */
            CHECK(result == pcclRankConnectionLost || result == pcclTimeout);
            CHECK(all_equal(buffer, LARGE, (float)(rank + 1)));
            CHECK(harness_now_ms() < deadline);
            harness_sleep_ms(20);
            result = pcclAllReduce(buffer, buffer, &descriptor, comm, &info);
            report.attempts++;
        }
    }
    if (info.local_world_size == PEERS) {
        /* The ring beat the victim's freeze: the first attempt ran among all three. */
        CHECK(report.first_result == pcclSuccess && all_equal(buffer, LARGE, 6.0f));
        report.world_size = PEERS;
        report.checksum = fnv1a(buffer, LARGE * sizeof(float));
        write_all(report_fd, &report, sizeof report);
        EXPECT_OK(pcclDestroyCommunicator(comm));
        free(buffer);
        return;
    }
    CHECK(info.local_world_size == PEERS - 1);
    CHECK(all_equal(buffer, LARGE, 1.0f + 2.0f));
    report.world_size = info.local_world_size;
    report.checksum = fnv1a(buffer, LARGE * sizeof(float));

    /* Step 3: a batch among the survivors. */
    {
        pcclReduceOpDescriptor_t batch[4];
        int k;
        for (k = 0; k < 4; k++) {
            batch[k].sendbuf = buffer + (size_t)k * 4096;
            batch[k].recvbuf = buffer + (size_t)k * 4096;
            batch[k].descriptor = harness_descriptor(4096, pcclFloat, pcclMax, 10 + (uint64_t)k);
            fill(buffer + (size_t)k * 4096, 4096, (float)(rank * 10 + k));
        }
        EXPECT_OK(pcclAllReduceMultipleWithRetry(batch, 4, comm, &info, 2));
        CHECK(info.local_world_size == PEERS - 1);
        for (k = 0; k < 4; k++) CHECK(all_equal(buffer + (size_t)k * 4096, 4096, (float)(10 + k)));
    }

    write_all(report_fd, &report, sizeof report);
    EXPECT_OK(pcclDestroyCommunicator(comm));
    free(buffer);
}

static int exit_status(pid_t pid) {
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int main(void) {
    int port_pipe[2], stop_pipe[2], report_pipes[PEERS][2], command_pipes[PEERS][2];
    pid_t master, peers[PEERS];
    uint16_t port = 0;
    peer_report_t reports[PEERS];
    int rank, status;

    CHECK(pipe(port_pipe) == 0 && pipe(stop_pipe) == 0);
    master = fork();
    CHECK(master >= 0);
    if (master == 0) {
        die_with_parent();
        close(port_pipe[0]);
        close(stop_pipe[1]);
        run_master(port_pipe[1], stop_pipe[0]);
        _exit(0);
    }
    close(port_pipe[1]);
    close(stop_pipe[0]);
    CHECK(read_all(port_pipe[0], &port, sizeof port));

    for (rank = 0; rank < PEERS; rank++) {
        CHECK(pipe(report_pipes[rank]) == 0 && pipe(command_pipes[rank]) == 0);
        peers[rank] = fork();
        CHECK(peers[rank] >= 0);
        if (peers[rank] == 0) {
            die_with_parent();
            close(report_pipes[rank][0]);
            close(command_pipes[rank][1]);
            run_peer(rank, port, report_pipes[rank][1], command_pipes[rank][0]);
            _exit(0);
        }
        close(report_pipes[rank][1]);
        close(command_pipes[rank][0]);
    }

    /* Once both survivors launched, the victim launches too, and stops itself shortly after; kill it then. */
    for (rank = 0; rank < PEERS; rank++) {
        char launched;
        if (rank == VICTIM) continue;
        CHECK(read_all(report_pipes[rank][0], &launched, 1) && launched == 'L');
    }
    write_all(command_pipes[VICTIM][1], "G", 1);
    CHECK(waitpid(peers[VICTIM], &status, WUNTRACED) == peers[VICTIM]);
    CHECK(WIFSTOPPED(status));
    CHECK(kill(peers[VICTIM], SIGKILL) == 0);
    CHECK(exit_status(peers[VICTIM]) == 128 + SIGKILL);

    for (rank = 0; rank < PEERS; rank++) {
        if (rank == VICTIM) continue;
        CHECK(read_all(report_pipes[rank][0], &reports[rank], sizeof reports[rank]));
        CHECK(exit_status(peers[rank]) == 0);
        printf("survivor %d: first attempt %s (%d), %d attempt(s), world %u\n", rank,
               reports[rank].first_result == 0 ? "succeeded" : "failed", reports[rank].first_result,
               reports[rank].attempts, (unsigned)reports[rank].world_size);
    }
    CHECK(reports[0].checksum == reports[1].checksum); /* bit-identical on both survivors */
    CHECK(reports[0].first_result == reports[1].first_result); /* one verdict for all */
    CHECK(reports[0].world_size == reports[1].world_size);

    CHECK(write(stop_pipe[1], "x", 1) == 1);
    CHECK(exit_status(master) == 0);
    puts("test_kill_retry: ok");
    return 0;
}
