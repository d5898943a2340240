/*
 * pair.h — two stacks joined by two in-memory links (link.h): the client
 * and the server of the in-process workloads.
 *
 * Interface k of the client has 198.18.k.1/24 and interface k of the
 * server 198.18.k.2/24 (198.18.0.0/15 is set aside for benchmarks, RFC
 * 2544 and RFC 6890 §2.2.2), so a client connection to 198.18.k.2 leaves
 * by interface k with source 198.18.k.1: several interfaces give several
 * client addresses without binding (synack_bind walks the connection
 * table, see bench/README.md).  Every interface of one stack transmits
 * into the same link.
 */
#ifndef SYNACK_BENCH_PAIR_H
#define SYNACK_BENCH_PAIR_H

#include <stdbool.h>
#include <stddef.h>

#include "synack/synack.h"
#include "link.h"

#define BENCH_PAIR_MAX_IFACES 8      /* the engine's limit per stack */

struct bench_pair_config {
    struct synack_config client, server;   /* bench_pair_defaults, then adjusted */
    int ifaces;                            /* 1..BENCH_PAIR_MAX_IFACES on each side */
    bool csum_offload;                     /* tx_csum_offload + SYNACK_INPUT_CSUM_VALID */
    size_t link_bytes;                     /* each link's first arena */
};

struct bench_pair {
    struct synack_stack *client, *server;
    struct bench_link c2s, s2c;
    int ifaces;
};

/* synack's defaults for both stacks (fixed secrets, so that runs on a
 * virtual clock repeat exactly), one interface, software checksums. */
void bench_pair_defaults(struct bench_pair_config *cfg);

int bench_pair_open(struct bench_pair *p, const struct bench_pair_config *cfg, char *err, size_t errlen);
void bench_pair_close(struct bench_pair *p);

struct synack_addr bench_pair_client_addr(int k);
struct synack_addr bench_pair_server_addr(int k);

/* A socket of `st` bound to `ep` and listening: the socket, or a negative
 * synack error. */
int bench_listen(struct synack_stack *st, const struct synack_endpoint *ep, int backlog);

/* One turn of the driver: poll the client, deliver what it sent, poll the
 * server, deliver what it sent. */
void bench_pair_turn(struct bench_pair *p, synack_time_us now);

static inline bool bench_pair_links_empty(const struct bench_pair *p)
{
    return p->c2s.queued == 0 && p->s2c.queued == 0;
}

#endif
