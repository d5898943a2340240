/*
 * stack_internal.h — the stack object every engine module shares.
 *
 * Invariants:
 *  - every connection not yet freed is in exactly one of: the connection
 *    table (in_table), or held by a socket in state CLOSED;
 *  - a connection is in the timer heap iff one of its timers is armed;
 *  - `now` is the time of the input or poll call in progress.
 */
#ifndef SYNACK_CORE_STACK_INTERNAL_H
#define SYNACK_CORE_STACK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "synack/stack.h"
#include "ipfrag.h"
#include "mem.h"
#include "neigh.h"
#include "pmtu_cache.h"
#include "ratelimit.h"
#include "siphash.h"
#include "sock.h"
#include "tcp_table.h"
#include "timer_heap.h"
#include "udp.h"

#define STACK_MAX_IFACES 8
#define STACK_NAME_MAX 32
/* Largest IP packet the stack builds, and the room in front of it for
 * the headers below the transport: an Ethernet header (14) and an IPv6
 * header (40), rounded up.  Transports build their header and payload at
 * stack_tx_l4(st); stack_ip_output writes the IP header just before it,
 * and an Ethernet link the frame header before that. */
#define STACK_TX_BUF 65536
#define STACK_TX_HEADROOM 64
/* Smallest mem_max_bytes accepted: the stack object (mostly txbuf) and its
 * first tables, with room to do something. */
#define STACK_MEM_MIN (256u << 10)

/* One address of an interface. */
struct iface_addr {
    struct synack_addr addr;
    uint8_t prefix_len;
    uint8_t flags;               /* IFADDR_* */
};
#define IFADDR_TENTATIVE 0x01    /* IPv6 duplicate address detection not finished (RFC 4862 §5.4) */
#define IFADDR_DUPLICATE 0x02    /* DAD found another node using it: never used */
#define IFADDR_AUTO 0x04         /* made by the stack (the link-local address) */

struct iface {
    struct iface_addr addrs[SYNACK_IFACE_MAX_ADDRS];
    int naddrs;
    uint8_t link;                /* enum synack_link_type */
    uint8_t mac[6];
    uint32_t mtu;
    synack_transmit_fn transmit;
    void *transmit_ctx;
    bool tx_csum_offload;        /* synack_iface_config.tx_csum_offload */
};

/* The allocator and the lines of mem.h (bytes in use and the peak live in
 * stats.mem_bytes and stats.mem_peak_bytes). */
struct stack_mem {
    synack_alloc_fn fn;
    void *ctx;
    uint64_t max;                  /* hard cap; UINT64_MAX: none */
    uint64_t line;                 /* pressure line; UINT64_MAX: none */
    bool pressure;                 /* stats.mem_bytes >= line */
};

struct synack_stack {
    struct synack_config cfg;
    struct stack_mem mem;
    char name[STACK_NAME_MAX];
    struct iface ifaces[STACK_MAX_IFACES];
    int iface_count;
    struct synack_stats stats;
    struct siphash_key isn_key, hash_key, port_key;
    struct siphash_key cookie_key;     /* SYN cookies (syncookie.h) */
    uint16_t ip_id;
    /* Time passed to the latest synack_input/synack_poll.  Socket calls,
     * which take no time argument, stamp what they cause with it. */
    synack_time_us now;
    const uint8_t *rx_packet;      /* the IP packet synack_input is working on */
    size_t rx_len;
    bool rx_csum_valid;            /* ... and its link vouched for its checksum */
    uint64_t next_conn_id;
    uint32_t port_cursor;          /* ephemeral port search, RFC 6056 §3.3.3 (alg. 3) */
    uint64_t udp_port_counter;     /* UDP ephemeral ports, RFC 6056 §3.3.2 (alg. 2) */
    struct tcp_table tcp;
    struct udp_table udp;
    struct ipfrag_table frag;      /* its `sched` entry is in `timers` too */
    struct neigh_table neigh;      /* Ethernet neighbours; synack_poll watches neigh.next */
    /* Rate limits (ratelimit.h): ICMP errors (icmp.c), and challenge
     * ACKs (RFC 5961 §7), one bucket for every connection. */
    struct token_bucket icmp_errors;
    struct token_bucket challenge_acks;
    struct pmtu_cache pmtu_cache;  /* path MTUs learnt per destination (tcp_pmtu.c) */
    /* The schedule: every connection with an armed timer, and the
     * reassembly table while it holds a datagram (synack_poll tells them
     * apart by address). */
    struct timer_heap timers;
    struct sock_table socks;
    struct tcp_conn *out_head;     /* connections with output queued by socket calls */
    uint8_t txbuf[STACK_TX_HEADROOM + STACK_TX_BUF];
};

/* Where a transport builds the packet it is about to send. */
static inline uint8_t *stack_tx_l4(struct synack_stack *st) { return st->txbuf + STACK_TX_HEADROOM; }
/* Bytes of IP header in front of a transport payload of this family:
 * synack sends no IPv4 options and no IPv6 extension headers. */
static inline size_t stack_ip_header_len(int family) { return family == SYNACK_AF_INET6 ? 40 : 20; }

/* While a reassembled datagram goes up, it stands in for the packet being
 * input (drops and ICMP errors show it); what a link vouched for was one
 * fragment only, so its transport checksum is checked. */
