/* Compiled as strict C99 with -Wall -Wextra -Werror -pedantic: the header needs nothing else. It also pins the
 * PCCL 1.0 signatures: each assignment fails to compile if a declaration drifts from PCCL's function type. */
#include <pccl.h>

typedef pcclResult_t (*init_fn)(void);
typedef pcclResult_t (*create_comm_fn)(const pcclCommCreateParams_t *, pcclComm_t **);
typedef pcclResult_t (*get_attribute_fn)(const pcclComm_t *, pcclAttribute_t, int *);
typedef pcclResult_t (*comm_fn)(pcclComm_t *);
typedef pcclResult_t (*const_comm_fn)(const pcclComm_t *);
typedef pcclResult_t (*peers_pending_fn)(const pcclComm_t *, bool *);
typedef pcclResult_t (*all_reduce_fn)(const void *, void *, const pcclReduceDescriptor_t *, const pcclComm_t *,
                                      pcclReduceInfo_t *);
typedef pcclResult_t (*all_reduce_async_fn)(const void *, void *, const pcclReduceDescriptor_t *, const pcclComm_t *,
                                            pcclAsyncReduceOp_t *);
typedef pcclResult_t (*all_reduce_many_fn)(const pcclReduceOpDescriptor_t *, size_t, const pcclComm_t *,
                                           pcclReduceInfo_t *, int);
typedef pcclResult_t (*await_fn)(const pcclAsyncReduceOp_t *, pcclReduceInfo_t *);
typedef pcclResult_t (*sync_fn)(const pcclComm_t *, pcclSharedState_t *, pcclSharedStateSyncStrategy_t,
                                pcclSharedStateSyncInfo_t *);
typedef pcclResult_t (*create_master_fn)(ccoip_socket_address_t, pcclMasterInstance_t **);
typedef pcclResult_t (*master_fn)(pcclMasterInstance_t *);
typedef pcclResult_t (*build_info_fn)(pcclBuildInfo_t *);

struct pccl_signatures {
    init_fn init;
    create_comm_fn create_communicator;
    get_attribute_fn get_attribute;
    comm_fn destroy_communicator, connect, update_topology;
    peers_pending_fn are_peers_pending;
    const_comm_fn optimize_topology;
    all_reduce_fn all_reduce;
    all_reduce_async_fn all_reduce_async;
    all_reduce_many_fn all_reduce_many;
    await_fn await_async_reduce;
    sync_fn synchronize_shared_state;
    create_master_fn create_master;
    master_fn run_master, interrupt_master, await_master, destroy_master;
    build_info_fn get_build_info;
};

const struct pccl_signatures collectives_header_check_c = {
    pcclInit, pcclCreateCommunicator, pcclGetAttribute, pcclDestroyCommunicator, pcclConnect, pcclUpdateTopology,
    pcclArePeersPending, pcclOptimizeTopology, pcclAllReduce, pcclAllReduceAsync, pcclAllReduceMultipleWithRetry,
    pcclAwaitAsyncReduce, pcclSynchronizeSharedState, pcclCreateMaster, pcclRunMaster, pcclInterruptMaster,
    pcclMasterAwaitTermination, pcclDestroyMaster, pcclGetBuildInfo};
