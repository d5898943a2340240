/*
 * synack/sim.h — a deterministic simulated network of synack stacks.
 *
 * Hosts are stacks with one interface each, with IPv4 and/or IPv6
 * addresses.  A host's interface is either an IP link (raw IP packets, as
 * on TUN), joined to other IP hosts by point-to-point links, or an
 * Ethernet link (frames, as on TAP: the stack does ARP and neighbour
 * discovery), attached to a port of a simulated learning switch.  Each
 * direction of a link or switch port has its own parameters: one-way
 * delay, jitter, rate with a drop-tail queue, MTU, and seeded impairments
 * (loss, duplication, reordering, corruption).  A discrete-event clock in
 * microseconds drives everything; no wall clock is read.  The same seed and
 * the same calls give the same packets at the same virtual times, byte for
 * byte.
 *
 * A packet sent by an IP host goes to the point-to-point link that joins
 * it to the host owning the destination address, IPv4 or IPv6 (or is
 * dropped and counted when there is none, synack_sim_unroutable).  A frame
 * sent by an Ethernet host goes to its switch, which learns source MAC
 * addresses and forwards by destination MAC: to the port where that
 * address was last seen, or, for broadcast, multicast and unknown unicast
 * destinations, to every other port (IEEE 802.1D transparent bridging,
 * without spanning tree: switches are not joined to each other).
 * synack_sim_send_raw() puts arbitrary packets or frames on the wire from a
 * host, for attackers.
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
    uint64_t rate_bps;           /* serialization rate in bit/s (on a switch port, of the whole
                                  * frame); 0 = infinite */
    uint32_t queue_packets;      /* drop-tail queue in front of the rate limiter; 0 = unbounded */
    uint32_t mtu;                /* packets larger are dropped and counted; 0 = 65535.  On a
                                  * switch port, the largest frame payload: the 14-byte
                                  * Ethernet header is not counted */
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

/* Statistics of a switch (the ports' own are link statistics). */
struct synack_sim_switch_stats {
    uint64_t frames_in;          /* frames that reached the switch from its ports */
    uint64_t forwarded;          /* sent out of the one port their destination was learned on */
    uint64_t flooded;            /* broadcast, multicast or unknown unicast: sent out of every other port */
    uint64_t filtered;           /* destination learned on the port they came in by: not sent */
    uint64_t runts;              /* shorter than an Ethernet header: dropped */
    uint64_t learned;            /* source addresses entered or moved to another port */
};

typedef void (*synack_sim_app_fn)(struct synack_sim *sim, int host, void *ctx);
typedef void (*synack_sim_timer_fn)(struct synack_sim *sim, void *ctx);
/* Called for every packet a host sends, before the link impairs it (see
 * synack_sim_set_tap for what "packet" means on an Ethernet host). */
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

/* A host with every choice spelled out (synack_sim_add_host is this with
 * an IP link, the default prefix and MAC). */
struct synack_sim_host_params {
    const char *name;            /* NULL: "host<N>" */
    const struct synack_config *cfg;   /* NULL: defaults (secret as above) */
    struct synack_addr addr;     /* the first address, IPv4 or IPv6 */
    uint8_t prefix_len;          /* its on-link prefix; 0: the default (below) */
    uint32_t mtu;                /* interface MTU; 0: 1500 (IPv6 needs 1280 or more) */
    uint8_t link;                /* enum synack_link_type: SYNACK_LINK_IP (default) or _ETHERNET */
    uint8_t mac[6];              /* Ethernet: all zero gives 02:00:00:NN:NN:NN, NN the host
                                  * number plus one (host 0 is 02:00:00:00:00:01) */
};
/* Adds a host.  The default prefix is the whole address on an IP link
 * (the simulator routes, so the stack sends everything to its one
 * interface) and /24 (IPv4) or /64 (IPv6) on Ethernet (a LAN, where the
 * stack resolves neighbours).  Returns the host number (>= 0), or
 * -SYNACK_EINVAL, -SYNACK_EAFNOSUPPORT, -SYNACK_EADDRINUSE (another host
 * has the address; so does a duplicate MAC), -SYNACK_ENOMEM. */
int synack_sim_add_host_params(struct synack_sim *sim, const struct synack_sim_host_params *p);

/* Gives a host another address (a dual-stack host has an IPv4 and an IPv6
 * address; at most SYNACK_IFACE_MAX_ADDRS in all, the stack's automatic
 * link-local address included), through synack_iface_add_addr.  Packets
 * to it are routed to the host like those to its first.  prefix_len 0
 * means the default, as above.  Returns 0 or a negative error
 * (-SYNACK_EADDRINUSE when another host has it). */
int synack_sim_add_host_addr(struct synack_sim *sim, int host, struct synack_addr addr, uint8_t prefix_len);

