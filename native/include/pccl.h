/*
 * pccl.h - the C API of libcollectives (Collectives: fault-tolerant collective communication).
 *
 * Compatibility
 *   Everything in the first part of this file (the pccl* and ccoip* names) is source- and binary-compatible with
 *   PCCL 1.0: the same function names and signatures, struct layouts and enum values. A C or C++ program written
 *   for PCCL 1.0 compiles against this header and links against libcollectives (-lcollectives) unchanged.
 *   The second part ("Collectives extensions", collectives* names and the result codes after 12) is new; using it
 *   makes a program specific to libcollectives. Extensions never change the compatible declarations.
 *
 * Conventions
 *   - Every function returns a pcclResult_t; output parameters are written only on pcclSuccess.
 *   - Every function is safe to call from any thread. No exception, signal or abort ever escapes the library:
 *     bad input gives a result code, never a crash. Pointers are checked: NULL gives pcclInvalidArgument
 *     (except parameters marked PCCL_NULLABLE). Handles (pcclComm_t *, pcclMasterInstance_t *) are opaque and
 *     validated on every call: NULL, garbage or already destroyed handles give pcclInvalidArgument.
 *   - A call that is not allowed in the object's current state (for example an all-reduce before pcclConnect)
 *     gives pcclInvalidUsage.
 *   - Every blocking call is bounded: when a peer or the master dies or stalls, it returns an error within the
 *     configured heartbeat/progress deadlines instead of hanging (see collectivesCommOptions_t).
 *   - collectivesGetLastErrorMessage() describes the most recent failure on the calling thread.
 *   - Log messages go to stderr, or to the function installed with collectivesSetLogCallback(). The level comes
 *     from the environment variable PCCL_LOG_LEVEL (TRACE, DEBUG, INFO, WARN, ERR, FATAL or NONE; default WARN)
 *     and can be changed with collectivesSetLogLevel().
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef COLLECTIVES_PCCL_H
#define COLLECTIVES_PCCL_H

#include "ccoip_inet.h"

#ifdef __cplusplus
#include <cstddef>
#include <cstdint>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

#ifndef PCCL_EXPORT
#if defined(_MSC_VER)
#define PCCL_EXPORT __declspec(dllimport)
#else
#define PCCL_EXPORT __attribute__((visibility("default")))
#endif
#endif

/** Marks a pointer parameter that may be NULL (the corresponding output is then not produced). */
#ifndef PCCL_NULLABLE
#define PCCL_NULLABLE
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ================================================================================================================
 * Part 1: the PCCL 1.0 compatible interface
 * ================================================================================================================ */

/** Result of every call. Values 0-12 are PCCL 1.0's; 13-18 are Collectives extensions (see part 2). */
typedef enum pcclResult_t {
    pcclSuccess = 0,                    /**< the call did what it says */
    pcclNotInitialized = 1,             /**< pcclInit() was not called */
    pcclInternalError = 2,              /**< a bug in the library; the message says what */
    pcclInvalidArgument = 3,            /**< NULL pointer, unknown enum value, bad handle, inconsistent sizes */
    pcclInvalidUsage = 4,               /**< not allowed in the current state (e.g. not connected yet) */
    pcclTooFewPeers = 5,                /**< the operation needs another peer in the group and there is none */
    pcclMasterConnectionFailed = 6,     /**< the master is unreachable, refused this peer, or was lost */
    pcclRankConnectionFailed = 7,       /**< a connection to another peer could not be made */
    pcclRankConnectionLost = 8,         /**< a peer died, left or stalled mid-operation; retrying is safe */
    pcclNoSharedStateAvailable = 9,     /**< no peer holds shared state this peer could adopt */
    pcclPendingAsyncOps = 10,           /**< refused while asynchronous all-reduces are not yet awaited */
    pcclUpdateTopologyFailed = 11,      /**< the topology update failed; call it again */
    pcclTopologyOptimizationFailed = 12, /**< the ring was not optimised; the previous ring stays in use */
    /* Collectives extensions (values match the .NET ErrorCode enum). */
    pcclTimeout = 13,                   /**< a deadline passed (stalled peer, unreachable address); retrying is safe */
    pcclAuthenticationFailed = 14,      /**< the run secret was not proven by one side */
    pcclProtocolViolation = 15,         /**< the other side broke the wire protocol */
    pcclKicked = 16,                    /**< the master removed this peer from the run */
    pcclDescriptorMismatch = 17,        /**< peers used one tag with different count, type, op or quantization */
    pcclCancelled = 18                  /**< the operation was cancelled */
} pcclResult_t;

