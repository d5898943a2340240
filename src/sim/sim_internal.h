/*
 * sim_internal.h — what the simulator's files share: sim.c (the event
 * loop, hosts, point-to-point links, IP routing) and sim_switch.c (the
 * Ethernet switch).  Nothing here is public.
 */
#ifndef SYNACK_SIM_INTERNAL_H
#define SYNACK_SIM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/sim.h"
#include "prng.h"

#define SIM_ETH_HEADER_LEN 14

struct sim_switch;

/* Transmission finish times of the packets a rate-limited direction has
 * accepted; the ones still in the future are the queue's occupancy.  Finish
 * times are increasing, so expired ones are always at the front. */
struct finish_fifo {
    synack_time_us *times;
    size_t head, count, cap;
};

/* One direction of a link.
 *
 * Queue and rate model: a direction is a drop-tail FIFO in front of a
 * serializer of rate_bps bits per second.  A packet accepted at time `now`
 * starts serializing at max(now, busy_until), when the packets before it
 * have finished, and finishes len*8/rate seconds later (rounded up to whole
 * microseconds); busy_until then moves to that finish time.  The queue's
 * occupancy is the number of accepted packets whose serialization has not
 * finished (the one on the wire included); a packet that finds it at
 * queue_packets is dropped.  With rate 0 a packet finishes the instant it
 * is sent, so nothing ever queues.  The packet then propagates for
 * delay_us plus a uniform jitter; jitter alone never reorders, because an
 * arrival is never scheduled before the previous in-order arrival.
 *
 * A direction leads to a host (to_host >= 0) or into a switch port
 * (to_switch, to_port; to_host is then -1). */
struct link_dir {
    struct synack_link_params params;   /* normalized: mtu and reorder_extra_us set */
    struct synack_link_stats stats;
    struct sim_prng rng;                /* this direction's impairments only */
    int to_host;
    struct sim_switch *to_switch;
    int to_port;
    uint32_t header_len;                /* link header not counted against the MTU (Ethernet: 14) */
    synack_time_us busy_until;          /* serializer free from this time */
    synack_time_us last_arrival;        /* latest in-order arrival scheduled */
    struct finish_fifo in_flight;       /* only kept when the queue is bounded */
};

/* Links are allocated one by one so that pointers to their directions (held
 * by packet events, neighbour entries, switch ports and callers of
 * link_stats) stay valid when the link array grows.  A switch port is a
 * link too: a is the host, b is SYNACK_SIM_SWITCH, dir[0] leads into the
 * switch and dir[1] out of it. */
struct sim_link {
    int a, b;
    struct link_dir dir[2];             /* [0] a to b, [1] b to a */
};

/* Allocates link number sim->link_count with normalized parameters (NULL:
 * ideal), its directions' generators seeded from the link's number; the
 * caller sets where each direction leads.  NULL with *err set on failure. */
struct sim_link *sim__link_new(struct synack_sim *sim, int a, int b, const struct synack_link_params *a_to_b,
                               const struct synack_link_params *b_to_a, int *err);
/* Puts one packet on a direction (MTU, loss, queue, rate, delay,
 * reordering, corruption, duplication) and schedules its arrival; 0, or
 * -SYNACK_ENOBUFS when memory ran out. */
int sim__link_send(struct synack_sim *sim, struct link_dir *dir, const uint8_t *packet, size_t len);
synack_time_us sim__now(const struct synack_sim *sim);
bool sim__grow_array(void **array, size_t *cap, size_t need, size_t elem_size);

/* sim_switch.c */
struct sim_switch *sim__switch_new(int index);
void sim__switch_free(struct sim_switch *sw);
/* Adds a port leading out through dir; returns its number or -1 (no memory). */
int sim__switch_add_port(struct sim_switch *sw, struct link_dir *out);
/* A frame arrived at the switch on `port`; it is forwarded (copied) and
 * stays the caller's. */
void sim__switch_input(struct synack_sim *sim, struct sim_switch *sw, int port, const uint8_t *frame, size_t len);
const struct synack_sim_switch_stats *sim__switch_stats(const struct sim_switch *sw);

#endif