struct synack_stack *synack_sim_stack(struct synack_sim *sim, int host);
const char *synack_sim_host_name(struct synack_sim *sim, int host);
int synack_sim_host_count(const struct synack_sim *sim);
/* enum synack_link_type of the host's interface, or -SYNACK_EINVAL. */
int synack_sim_host_link(const struct synack_sim *sim, int host);
/* The MAC address of an Ethernet host: returns 0, or -SYNACK_EINVAL (no
 * such host, or an IP host). */
int synack_sim_host_mac(const struct synack_sim *sim, int host, uint8_t mac[6]);

/* Joins IP hosts a and b.  a_to_b and b_to_a may be equal; NULL means an
 * ideal link.  Returns the link number or a negative error
 * (-SYNACK_EINVAL for an Ethernet host: it needs a switch). */
int synack_sim_link(struct synack_sim *sim, int a, int b, const struct synack_link_params *a_to_b,
                    const struct synack_link_params *b_to_a);

/* A new learning switch with no ports.  Returns its number (>= 0) or
 * -SYNACK_ENOMEM.  Its address table keeps up to 1024 MAC addresses (a
 * bounded cache: when a bucket is full the entry seen longest ago gives
 * way) and forgets one not seen as a source for 300 s (IEEE 802.1D's
 * default ageing time). */
int synack_sim_switch_new(struct synack_sim *sim);
/* Attaches an Ethernet host to a new port of switch sw: to_switch impairs
 * what the host sends, from_switch what the switch sends it (the port's
 * output queue).  NULL means ideal.  A host has one port.  Returns the
 * port's link number (for synack_sim_link_stats, with from_host the host
 * or SYNACK_SIM_SWITCH), or -SYNACK_EINVAL (no such switch or host, an IP
 * host, a host already attached, bad parameters), -SYNACK_ENOMEM. */
int synack_sim_switch_attach(struct synack_sim *sim, int sw, int host, const struct synack_link_params *to_switch,
                             const struct synack_link_params *from_switch);
const struct synack_sim_switch_stats *synack_sim_switch_stats(const struct synack_sim *sim, int sw);

/* The switch end of a port's link, for synack_sim_link_stats. */
#define SYNACK_SIM_SWITCH (-1)
/* Statistics of one direction: from_host is a or b of the link (for a
 * switch port, the host or SYNACK_SIM_SWITCH). */
const struct synack_link_stats *synack_sim_link_stats(struct synack_sim *sim, int link, int from_host);

void synack_sim_set_app(struct synack_sim *sim, int host, synack_sim_app_fn fn, void *ctx);
/* Schedules fn at virtual time `at` (a time already past means now); the
 * host's stack is polled after it runs when host >= 0.  Returns 0,
 * -SYNACK_EINVAL (no fn, or no such host) or -SYNACK_ENOMEM. */
int synack_sim_at(struct synack_sim *sim, synack_time_us at, int host, synack_sim_timer_fn fn, void *ctx);

/* The tap sees every IP packet a host sends, IPv4 and IPv6 alike, once,
 * before any link impairs it.  From an Ethernet host it is the IP packet
 * a frame carries (cut to the length its IP header gives, so without the
 * frame's padding); frames that carry no IP packet (ARP) are not shown.
 * Trace writers and pcaps of LINKTYPE_RAW take these. */
void synack_sim_set_tap(struct synack_sim *sim, synack_sim_tap_fn fn, void *ctx);

/* Like the tap, for every packet just before the destination host's stack
 * receives it (to_host in place of from_host); it must only observe (it
 * may read the receiving stack's state, e.g. with synack_getinfo).  A
 * frame flooded by a switch reaches, and is shown for, every host it is
 * sent to. */
void synack_sim_set_arrival_tap(struct synack_sim *sim, synack_sim_tap_fn fn, void *ctx);

/* The wire tap sees what a host puts on its link, as the link carries it:
 * IP packets from IP hosts, whole Ethernet frames (ARP included) from
 * Ethernet hosts (synack_sim_host_link tells which), once, as sent.  A
 * pcap of LINKTYPE_ETHERNET takes the frames. */
void synack_sim_set_wire_tap(struct synack_sim *sim, synack_sim_tap_fn fn, void *ctx);

/* Sends a raw packet from `from_host` as if its stack had sent it, now:
 * an IP packet (IPv4 or IPv6, at least its version's fixed header long)
 * from an IP host, an Ethernet frame (at least its header) from an
 * Ethernet host.  The taps see it and the link towards its destination
 * takes it.  Nothing else about it is checked, so source addresses may be
 * spoofed.  For attackers and fault injection; callable from callbacks.
 * Returns 0 (also when the link drops it or no link reaches the
 * destination), -SYNACK_EINVAL or -SYNACK_ENOBUFS. */
int synack_sim_send_raw(struct synack_sim *sim, int from_host, const uint8_t *packet, size_t len);

/* Packets sent to an address no link of the sender reaches: they vanish,
 * counted here (e.g. SYN|ACKs to spoofed sources), and frames from an
 * Ethernet host attached to no switch. */
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