/** Element types. pcclFloat16 is IEEE binary16, pcclBFloat16 is bfloat16; both accumulate in float32. */
typedef enum pcclDataType_t {
    pcclUint8 = 0,
    pcclInt8 = 1,
    pcclInt16 = 2,
    pcclUint16 = 3,
    pcclUint32 = 4,
    pcclInt32 = 5,
    pcclUint64 = 6,
    pcclInt64 = 7,
    pcclFloat16 = 8,
    pcclBFloat16 = 9,
    pcclFloat = 10,
    pcclDouble = 11
} pcclDataType_t;

/** Where tensor memory lives. libcollectives is a CPU build: pcclDeviceCuda is refused with pcclInvalidArgument. */
typedef enum pcclDeviceType_t {
    pcclDeviceCpu = 0,
    pcclDeviceCuda = 1
} pcclDeviceType_t;

/** Reduction operators. Integers wrap on overflow; pcclAvg divides the sum by the number of peers (integers
 *  truncate); floating-point max/min propagate NaN. */
typedef enum pcclRedOp_t {
    pcclSum = 0,
    pcclAvg = 1,
    pcclProd = 2,
    pcclMax = 3,
    pcclMin = 4
} pcclRedOp_t;

/** Communicator attributes readable with pcclGetAttribute(). All counts are of accepted peers. */
typedef enum pcclAttribute_t {
    PCCL_ATTRIBUTE_GLOBAL_WORLD_SIZE = 1,             /**< peers in the run */
    PCCL_ATTRIBUTE_PEER_GROUP_WORLD_SIZE = 2,         /**< peers in this peer's group */
    PCCL_ATTRIBUTE_NUM_DISTINCT_PEER_GROUPS = 3,      /**< groups with at least one peer */
    PCCL_ATTRIBUTE_LARGEST_PEER_GROUP_WORLD_SIZE = 4  /**< peers in the largest group */
} pcclAttribute_t;

/** How pcclSynchronizeSharedState() may move data for this peer. */
typedef enum pcclSharedStateSyncStrategy_t {
    /** Send or receive as needed so that every peer ends with the most popular content (the default). */
    PCCL_SHARED_STATE_SYNC_STRATEGY_ENFORCE_POPULAR = 0,
    /** Only receive: this peer's content never counts as a candidate and nothing is sent from it. */
    PCCL_SHARED_STATE_SYNC_STRATEGY_RECEIVE_ONLY = 1,
    /** Only send: this peer must already hold the content that wins; it never receives. */
    PCCL_SHARED_STATE_SYNC_STRATEGY_SEND_ONLY = 2
} pcclSharedStateSyncStrategy_t;

/** Parameters of pcclCreateCommunicator(). Zero-initialise, then set the fields. */
typedef struct pcclCommCreateParams_t {
    /** Where the master listens. */
    ccoip_socket_address_t master_address;
    /** The peer group to join. Collectives and shared state span the accepted peers of one group. */
    uint32_t peer_group;
    /** TCP connections per neighbour link (1-64). Concurrent operations spread over them and one large operation
     *  is striped across all of them. 0 selects the library default (4). */
    uint32_t p2p_connection_pool_size;
} pcclCommCreateParams_t;

/** A communicator (opaque handle). */
typedef struct pcclComm_t pcclComm_t;

/** Reserved by the PCCL 1.0 interface; no function takes it. */
typedef struct pcclRankInfo_t pcclRankInfo_t;

/** What one all-reduce (or one batch) did. */
typedef struct pcclReduceInfo_t {
    uint32_t local_world_size; /**< peers that took part in the successful run */
    uint64_t tx_bytes;         /**< payload bytes this peer sent (all attempts of a retried batch) */
    uint64_t rx_bytes;         /**< payload bytes this peer received */
} pcclReduceInfo_t;

