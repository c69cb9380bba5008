/* The master lifecycle: create, run, interrupt, await termination, destroy, and the wrong orders of those. */
#include "harness.h"

#include <pthread.h>
#include <string.h>

static void *await_termination(void *master) {
    /* Blocks until the main thread interrupts the master. */
    EXPECT_OK(pcclMasterAwaitTermination((pcclMasterInstance_t *)master));
    return NULL;
}

static void lifecycle_in_order(void) {
    pcclMasterInstance_t *master = NULL;
    uint16_t port = 0;
    pthread_t waiter;

    EXPECT_OK(pcclCreateMaster(harness_loopback(0), &master));
    CHECK(master != NULL);
    EXPECT_RESULT(pcclInvalidUsage, collectivesGetMasterPort(master, &port)); /* not bound yet */
    EXPECT_RESULT(pcclInvalidUsage, pcclInterruptMaster(master));
    EXPECT_RESULT(pcclInvalidUsage, pcclMasterAwaitTermination(master));
    EXPECT_OK(pcclRunMaster(master));
    EXPECT_RESULT(pcclInvalidUsage, pcclRunMaster(master));
    EXPECT_RESULT(pcclInvalidArgument, collectivesGetMasterPort(master, NULL));
    EXPECT_OK(collectivesGetMasterPort(master, &port));
    CHECK(port != 0);

    CHECK(pthread_create(&waiter, NULL, await_termination, master) == 0);
    EXPECT_OK(pcclInterruptMaster(master));
    EXPECT_OK(pcclInterruptMaster(master)); /* harmless */
    CHECK(pthread_join(waiter, NULL) == 0);
    EXPECT_OK(pcclMasterAwaitTermination(master)); /* already stopped: returns at once */
    EXPECT_OK(pcclDestroyMaster(master));
    EXPECT_RESULT(pcclInvalidArgument, pcclDestroyMaster(master));
    EXPECT_RESULT(pcclInvalidArgument, pcclRunMaster(master));

    /* Terminated masters release their port: a new one can bind it. */
    EXPECT_OK(pcclCreateMaster(harness_loopback(port), &master));
    EXPECT_OK(pcclRunMaster(master));
    harness_stop_master(master);
}

static void port_in_use(void) {
    uint16_t port = 0;
    pcclMasterInstance_t *first = harness_start_master(&port);
    pcclMasterInstance_t *second = NULL;
    EXPECT_OK(pcclCreateMaster(harness_loopback(port), &second));
    EXPECT_RESULT(pcclInvalidUsage, pcclRunMaster(second));
    CHECK(strstr(collectivesGetLastErrorMessage(), "could not listen") != NULL);
    EXPECT_RESULT(pcclInvalidUsage, pcclMasterAwaitTermination(second));
    EXPECT_OK(pcclDestroyMaster(second));
    harness_stop_master(first);
}

static void destroy_while_running(void) {
    uint16_t port = 0;
    pcclMasterInstance_t *master = harness_start_master(&port);
    pcclComm_t *comm;
    EXPECT_OK(pcclInit());
    comm = harness_create_peer(port, 0);
    EXPECT_OK(pcclConnect(comm));
    /* Destroying a running master stops it first; its peer sees the master as lost. */
    EXPECT_OK(pcclDestroyMaster(master));
    EXPECT_OK(pcclDestroyCommunicator(comm));
}

static void never_run(void) {
    pcclMasterInstance_t *master = NULL;
    EXPECT_OK(pcclCreateMaster(harness_loopback(0), &master));
    EXPECT_OK(pcclDestroyMaster(master));
}

int main(void) {
    lifecycle_in_order();
    port_in_use();
    destroy_while_running();
    never_run();
    puts("test_master: ok");
    return 0;
}
