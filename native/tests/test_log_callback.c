/* collectivesSetLogCallback: messages reach the callback with their level and event id, from several threads at
 * once; collectivesSetLogLevel filters them; NULL restores stderr; a callback may replace itself from inside. */
#include "harness.h"

#include <pthread.h>
#include <string.h>

typedef struct log_sink_t {
    pthread_mutex_t lock;
    int messages;
    int listening;          /* "Master listening" at COLLECTIVES_LOG_INFO with event id 1000 */
    int accepted;           /* "Accepted into the run" (event id 2001), one per peer */
    int below_minimum;      /* messages under the level set with collectivesSetLogLevel */
    int bad_level;          /* levels outside TRACE..CRITICAL */
    int minimum;
} log_sink_t;

static void record(int level, const char *message, void *user) {
    log_sink_t *sink = (log_sink_t *)user;
    pthread_mutex_lock(&sink->lock);
    sink->messages++;
    if (level < COLLECTIVES_LOG_TRACE || level > COLLECTIVES_LOG_CRITICAL) {
        sink->bad_level++;
    }
    if (level < sink->minimum) {
        sink->below_minimum++;
    }
    if (level == COLLECTIVES_LOG_INFO && strstr(message, "[1000]: Master listening on 127.0.0.1:") != NULL) {
        sink->listening++;
    }
    if (strstr(message, "[2001]: Accepted into the run") != NULL) {
        sink->accepted++;
    }
    pthread_mutex_unlock(&sink->lock);
}

static int messages_of(log_sink_t *sink) {
    int count;
    pthread_mutex_lock(&sink->lock);
    count = sink->messages;
    pthread_mutex_unlock(&sink->lock);
    return count;
}

static void run_master_once(void) {
    uint16_t port = 0;
    harness_stop_master(harness_start_master(&port));
}

typedef struct join_t {
    uint16_t port;
    harness_barrier_t *barrier;
} join_t;

static void join_and_leave(int rank, void *context) {
    join_t *join = (join_t *)context;
    pcclComm_t *comm = harness_create_peer(join->port, 0);
    (void)rank;
    harness_join(comm, 2);
    harness_barrier_wait(join->barrier); /* nobody leaves before both saw the run of two */
    EXPECT_OK(pcclDestroyCommunicator(comm));
}

static pcclResult_t replaced_from_inside = pcclInternalError;
static int self_replacing_calls = 0;

static void replace_self(int level, const char *message, void *user) {
    (void)level;
    (void)message;
    (void)user;
    /* Only the main thread logs while this is installed (a master starting), so no lock is needed. */
    self_replacing_calls++;
    replaced_from_inside = collectivesSetLogCallback(NULL, NULL);
}

int main(void) {
    log_sink_t sink;
    join_t join;
    pcclMasterInstance_t *master;
    int before;

    memset(&sink, 0, sizeof sink);
    CHECK(pthread_mutex_init(&sink.lock, NULL) == 0);
    EXPECT_OK(pcclInit());

    /* Routed with level and event id. */
    EXPECT_OK(collectivesSetLogLevel(COLLECTIVES_LOG_INFO));
    sink.minimum = COLLECTIVES_LOG_INFO;
    EXPECT_OK(collectivesSetLogCallback(record, &sink));
    run_master_once();
    CHECK(sink.listening == 1);

    /* Peers on two threads log at the same time. */
    master = harness_start_master(&join.port);
    join.barrier = harness_barrier_create(2);
    harness_run_threads(2, join_and_leave, &join);
    harness_barrier_destroy(join.barrier);
    harness_stop_master(master);
    CHECK(sink.accepted == 2);

    /* The level filters what reaches the callback. */
    EXPECT_OK(collectivesSetLogLevel(COLLECTIVES_LOG_ERROR));
    pthread_mutex_lock(&sink.lock);
    sink.minimum = COLLECTIVES_LOG_ERROR;
    pthread_mutex_unlock(&sink.lock);
    before = messages_of(&sink);
    run_master_once();
    CHECK(messages_of(&sink) == before);
    EXPECT_RESULT(pcclInvalidArgument, collectivesSetLogLevel((collectivesLogLevel_t)7));

    /* NULL restores stderr: nothing more reaches the old callback. */
    EXPECT_OK(collectivesSetLogCallback(NULL, NULL));
    EXPECT_OK(collectivesSetLogLevel(COLLECTIVES_LOG_TRACE));
    before = messages_of(&sink);
    run_master_once();
    CHECK(messages_of(&sink) == before);
    CHECK(sink.below_minimum == 0);
    CHECK(sink.bad_level == 0);

    /* A callback that uninstalls itself from inside neither deadlocks nor is called again. */
    EXPECT_OK(collectivesSetLogLevel(COLLECTIVES_LOG_INFO));
    EXPECT_OK(collectivesSetLogCallback(replace_self, NULL));
    run_master_once();
    CHECK(self_replacing_calls == 1);
    CHECK(replaced_from_inside == pcclSuccess);

    EXPECT_OK(collectivesSetLogLevel(COLLECTIVES_LOG_WARNING));
    pthread_mutex_destroy(&sink.lock);
    puts("test_log_callback: ok");
    return 0;
}