/** A hint about the value distribution of the input. Accepted and currently not used. */
typedef enum pcclDistributionHint_t {
    pcclDistributionNone = 0,
    pcclDistributionNormal = 1,
    pcclDistributionUniform = 2
} pcclDistributionHint_t;

/** The element type of the buffers of an all-reduce. */
typedef struct pcclReduceOperandDescriptor_t {
    pcclDataType_t datatype;
    pcclDistributionHint_t distribution_hint;
} pcclReduceOperandDescriptor_t;

/** Quantization of the payload on the wire. */
typedef enum pcclQuantizationAlgorithm_t {
    pcclQuantNone = 0,          /**< the payload travels in its own type */
    pcclQuantMinMax = 1,        /**< linear codes between each piece's minimum and maximum */
    pcclQuantZeroPointScale = 2 /**< codes around each piece's mean, scaled by its standard deviation */
} pcclQuantizationAlgorithm_t;

/** Quantization options of one all-reduce. quantized_datatype (pcclUint8 or pcclUint16) is read only when
 *  algorithm is not pcclQuantNone. */
typedef struct pcclQuantizationOptions_t {
    pcclDataType_t quantized_datatype;
    pcclQuantizationAlgorithm_t algorithm;
} pcclQuantizationOptions_t;

/** Describes one all-reduce. Every peer must use the same count, op, types and quantization for a tag. */
typedef struct pcclReduceDescriptor_t {
    size_t count;  /**< elements (not bytes); any value, 0 included, as long as the buffer is < 2 GiB */
    pcclRedOp_t op;
    uint64_t tag;  /**< identifies the operation among the peers; several tags may be in flight at once */
    pcclReduceOperandDescriptor_t src_descriptor;
    pcclQuantizationOptions_t quantization_options;
} pcclReduceDescriptor_t;

/** One entry of pcclAllReduceMultipleWithRetry(): buffers plus descriptor. sendbuf == recvbuf is in-place. */
typedef struct pcclReduceSingleDescriptor_t {
    void *sendbuf;
    void *recvbuf;
    pcclReduceDescriptor_t descriptor;
} pcclReduceOpDescriptor_t;

/** Identifies a launched asynchronous all-reduce: the communicator and the tag. Filled by pcclAllReduceAsync(). */
typedef struct pcclAsyncReduceOp_t {
    pcclComm_t *comm;
    uint64_t tag;
} pcclAsyncReduceOp_t;

/** A peer's unique identity for the lifetime of a run (reserved by the PCCL 1.0 interface; no function takes it). */
typedef struct pcclRankUuid_t {
    uint8_t data[16];
} pcclRankUuid_t;

/** One named tensor of the shared state. */
typedef struct pcclTensorInfo_t {
    const char *name;              /**< NUL-terminated UTF-8 key, unique within the shared state */
    void *data;                    /**< the tensor's memory, owned by the caller */
    size_t count;                  /**< elements */
    pcclDataType_t datatype;
    pcclDeviceType_t device_type;  /**< must be pcclDeviceCpu */
    bool allow_content_inequality; /**< true: peers may legitimately differ; never transferred for a mismatch */
} pcclTensorInfo_t;

/** The shared state: a revision and a list of tensors. */
typedef struct pcclSharedState_t {
    uint64_t revision;         /**< must advance by exactly 1 per synchronisation */
    size_t count;              /**< entries in infos */
    pcclTensorInfo_t *infos;
} pcclSharedState_t;

/** What one shared-state synchronisation transferred. After the first sync of a correct loop both are 0. */
typedef struct pcclSharedStateSyncInfo_t {
    uint64_t tx_bytes;
    uint64_t rx_bytes;
} pcclSharedStateSyncInfo_t;

/** A master (opaque handle). */
typedef struct pcclMasterInstanceState_t pcclMasterInstance_t;

/** Facts about this build of the library. */
typedef struct pcclBuildInfo_t {
    bool has_cuda_support; /**< always false for libcollectives */
} pcclBuildInfo_t;

/**
 * Marks the library as initialised. Must be called once before the communicator functions (calling it again is
 * harmless). The master functions and the collectives* extensions work without it.
 * Does not block. Returns pcclSuccess.
 */
