/*
 * ccoip_inet.h - network address types of the Collectives C API.
 *
 * Part of the PCCL 1.0 compatible interface of libcollectives: the type names, member names, member order and
 * enum values are those PCCL 1.0 programs use, so such programs compile unchanged and share the binary layout.
 * Included by pccl.h; programs rarely include it directly.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef COLLECTIVES_CCOIP_INET_H
#define COLLECTIVES_CCOIP_INET_H

#ifdef __cplusplus
#include <cstdint>
extern "C" {
#else
#include <stdint.h>
#endif

/** Which member of ccoip_inet_address_t holds the address. */
typedef enum ccoip_inet_protocol_t {
    inetIPv4 = 0, /**< the address is in ccoip_inet_address_t::ipv4 */
    inetIPv6 = 1  /**< the address is in ccoip_inet_address_t::ipv6 */
} ccoip_inet_protocol_t;

/** An IPv4 address in network byte order: {127, 0, 0, 1} is the loopback address. */
typedef struct ccoip_ipv4_address_t {
    uint8_t data[4];
} ccoip_ipv4_address_t;

/** An IPv6 address in network byte order. IPv4-mapped addresses (::ffff:a.b.c.d) are treated as IPv4. */
typedef struct ccoip_ipv6_address_t {
    uint8_t data[16];
} ccoip_ipv6_address_t;

/**
 * An IP address. Only the member selected by `protocol` is read; the other one is ignored (zero it anyway).
 * All-zero bytes are the wildcard address ("listen on every interface") where a listening address is expected.
 */
typedef struct ccoip_inet_address_t {
    ccoip_inet_protocol_t protocol;
    ccoip_ipv4_address_t ipv4;
    ccoip_ipv6_address_t ipv6;
} ccoip_inet_address_t;

/** An IP address and a TCP port in host byte order (port 48148 is written as 48148). */
typedef struct ccoip_socket_address_t {
    ccoip_inet_address_t inet;
    uint16_t port;
} ccoip_socket_address_t;

#ifdef __cplusplus
}
#endif

#endif /* COLLECTIVES_CCOIP_INET_H */
