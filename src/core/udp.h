/*
 * udp.h — UDP (RFC 768): socket state, the port table, input and output.
 *
 * A UDP socket is a struct sock of kind SOCK_UDP whose `udp` points here.
 * Datagrams wait in two byte rings of records (a fixed header, then the
 * payload), so that queueing one costs no allocation once the ring has
 * grown, and each queue is bounded in bytes by the socket's buffer size:
 *
 *   rcvq: [struct udp_rx_rec][payload] ...   filled by udp_input, emptied by recvfrom
 *   sndq: [struct udp_tx_rec][payload] ...   filled by sendto, emptied by synack_poll
 *
 * Invariants: a socket is in the port table (in_table) exactly when it is
 * bound; it is on the stack's output list (out_queued) exactly when sndq
 * holds a datagram.
 */
#ifndef SYNACK_CORE_UDP_H
#define SYNACK_CORE_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "synack/addr.h"
#include "synack/trace.h"
#include "ringbuf.h"

struct synack_stack;
struct icmp_err;

#define UDP_HEADER_LEN 8
/* Sockets hash by local port into this many chains.  Only the application
 * decides how many sockets share a chain (a remote party only picks which
 * chain it reaches), so a fixed table cannot be flooded; a host with tens
 * of thousands of UDP sockets would want it larger. */
#define UDP_HASH_BUCKETS 256

/* Record headers in the queues (their size counts against the buffers). */
struct udp_rx_rec {
    uint32_t len;                  /* payload bytes that follow */
    uint32_t pad_;
    struct synack_endpoint from;
};
struct udp_tx_rec {
    uint32_t len;
    uint8_t iface;                 /* chosen by the route at sendto time */
    uint8_t pad_[3];
    struct synack_addr src;
    struct synack_endpoint dst;
};

struct udp_sock {
    struct udp_sock *hash_next;    /* port table chain, while bound */
    struct udp_sock *out_next;     /* stack's output list, while sndq holds data */
    int sock;                      /* our handle */
    bool in_table, out_queued;
    bool connected;                /* remote is the default peer and input filter */
    bool addr_from_connect;        /* local.addr was chosen by connect, not bind */
    uint8_t any_family;            /* ... and was before that the wildcard of this family */
    struct synack_endpoint local;  /* address may be a wildcard (sock.h: which families it takes) */
    struct synack_endpoint remote; /* valid when connected */
    struct ringbuf rcvq, sndq;
};

struct udp_table {
    struct udp_sock *buckets[UDP_HASH_BUCKETS];
    struct udp_sock *out_head, *out_tail;
};

void udp_table_init(struct udp_table *t);

/* NULL under memory pressure (counted) or when out of memory. */
struct udp_sock *udp_sock_new(struct synack_stack *st, int sock, uint32_t sndbuf, uint32_t rcvbuf);
/* Takes u out of the table and the output list and frees it (queued
 * datagrams are dropped). */
void udp_sock_free(struct synack_stack *st, struct udp_sock *u);

/* Binds to local (a wildcard or one of our addresses; port 0:
 * ephemeral).  Returns 0, -SYNACK_EINVAL (already bound),
 * -SYNACK_EAFNOSUPPORT, -SYNACK_EADDRNOTAVAIL or -SYNACK_EADDRINUSE. */
int udp_bind(struct synack_stack *st, struct udp_sock *u, const struct synack_endpoint *local);
/* Sets (or, with family UNSPEC, clears) the default peer. */
int udp_connect(struct synack_stack *st, struct udp_sock *u, const struct synack_endpoint *remote);
ssize_t udp_sendto(struct synack_stack *st, struct udp_sock *u, const void *data, size_t len,
                   const struct synack_endpoint *to);
/* -SYNACK_EAGAIN when nothing waits.  *truncated says whether the
 * datagram was longer than len. */
ssize_t udp_recvfrom(struct udp_sock *u, void *buf, size_t len, struct synack_endpoint *from, bool *truncated);
int udp_set_buffer(struct synack_stack *st, struct udp_sock *u, bool send, uint32_t bytes);
/* Under memory pressure, gives back the storage of queues that are empty. */
void udp_reclaim(struct synack_stack *st, struct udp_sock *u);
/* READABLE / WRITABLE / CONNECTED bits (the pending error is the sock's). */
uint32_t udp_ready_bits(const struct udp_sock *u);

/* One UDP datagram arrived (the IP packet being input is st->rx_packet). */
void udp_input(struct synack_stack *st, int iface, const struct synack_addr *src, const struct synack_addr *dst,
               const uint8_t *dgram, size_t len, synack_time_us now);
/* Sends every queued datagram (from synack_poll). */
void udp_output(struct synack_stack *st, synack_time_us now);
/* An ICMP error quoting a datagram local:sport -> remote:dport (th holds
 * at least the 8 bytes of its UDP header). */
void udp_icmp_error(struct synack_stack *st, int iface, const struct synack_addr *local,
                    const struct synack_addr *remote, const uint8_t *th, size_t thlen, const struct icmp_err *e,
                    synack_time_us now);

#endif
