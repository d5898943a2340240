/*
 * tcp_table.h — finding the connection or listener a segment belongs to.
 *
 * Connections are chained in a hash table keyed by the 4-tuple through
 * SipHash with a per-stack key, so that a remote party cannot choose
 * tuples that pile into one chain.  The table doubles when the load
 * reaches one entry per bucket.  Listeners sit in a small separate table
 * keyed by local port; a listener bound to one address beats one bound to
 * a wildcard that takes the segment's family (sock.h).
 */
#ifndef SYNACK_CORE_TCP_TABLE_H
#define SYNACK_CORE_TCP_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "synack/addr.h"

struct synack_stack;
struct tcp_conn;
struct tcp_listener;

#define TCP_LISTEN_BUCKETS 64

struct tcp_table {
    struct tcp_conn **buckets;
    uint32_t nbuckets;                 /* power of two */
    uint32_t count;
    struct tcp_conn *last;             /* the last connection a lookup found (cleared on remove) */
    struct tcp_listener *listen[TCP_LISTEN_BUCKETS];
};

bool tcp_table_init(struct synack_stack *st, struct tcp_table *t);
void tcp_table_free(struct synack_stack *st, struct tcp_table *t);
struct tcp_conn *tcp_table_lookup(struct synack_stack *st, const struct synack_endpoint *local,
                                  const struct synack_endpoint *remote);
/* Always succeeds: when the table cannot double (out of memory, or the
 * stack under memory pressure) the chains just get longer. */
void tcp_table_insert(struct synack_stack *st, struct tcp_conn *c);
void tcp_table_remove(struct synack_stack *st, struct tcp_conn *c);
struct tcp_listener *tcp_listener_lookup(struct synack_stack *st, const struct synack_endpoint *local);
/* Exact (address, port) match, for bind conflicts. */
struct tcp_listener *tcp_listener_find_exact(struct synack_stack *st, const struct synack_endpoint *local);
void tcp_listener_insert(struct synack_stack *st, struct tcp_listener *l);
void tcp_listener_remove(struct synack_stack *st, struct tcp_listener *l);
/* Whether any connection or listener uses local port `port` (for bind). */
bool tcp_port_in_use(struct synack_stack *st, const struct synack_addr *addr, uint16_t port, bool reuseaddr);
/* Picks an ephemeral port for local -> remote (RFC 6056 §3.3.3); 0 if none. */
uint16_t tcp_pick_ephemeral(struct synack_stack *st, const struct synack_addr *local,
                            const struct synack_endpoint *remote);

#endif