PCCL_EXPORT pcclResult_t pcclInit(void);

/**
 * Creates a communicator from params (copied; params may be freed afterwards). Nothing happens on the network
 * until pcclConnect(). Uses default timeouts; collectivesCreateCommunicatorEx() sets them.
 * Does not block.
 * @return pcclSuccess; pcclNotInitialized; pcclInvalidArgument if params or comm_out is NULL, the address protocol
 *         is unknown, or p2p_connection_pool_size is over 64.
 */
PCCL_EXPORT pcclResult_t pcclCreateCommunicator(const pcclCommCreateParams_t *params, pcclComm_t **comm_out);

/**
 * Reads a world size as this peer last learnt it from the master (it changes after pcclConnect,
 * pcclUpdateTopology and when peers leave or die).
 * Does not block.
 * @return pcclSuccess; pcclNotInitialized; pcclInvalidArgument for a bad handle, a NULL p_attribute_out or an
 *         unknown attribute; pcclInvalidUsage if the communicator is not connected.
 */
PCCL_EXPORT pcclResult_t pcclGetAttribute(const pcclComm_t *communicator, pcclAttribute_t attribute,
                                          int *p_attribute_out);

/**
 * Leaves the run gracefully (the other peers see a leave, not a failure), closes every connection and frees the
 * communicator. The handle is invalid afterwards. Asynchronous all-reduces that were not awaited fail on the other
 * peers like any departure.
 * Blocks until the master acknowledged the leave and running operations settled (bounded: about 2 s for the leave,
 * 10 s for the operations).
 * @return pcclSuccess; pcclNotInitialized; pcclInvalidArgument for a bad handle.
 */
PCCL_EXPORT pcclResult_t pcclDestroyCommunicator(pcclComm_t *communicator);

/**
 * Connects to the master, registers, and waits until the accepted peers let this peer in (immediately when it is
 * the first). Opens this peer's listening port for its neighbours.
 * Blocks until the existing peers call pcclUpdateTopology() (unbounded by design: they choose when to accept new
 * peers); reaching and registering with the master is bounded by the connect timeout (default 10 s).
 * After a failure the call may be repeated on the same communicator.
 * @return pcclSuccess; pcclNotInitialized; pcclInvalidArgument for a bad handle; pcclInvalidUsage if already
 *         connected (or connecting on another thread); pcclMasterConnectionFailed if the master is unreachable,
 *         refuses or is lost while waiting; pcclKicked; pcclAuthenticationFailed.
 */
PCCL_EXPORT pcclResult_t pcclConnect(pcclComm_t *communicator);

/**
 * Collective step between training steps: votes to accept pending peers and, when the ring changed, rebuilds the
 * data connections. All accepted peers of the run must call it.
 * Blocks until every accepted peer voted (returns at once when no peer is pending); bounded by the master's
 * heartbeat timeout if a peer dies meanwhile.
 * @return pcclSuccess; pcclNotInitialized; pcclInvalidArgument for a bad handle; pcclInvalidUsage if not
 *         connected or an update is already running on another thread; pcclPendingAsyncOps while asynchronous
 *         all-reduces of this communicator have not been awaited; pcclUpdateTopologyFailed (call it again);
 *         pcclMasterConnectionFailed.
 */
PCCL_EXPORT pcclResult_t pcclUpdateTopology(pcclComm_t *communicator);

/**
 * Collective query: is any peer waiting to be accepted? Every accepted peer must call it and all get the same
 * answer. Allowed while asynchronous all-reduces run, so a loop can skip pcclUpdateTopology() when nobody waits.
 * Blocks until every accepted peer asked (bounded by the master's heartbeat timeout if a peer dies).
 * @return pcclSuccess; pcclNotInitialized; pcclInvalidArgument for a bad handle or NULL pending_out;
 *         pcclInvalidUsage if not connected or a query is already running; pcclMasterConnectionFailed.
 */
PCCL_EXPORT pcclResult_t pcclArePeersPending(const pcclComm_t *communicator, bool *pending_out);