struct stack_rx {
    const uint8_t *packet;
    size_t len;
    bool csum_valid;
};
static inline struct stack_rx stack_rx_replace(struct synack_stack *st, const uint8_t *pkt, size_t len)
{
    struct stack_rx saved = { st->rx_packet, st->rx_len, st->rx_csum_valid };
    st->rx_packet = pkt;
    st->rx_len = len;
    st->rx_csum_valid = false;
    return saved;
}
static inline void stack_rx_restore(struct synack_stack *st, struct stack_rx saved)
{
    st->rx_packet = saved.packet;
    st->rx_len = saved.len;
    st->rx_csum_valid = saved.csum_valid;
}

/* stack.c */
void stack_trace_packet(struct synack_stack *st, enum synack_trace_kind kind, int iface, const uint8_t *pkt,
                        size_t len, uint64_t conn_id, synack_time_us now);
/* Counts and traces the drop of the packet being input (the whole IP
 * packet is what the trace shows, whatever layer decided). */
void stack_drop(struct synack_stack *st, int iface, enum synack_drop_reason why, synack_time_us now);
/* The same for any other packet: one on its way out, or one the stack
 * held (a fragment whose datagram timed out); pkt may be NULL. */
void stack_drop_packet(struct synack_stack *st, int iface, const uint8_t *pkt, size_t len,
                       enum synack_drop_reason why, synack_time_us now);
/* Interface for a remote endpoint a socket connects to, or -EAFNOSUPPORT,
 * -EINVAL (port 0, unspecified address) or -ENETUNREACH. */
int stack_route_remote(const struct synack_stack *st, const struct synack_endpoint *remote);
/* Interface for a destination, or -1. */
int stack_route(const struct synack_stack *st, const struct synack_addr *dst);
/* Interface for an answer to a packet from `to` that came in on
 * `arrival`: the route to `to`, else `arrival`. */
static inline int stack_reply_iface(const struct synack_stack *st, const struct synack_addr *to, int arrival)
{
    int out = stack_route(st, to);
    return out >= 0 ? out : arrival;
}
/* iface's entry for addr (whatever its flags), or NULL. */
struct iface_addr *stack_iface_addr(struct synack_stack *st, int iface, const struct synack_addr *addr);
/* Whether addr is the directed broadcast ({<Network-number>, -1}, RFC
 * 1122 §3.2.1.3) of one of iface's IPv4 prefixes (/1 to /30: /31 and /32
 * have none, RFC 3021 §3.1). */
bool stack_iface_directed_broadcast(const struct synack_stack *st, int iface, const struct synack_addr *addr);
/* Writes the IP header (IPv4 or IPv6, by the family of src) in front of
 * a transport payload already at stack_tx_l4(st) and transmits it on
 * `iface` (on Ethernet after resolving the next hop).  Returns 0 or an
 * error. */
int stack_ip_output(struct synack_stack *st, int iface, const struct synack_addr *src,
                    const struct synack_addr *dst, uint8_t proto, size_t payload_len, uint64_t conn_id,
                    synack_time_us now);
/* The same with a TTL / hop limit other than the configured one
 * (neighbour discovery sends with 255, RFC 4861 §7.1). */
int stack_ip_output_ttl(struct synack_stack *st, int iface, const struct synack_addr *src,
                        const struct synack_addr *dst, uint8_t proto, size_t payload_len, uint8_t ttl,
                        uint64_t conn_id, synack_time_us now);
/* Whether addr is one of this stack's interface addresses (tentative
 * IPv6 addresses are not, RFC 4862 §5.4). */
bool stack_is_local_addr(const struct synack_stack *st, const struct synack_addr *addr);
/* Whether addr is one of this stack's interface addresses, usable or
 * still tentative (not a duplicate): what bind() accepts.  A socket bound
 * to a tentative address sends nothing until DAD has passed. */
bool stack_is_assigned_addr(const struct synack_stack *st, const struct synack_addr *addr);
/* The source address for a packet to dst leaving by iface (see
 * stack_source_addr in stack.c for the rules), or NULL when the interface
 * has no usable address of dst's family. */
const struct synack_addr *stack_source_addr(const struct synack_stack *st, int iface,
                                            const struct synack_addr *dst);
/* An IP packet (IPv4 or IPv6: by the version field) arrived on iface,
 * below it the link's framing already taken off. */
void stack_ip_input(struct synack_stack *st, int iface, const uint8_t *pkt, size_t len, synack_time_us now);
/* Hands an IP packet built at pkt (anywhere in txbuf, with at least 14
 * bytes of room in front of it) to the interface: straight to the
 * transmit callback on an IP link, through neighbour resolution on an
 * Ethernet link.  `nexthop` is the IP destination on the link.  Traced as
 * PACKET_OUT; a driver refusal is counted and dropped. */
int stack_link_output(struct synack_stack *st, int iface, const struct synack_addr *nexthop, uint8_t *pkt,
                      size_t len, uint64_t conn_id, synack_time_us now);

/* isn.c: RFC 6528 */
uint32_t isn_generate(struct synack_stack *st, const struct synack_endpoint *local,
                      const struct synack_endpoint *remote, synack_time_us now);

#endif
