/*
 * sock.h — socket slots behind the integer handles of synack/socket.h, the
 * listener control block, and the stack's ready list.
 *
 * A handle is (generation << SOCK_INDEX_BITS) | index, so that a handle
 * kept after close is recognised as stale instead of reaching whatever
 * socket reuses the slot.
 */
#ifndef SYNACK_CORE_SOCK_H
#define SYNACK_CORE_SOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "synack/socket.h"
#include "tcp_conn.h"

struct udp_sock;

#define SOCK_INDEX_BITS 22   /* up to 4,194,304 sockets */
#define SOCK_GEN_MASK 0x1ff  /* 9 bits: handles stay positive ints */

enum sock_kind {
    SOCK_FREE,
    SOCK_TCP,        /* fresh, bound, or connected: see conn */
    SOCK_LISTENER,
    SOCK_UDP,        /* see udp (udp.h) */
};

struct tcp_listener {
    struct tcp_listener *hash_next;
    struct synack_endpoint local;   /* address may be "any" */
    int sock;
    uint32_t backlog;               /* bounds the accept queue */
    uint32_t syn_count;             /* SYN_RECEIVED connections (the SYN queue; bound: cfg.syn_queue_len) */
    uint32_t accept_count;          /* established, not yet accepted */
    bool cookies_sent;              /* a SYN cookie went out, the latest at cookie_time */
    synack_time_us cookie_time;
    struct tcp_conn *accept_head, *accept_tail;
};

/* Socket options.  A connection takes a copy when it is created
 * (tcp_conn_params) and setsockopt on a connected socket updates both. */
struct sock_opts {
    uint32_t sndbuf, rcvbuf;
    uint16_t maxseg;
    bool nodelay, reuseaddr, linger_abort, keepalive;
    uint8_t cc;                     /* enum synack_cc */
    uint8_t plpmtud;                /* enum synack_plpmtud */
    uint32_t keep_idle_s, keep_intvl_s, keep_cnt;
};

struct sock {
    uint16_t gen;
    uint8_t kind;                   /* enum sock_kind */
    bool on_ready_list;
    bool bound;
    bool write_shut;                /* SHUT_WR or close requested */
    struct synack_endpoint local;
    struct tcp_conn *conn;          /* SOCK_TCP after connect/accept */
    struct tcp_listener *listener;  /* SOCK_LISTENER */
    struct udp_sock *udp;           /* SOCK_UDP: its state, from creation to close */
    int error;                      /* pending error when no conn holds one (UDP: from ICMP) */
    struct sock_opts opt;           /* synack_setsockopt; accepted sockets inherit them */
    uint32_t free_next;             /* free list */
    uint32_t ready_prev, ready_next; /* ready list, while on_ready_list (slot indices) */
};

struct sock_table {
    struct sock *slots;
    uint32_t count, cap, max;       /* slots used so far, allocated, allowed */
    uint32_t free_head;             /* UINT32_MAX when empty */
    /* Ready list: a FIFO of the slots with on_ready_list set, linked
     * through the slots themselves so that queueing an event never needs
     * memory (and a released slot leaves it at once).  UINT32_MAX: none. */
    uint32_t ready_head, ready_tail;
};

void sock_table_init(struct sock_table *t, uint32_t max);
void sock_table_free(struct synack_stack *st, struct sock_table *t);
/* Allocates a slot; returns its handle or a negative error (EMFILE at
 * max_sockets; ENOBUFS when the slot array cannot grow, or, for new work,
 * when growing it would pass the memory pressure line). */
int sock_alloc(struct synack_stack *st, bool new_work);
void sock_release(struct synack_stack *st, int handle);
/* The slot for a live handle, or NULL. */
struct sock *sock_get(struct synack_stack *st, int handle);
/* Puts the socket on the ready list if it is not there. */
void sock_notify(struct synack_stack *st, int handle);
uint32_t sock_ready_bits(struct synack_stack *st, int handle);
/* What a connection created for this socket starts with. */
struct tcp_conn_params sock_conn_params(const struct sock *s);

/* Dual-stack binding (the rules synack/socket.h states).  A socket bound
 * to a wildcard takes: 0.0.0.0, IPv4 only; :: or the unspecified address
 * of family UNSPEC, IPv4 and IPv6 (as Linux with bindv6only=0, except
 * that a connection keeps its real family: no v4-mapped addresses).  A
 * socket bound to one address takes that address only. */
static inline bool sock_addr_takes_family(const struct synack_addr *bound, int family)
{
    if (!synack_addr_is_any(bound))
        return bound->family == family;
    return bound->family != SYNACK_AF_INET || family == SYNACK_AF_INET;
}
/* Whether a socket bound to `bound` takes a packet sent to `dst`. */
static inline bool sock_addr_accepts(const struct synack_addr *bound, const struct synack_addr *dst)
{
    return synack_addr_is_any(bound) ? sock_addr_takes_family(bound, dst->family) : synack_addr_equal(bound, dst);
}
/* Whether two bindings of one port would take some packet in common (a
 * bind conflict): every wildcard takes IPv4, so two wildcards always do. */
static inline bool sock_addrs_overlap(const struct synack_addr *a, const struct synack_addr *b)
{
    if (synack_addr_is_any(a))
        return synack_addr_is_any(b) || sock_addr_accepts(a, b);
    return synack_addr_is_any(b) ? sock_addr_accepts(b, a) : synack_addr_equal(a, b);
}

#endif