/**
 * Re-orders the ring of this peer's group for bandwidth.
 * Current build: with two peers in the group there is nothing to order and the call succeeds at once; with three or
 * more it returns pcclTopologyOptimizationFailed (bandwidth-driven ring optimisation is not in this build yet) and
 * the current ring stays in use, so callers may simply continue. It never blocks.
 * @return pcclSuccess (group of two); pcclTopologyOptimizationFailed (group of three or more, see above);
 *         pcclNotInitialized; pcclInvalidArgument for a bad handle; pcclInvalidUsage if not connected or the
 *         run has a single peer.
 */
PCCL_EXPORT pcclResult_t pcclOptimizeTopology(const pcclComm_t *communicator);

/**
 * All-reduces descriptor->count elements of sendbuff into recvbuff over this peer's group (pipelined ring).
 * sendbuff == recvbuff is an in-place reduction; partially overlapping buffers are refused. On success every peer
 * holds bit-identical results. On failure recvbuff is undefined and sendbuff unchanged (in-place: the input is
 * restored), so the call can be retried as is, for example after pcclUpdateTopology().
 * Blocks until the master's verdict: all peers of the group launched the tag and the data moved, or the operation
 * failed (a dead or stalled peer fails it within the progress deadline, default 10 s).
 * @return pcclSuccess; pcclNotInitialized; pcclInvalidArgument for a bad handle, NULL buffers or descriptor, an
 *         unknown type/op/quantization/hint, overlapping buffers, a buffer of 2 GiB or more, or a quantized
 *         request this build cannot run; pcclInvalidUsage if not connected or the tag is already in flight;
 *         pcclTooFewPeers if this peer is alone in its group; pcclRankConnectionLost or pcclTimeout when a peer
 *         died or stalled (retry); pcclDescriptorMismatch when peers disagree on the descriptor;
 *         pcclMasterConnectionFailed; pcclKicked.
 */
PCCL_EXPORT pcclResult_t pcclAllReduce(const void *sendbuff, void *recvbuff, const pcclReduceDescriptor_t *descriptor,
                                       const pcclComm_t *communicator,
                                       pcclReduceInfo_t *PCCL_NULLABLE reduce_info_out);

/**
 * Launches the all-reduce described for pcclAllReduce() and returns without waiting for it; the buffers must stay
 * valid and untouched until pcclAwaitAsyncReduce() returned. Several tags may run at once. Every launched
 * operation must be awaited (pcclUpdateTopology() and pcclSynchronizeSharedState() refuse with
 * pcclPendingAsyncOps until then).
 * Does not block on the network (an in-place launch copies the input aside first).
 * @return pcclSuccess; the argument and state codes of pcclAllReduce(); pcclInvalidUsage also if an operation with
 *         this tag was launched and not yet awaited; pcclInvalidArgument if reduce_handle_out is NULL.
 */
PCCL_EXPORT pcclResult_t pcclAllReduceAsync(const void *sendbuff, void *recvbuff,
                                            const pcclReduceDescriptor_t *descriptor, const pcclComm_t *communicator,
                                            pcclAsyncReduceOp_t *reduce_handle_out);

/**
 * Runs count all-reduces (distinct tags) with at most max_in_flight at once. When one fails because a peer died,
 * no new ones are launched; once the running ones settled, the failed and not yet launched ones run again among the
 * survivors, until all succeed. Each operation's result is bit-identical on the peers of its final run.
 * Blocks until all succeeded or a non-retryable error occurred; each attempt is bounded like pcclAllReduce().
 * @return pcclSuccess (reduce_info_out: world size of the last run, bytes of all attempts); pcclNotInitialized;
 *         pcclInvalidArgument for a bad handle, NULL descriptors, count 0, max_in_flight < 1, duplicate tags or any
 *         invalid descriptor (checked before anything is launched); pcclInvalidUsage if not connected;
 *         pcclTooFewPeers if this peer is or becomes alone in its group; pcclDescriptorMismatch;
 *         pcclMasterConnectionFailed; pcclKicked.
 */
PCCL_EXPORT pcclResult_t pcclAllReduceMultipleWithRetry(const pcclReduceOpDescriptor_t *descriptors, size_t count,
                                                        const pcclComm_t *communicator,
                                                        pcclReduceInfo_t *PCCL_NULLABLE reduce_info_out,
                                                        int max_in_flight);

