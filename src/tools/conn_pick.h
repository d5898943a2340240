/*
 * conn_pick.h — one TCP connection out of a run's trace events (one stack's
 * or both stacks'), and which of its ends traced each event.
 *
 * The connection is either the N-th to send a packet, counted as the
 * ladder builder counts them (synack/ladder.h, synack_ladder_config's
 * conn_index: distinct address pairs in the order of their first packet
 * sent), so that a page's plots and its diagram show the same connection;
 * or one given by its endpoints (a flow whose ports the caller knows).
 */
#ifndef SYNACK_TOOLS_CONN_PICK_H
#define SYNACK_TOOLS_CONN_PICK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/addr.h"
#include "synack/trace.h"

struct conn_pick_pair;

struct conn_pick {
    uint64_t index;              /* the N-th connection, from 0 */
    bool chosen;
    struct synack_endpoint ep[2];   /* chosen: ep[0] sent its first packet (the client) */
    bool have_first;
    synack_time_us first_at;     /* when the first of its events was traced */
    struct conn_pick_pair *seen; /* the pairs before it, at most `index` */
    size_t seen_count, seen_cap;
    bool failed;                 /* out of memory: nothing is chosen by counting */
};

void conn_pick_init(struct conn_pick *cp, uint64_t index);
/* Chooses the connection between client and server, whatever came before. */
void conn_pick_fix(struct conn_pick *cp, const struct synack_endpoint *client, const struct synack_endpoint *server);
/* For an event of the chosen connection (a packet sent or received, a
 * state change or congestion figures), the end whose stack traced it: 0
 * (ep[0]) or 1; -1 for any other event.  A packet sent may choose the
 * connection. */
int conn_pick_event(struct conn_pick *cp, const struct synack_trace_event *ev);
void conn_pick_free(struct conn_pick *cp);

#endif
