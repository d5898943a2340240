/*
 * synack/sim.h — a deterministic simulated network of synack stacks.
 *
 * Hosts (each one stack with one IPv4 interface) are joined by point-to-point
 * links.  Each direction of a link has its own parameters: one-way delay,
 * jitter, rate with a drop-tail queue, MTU, and seeded impairments (loss,
 * duplication, reordering, corruption).  A discrete-event clock in
 * microseconds drives everything; no wall clock is read.  The same seed and
 * the same calls give the same packets at the same virtual times, byte for
 * byte.
 *
 * A packet sent by a host goes to the link that joins it to the host owning
 * the destination address (or is dropped and counted when there is none,
 * synack_sim_unroutable).  synack_sim_send_raw() puts arbitrary packets on
 * the wire from a host, for attackers.
 *
 * Applications run as callbacks: synack_sim_set_app() registers one per
 * host, called whenever that host's stack has socket events waiting, and
 * synack_sim_at() schedules a one-off callback at a virtual time.  After
 * every callback the simulator polls the host's stack, so socket calls made
 * inside callbacks take effect at the same virtual instant.
 */
#ifndef SYNACK_SIM_H
#define SYNACK_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "synack/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

struct synack_sim;

struct synack_link_params {
    synack_time_us delay_us;     /* one-way propagation delay */
    synack_time_us jitter_us;    /* extra delay, uniform in [0, jitter_us]; never reorders by itself */
    uint64_t rate_bps;           /* serialization rate in bit/s; 0 = infinite */
    uint32_t queue_packets;      /* drop-tail queue in front of the rate limiter; 0 = unbounded */
    uint32_t mtu;                /* packets larger are dropped and counted; 0 = 65535 */
    double loss;                 /* probability a packet is lost, 0..1 */
    double dup;                  /* probability a packet is delivered twice */
    double reorder;              /* probability a packet is held back by reorder_extra_us */
    synack_time_us reorder_extra_us; /* default (0) = max(delay_us, 1 ms) */
    double corrupt;              /* probability one random bit of the packet is flipped */
};

struct synack_link_stats {
    uint64_t packets_in;         /* handed to the link */
    uint64_t packets_delivered;
    uint64_t bytes_delivered;
    uint64_t lost, queue_drops, mtu_drops, duplicated, reordered, corrupted;
};

typedef void (*synack_sim_app_fn)(struct synack_sim *sim, int host, void *ctx);
typedef void (*synack_sim_timer_fn)(struct synack_sim *sim, void *ctx);
/* Called for every packet a host sends, before the link impairs it. */
typedef void (*synack_sim_tap_fn)(void *ctx, int from_host, synack_time_us now,
                                  const uint8_t *packet, size_t len);

struct synack_sim *synack_sim_new(uint64_t seed);
void synack_sim_free(struct synack_sim *sim);

/* Adds a host with its own stack.  cfg may be NULL for defaults; its secret
 * is replaced by one derived from the simulator's seed unless non-zero.
 * Returns the host number (>= 0) or a negative error. */
int synack_sim_add_host(struct synack_sim *sim, const char *name,
                        const struct synack_config *cfg, struct synack_addr addr,
                        uint32_t mtu);
struct synack_stack *synack_sim_stack(struct synack_sim *sim, int host);
const char *synack_sim_host_name(struct synack_sim *sim, int host);
int synack_sim_host_count(const struct synack_sim *sim);

/* Joins hosts a and b.  a_to_b and b_to_a may be equal; NULL means an ideal
 * link.  Returns the link number or a negative error. */
int synack_sim_link(struct synack_sim *sim, int a, int b, const struct synack_link_params *a_to_b,
                    const struct synack_link_params *b_to_a);
/* Statistics of one direction: from_host is a or b of the link. */
const struct synack_link_stats *synack_sim_link_stats(struct synack_sim *sim, int link, int from_host);

void synack_sim_set_app(struct synack_sim *sim, int host, synack_sim_app_fn fn, void *ctx);
/* Schedules fn at virtual time `at` (a time already past means now); the
 * host's stack is polled after it runs when host >= 0.  Returns 0,
 * -SYNACK_EINVAL (no fn, or no such host) or -SYNACK_ENOMEM. */
int synack_sim_at(struct synack_sim *sim, synack_time_us at, int host, synack_sim_timer_fn fn, void *ctx);
void synack_sim_set_tap(struct synack_sim *sim, synack_sim_tap_fn fn, void *ctx);

/* Called for every packet just before the destination host's stack
 * receives it (to_host in place of from_host); it must only observe (it
 * may read the receiving stack's state, e.g. with synack_getinfo). */
void synack_sim_set_arrival_tap(struct synack_sim *sim, synack_sim_tap_fn fn, void *ctx);

/* Sends a raw IPv4 packet (at least a header long) from `from_host` as if
 * its stack had sent it, now: the tap sees it and the link towards its
 * destination address takes it.  Nothing about it is checked, so source
 * addresses may be spoofed.  For attackers and fault injection; callable
 * from callbacks.  Returns 0 (also when the link drops it or no link
 * reaches the destination), -SYNACK_EINVAL or -SYNACK_ENOBUFS. */
int synack_sim_send_raw(struct synack_sim *sim, int from_host, const uint8_t *packet, size_t len);

/* Packets sent to an address no link of the sender reaches: they vanish,
 * counted here (e.g. SYN|ACKs to spoofed sources). */
uint64_t synack_sim_unroutable(const struct synack_sim *sim);

synack_time_us synack_sim_now(const struct synack_sim *sim);
/* Runs events up to and including time t; the clock ends at t. */
void synack_sim_run_until(struct synack_sim *sim, synack_time_us t);
/* Runs until nothing is scheduled, or until `limit`.  Returns true when it
 * became idle (the clock then stays at the last event), false when it
 * stopped at the limit.  Every run call first polls all hosts, so socket
 * calls made between runs take effect at the current time. */
bool synack_sim_run_until_idle(struct synack_sim *sim, synack_time_us limit);
/* Runs while keep_going(ctx) is true (checked before the first event and
 * after each one).  Returns true when keep_going became false; false when
 * the limit was reached or nothing was left to run. */
bool synack_sim_run_while(struct synack_sim *sim, synack_time_us limit,
                          bool (*keep_going)(void *ctx), void *ctx);

/* The simulator's own seeded generator, for applications that need one. */
uint64_t synack_sim_random(struct synack_sim *sim);

#ifdef __cplusplus
}
#endif
#endif