/**
 * Waits for an operation launched with pcclAllReduceAsync() and releases it; each launch is awaited once.
 * Blocks until the operation's verdict (bounded like pcclAllReduce()).
 * @return the result pcclAllReduce() would have returned; pcclInvalidArgument if reduce_handle is NULL, names a bad
 *         communicator handle, or no launched and not yet awaited operation has that tag.
 */
PCCL_EXPORT pcclResult_t pcclAwaitAsyncReduce(const pcclAsyncReduceOp_t *reduce_handle,
                                              pcclReduceInfo_t *PCCL_NULLABLE reduce_info_out);

/**
 * Makes the shared state of all accepted peers of the group identical: the most popular content at the expected
 * revision wins and peers that are behind or differ fetch it from up-to-date peers (all of them at once), writing
 * straight into the tensors' data and verifying each by hash. All peers of the group call it once per step with
 * the revision advanced by exactly 1 (a joiner may pass any lower revision, e.g. 0). On success
 * shared_state->revision holds the adopted revision (as in PCCL) and, if sync_info_out is not NULL, it receives
 * the bytes this peer sent and received; after the first sync of a deterministic loop rx_bytes is 0.
 * Blocks until every peer of the group has called it and the round is done (this peer also serves its tensors to
 * the others until then, so the memory must stay valid for the whole call); a dead or stalled peer fails it.
 * @return pcclSuccess; pcclNotInitialized; pcclInvalidArgument for a bad handle, NULL shared_state, NULL infos
 *         with count > 0, a NULL name or data pointer, a duplicate name, an unknown type, strategy or device type,
 *         or a CUDA tensor; pcclInvalidUsage if not connected or another sync or topology update runs;
 *         pcclPendingAsyncOps while asynchronous all-reduces have not been awaited; pcclRankConnectionLost
 *         (retry) when a peer of the round died or a transfer failed — fetched tensors may then be partly written;
  *         pcclNoSharedStateAvailable when no peer holds state to adopt;
 *         pcclKicked for a revision jump of more than 1 or a set of names/types that differs from the group's;
 *         pcclMasterConnectionFailed.
 */
PCCL_EXPORT pcclResult_t pcclSynchronizeSharedState(const pcclComm_t *communicator, pcclSharedState_t *shared_state,
                                                    pcclSharedStateSyncStrategy_t strategy,
                                                    pcclSharedStateSyncInfo_t *PCCL_NULLABLE sync_info_out);

/**
 * Creates a master that will listen on listen_address (port 0: a free port, see collectivesGetMasterPort()).
 * Nothing is bound until pcclRunMaster(). Uses default timeouts; collectivesCreateMasterEx() sets them.
 * Does not block.
 * @return pcclSuccess; pcclInvalidArgument if p_master_handle_out is NULL or the address protocol is unknown.
 */
PCCL_EXPORT pcclResult_t pcclCreateMaster(ccoip_socket_address_t listen_address,
                                          pcclMasterInstance_t **p_master_handle_out);

/**
 * Binds the listening socket and starts serving peers on background threads.
 * Does not block.
 * @return pcclSuccess; pcclInvalidArgument for a bad handle; pcclInvalidUsage if the master was already run, or
 *         the address cannot be bound (in use, not local).
 */
PCCL_EXPORT pcclResult_t pcclRunMaster(pcclMasterInstance_t *master_instance);

/**
 * Asks a running master to stop. Connected peers see the master as lost. Calling it again is harmless.
 * Does not block (pcclMasterAwaitTermination() waits for the stop).
 * @return pcclSuccess; pcclInvalidArgument for a bad handle; pcclInvalidUsage if the master was never run.
 */
PCCL_EXPORT pcclResult_t pcclInterruptMaster(pcclMasterInstance_t *master_instance);

/**
 * Waits until the master has stopped and released its port.
 * Blocks until pcclInterruptMaster() is called (from another thread if need be) and the master's loops ended.
 * @return pcclSuccess; pcclInvalidArgument for a bad handle; pcclInvalidUsage if the master was never run.
 */
PCCL_EXPORT pcclResult_t pcclMasterAwaitTermination(pcclMasterInstance_t *master_instance);

/**
 * Frees a master; the handle is invalid afterwards. Normally called after pcclMasterAwaitTermination(); a master
 * that is still running is interrupted and stopped first.
 * Blocks only in that case, until the master stopped (bounded: about 10 s).
 * @return pcclSuccess; pcclInvalidArgument for a bad handle.
 */
PCCL_EXPORT pcclResult_t pcclDestroyMaster(pcclMasterInstance_t *master_instance);

/**
 * Describes this build. Does not block.
 * @return pcclSuccess; pcclInvalidArgument if info is NULL.
 */
PCCL_EXPORT pcclResult_t pcclGetBuildInfo(pcclBuildInfo_t *info);

/* ================================================================================================================
 * Part 2: Collectives extensions (not in PCCL 1.0)
 * ================================================================================================================ */

/** Defined by this header: lets portable code detect libcollectives with #ifdef. */
#define COLLECTIVES_C_API 1

/** The wire protocol version this header was written for; compare with collectivesGetVersion(). */
#define COLLECTIVES_PROTOCOL_VERSION 2

/** Log levels for collectivesSetLogLevel(); the values of .NET's Microsoft.Extensions.Logging.LogLevel. */
typedef enum collectivesLogLevel_t {
    COLLECTIVES_LOG_TRACE = 0,
    COLLECTIVES_LOG_DEBUG = 1,
    COLLECTIVES_LOG_INFO = 2,
    COLLECTIVES_LOG_WARNING = 3,
    COLLECTIVES_LOG_ERROR = 4,
    COLLECTIVES_LOG_CRITICAL = 5,
    COLLECTIVES_LOG_NONE = 6
} collectivesLogLevel_t;

/**
 * Extra settings of a communicator, for collectivesCreateCommunicatorEx(). Fill it with
 * collectivesCommOptionsInit() and change what you need. A duration of 0 selects the library default.
 */
typedef struct collectivesCommOptions_t {
    /** sizeof(collectivesCommOptions_t), set by collectivesCommOptionsInit(); lets the struct grow compatibly. */
    uint32_t struct_size;
    /** Bound on reaching and registering with the master (default 10000). */
    uint32_t connect_timeout_ms;
    /** How often this peer sends heartbeats to the master (default 500). */
    uint32_t heartbeat_interval_ms;
    /** The master counts as lost after this much silence; must exceed the heartbeat interval (default 5000). */
    uint32_t master_timeout_ms;
    /** An operation that receives nothing for this long fails, so a stalled peer cannot hang the ring
     *  (default 10000). */
    uint32_t progress_timeout_ms;
    /** Nonzero: listen for neighbours on listen_address instead of every interface on a free port. */
    uint32_t use_listen_address;
    /** Where to listen for neighbours (port 0: a free port). Read only if use_listen_address is nonzero. */
    ccoip_socket_address_t listen_address;
    /** Nonzero: tell other peers to dial advertised_address (NAT, port forwarding) instead of the address the
     *  master sees. */
    uint32_t use_advertised_address;
    /** The address other peers should dial (port 0: the listening port). Read only if use_advertised_address
     *  is nonzero. */
    ccoip_socket_address_t advertised_address;
} collectivesCommOptions_t;

/** Extra settings of a master, for collectivesCreateMasterEx(). Fill it with collectivesMasterOptionsInit(). */
typedef struct collectivesMasterOptions_t {
    /** sizeof(collectivesMasterOptions_t), set by collectivesMasterOptionsInit(). */
    uint32_t struct_size;
    /** How often the master sends heartbeats and checks for silent peers (default 500). */
    uint32_t heartbeat_interval_ms;
    /** A peer silent for this long is removed; must exceed the heartbeat interval (default 3000). */
    uint32_t peer_timeout_ms;
} collectivesMasterOptions_t;

/**
 * The wire protocol version of the library (peers and masters of different versions refuse each other).
 * The cheapest call of the library; does not block; cannot fail.
 */
PCCL_EXPORT int collectivesGetVersion(void);

/**
 * Fills options with the defaults and sets struct_size. Does not block.
 * @return pcclSuccess; pcclInvalidArgument if options is NULL.
 */
PCCL_EXPORT pcclResult_t collectivesCommOptionsInit(collectivesCommOptions_t *options);

/**
 * pcclCreateCommunicator() with extra settings (copied). Does not block.
 * @return the codes of pcclCreateCommunicator(); pcclInvalidArgument also if options is NULL, its struct_size is
 *         smaller than this header's, a duration is inconsistent (master timeout not above the heartbeat interval),
 *         or an address protocol is unknown.
 */
PCCL_EXPORT pcclResult_t collectivesCreateCommunicatorEx(const pcclCommCreateParams_t *params,
                                                         const collectivesCommOptions_t *options,
                                                         pcclComm_t **comm_out);

/**
 * Fills options with the defaults and sets struct_size. Does not block.
 * @return pcclSuccess; pcclInvalidArgument if options is NULL.
 */
PCCL_EXPORT pcclResult_t collectivesMasterOptionsInit(collectivesMasterOptions_t *options);

/**
 * pcclCreateMaster() with extra settings (copied). Does not block.
 * @return the codes of pcclCreateMaster(); pcclInvalidArgument also if options is NULL, its struct_size is smaller
 *         than this header's, or the peer timeout is not above the heartbeat interval.
 */
PCCL_EXPORT pcclResult_t collectivesCreateMasterEx(ccoip_socket_address_t listen_address,
                                                   const collectivesMasterOptions_t *options,
                                                   pcclMasterInstance_t **p_master_handle_out);

/**
 * The port a running master listens on (the real one when it was created with port 0). Does not block.
 * @return pcclSuccess; pcclInvalidArgument for a bad handle or NULL port_out; pcclInvalidUsage if the master was
 *         never run.
 */
PCCL_EXPORT pcclResult_t collectivesGetMasterPort(const pcclMasterInstance_t *master_instance, uint16_t *port_out);

/**
 * Sets the level below which log messages are dropped, for the whole process (every communicator and master,
 * existing ones included). Does not block.
 * @return pcclSuccess; pcclInvalidArgument for an unknown level.
 */
PCCL_EXPORT pcclResult_t collectivesSetLogLevel(collectivesLogLevel_t level);

/**
 * Receives the library's log messages once installed with collectivesSetLogCallback().
 * level is a collectivesLogLevel_t value (never COLLECTIVES_LOG_NONE); message is one NUL-terminated UTF-8 line,
 * "category[event id]: text" (an exception's details follow on further lines), valid only during the call: copy
 * it to keep it. user is the pointer given to collectivesSetLogCallback().
 * The callback is called on the library's own threads, possibly on several at once: it must be thread-safe and
 * return promptly (it runs on the thread doing the logged work). Messages logged while the callback runs on the
 * same thread (the callback calling into the library) are dropped rather than delivered recursively.
 */
typedef void (*collectivesLogCallback_t)(int level, const char *message, void *user);

/**
 * Sends every log message at or above the level of collectivesSetLogLevel() to callback instead of stderr, for the
 * whole process (every communicator and master, existing ones included). NULL restores stderr. user is passed
 * through untouched and may be NULL.
 * Blocks only until no other thread is still inside the previously installed callback (bounded: 5 s), so once it
 * returned the previous callback is never called again and its user data may be freed (except by a call made
 * from inside that callback itself, which returns while its own delivery is still running).
 * @return pcclSuccess; pcclTimeout if the previous callback was still running on another thread after 5 s (the new
 *         callback is installed nevertheless).
 */
PCCL_EXPORT pcclResult_t collectivesSetLogCallback(collectivesLogCallback_t callback, void *PCCL_NULLABLE user);

/**
 * A short English description of a result code ("unknown result code" for values this library does not define).
 * The string is static. Does not block; cannot fail.
 */
PCCL_EXPORT const char *collectivesResultString(pcclResult_t result);

/**
 * The message of the most recent call on this thread that did not return pcclSuccess (empty if none), as
 * NUL-terminated UTF-8. Valid until the next failing call on this thread; copy it to keep it. Successful calls do
 * not clear it. Does not block; cannot fail.
 */
PCCL_EXPORT const char *collectivesGetLastErrorMessage(void);

#ifdef __cplusplus
}
#endif

#endif /* COLLECTIVES_PCCL_H */
