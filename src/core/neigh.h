/*
 * neigh.h — the neighbour cache that ARP (arp.c, RFC 826) and neighbour
 * discovery (ndp.c, RFC 4861) share: for an IP address on an Ethernet
 * link, its MAC address, whether it is known to be reachable, and the
 * packets waiting while it is being resolved.
 *
 *   neigh_resolve   eth_output asks for the MAC of a next hop: known (the
 *                   packet leaves now), or not yet (the packet is copied
 *                   into the entry's queue and a solicitation goes out);
 *   neigh_update    ARP or NDP learnt something about a neighbour;
 *   neigh_poll      synack_poll, when neigh.next has come: retransmitted
 *                   solicitations, state timeouts, failed resolutions, and
 *                   the per-address jobs (gratuitous ARP, DAD).
 *
 * States, after RFC 4861 §7.3.2 (ARP uses the same ones, as Linux does):
 *
 *   INCOMPLETE  being resolved: solicitations sent to the group (ARP:
 *               broadcast; NDP: the solicited-node multicast address),
 *               packets queued.  After neigh_solicits unanswered ones the
 *               entry is freed, its packets dropped and their senders told
 *               (RFC 4861 §7.2.2).
 *   REACHABLE   confirmed recently (a reply to our solicitation); after
 *               ReachableTime it becomes STALE.
 *   STALE       MAC known but not confirmed: used as it is.  Its first use
 *               moves it to DELAY; unused for neigh_gc_us it is freed.
 *   DELAY       used while STALE: wait DELAY_FIRST_PROBE_TIME for a
 *               confirmation, then PROBE.
 *   PROBE       unicast solicitations to the cached MAC, neigh_solicits of
 *               them; unanswered, the entry is freed (RFC 4861 §7.3.3) and
 *               the next packet resolves afresh.
 *
 * Every entry has exactly one deadline, that of its state's next step, in
 * the table's own timer heap; the table's earliest deadline (and its
 * jobs') is `next`, which synack_poll watches.
 *
 * Invariants: count <= cfg.neigh_max_entries; every entry is in exactly
 * one hash chain, in the LRU list and in the timer heap; only INCOMPLETE
 * entries hold queued packets, at most cfg.neigh_queue_len of them and
 * cfg.neigh_queue_bytes bytes.
 */
#ifndef SYNACK_CORE_NEIGH_H
#define SYNACK_CORE_NEIGH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/addr.h"
#include "synack/trace.h"
#include "timer_heap.h"

struct synack_stack;
struct neigh_entry;

enum neigh_state {
    NEIGH_INCOMPLETE,
    NEIGH_REACHABLE,
    NEIGH_STALE,
    NEIGH_DELAY,
    NEIGH_PROBE,
};

/* Per-address work of the link layer: announcing an IPv4 address
 * (gratuitous ARP) or checking an IPv6 one (DAD).  Indexed by interface
 * and address slot (addresses are never removed, so slots are stable). */
#define NEIGH_JOB_IFACES 8         /* STACK_MAX_IFACES (checked in neigh.c) */
#define NEIGH_JOB_ADDRS 4          /* SYNACK_IFACE_MAX_ADDRS */
struct neigh_job {
    uint64_t deadline;             /* UINT64_MAX: nothing to do */
    uint8_t left;                  /* messages still to send */
};

struct neigh_table {
    struct neigh_entry **buckets;  /* allocated with the first entry */
    uint32_t nbuckets;             /* power of two, >= cfg.neigh_max_entries */
    uint32_t count;
    struct neigh_entry *lru_head, *lru_tail;   /* most recently used first */
    struct timer_heap timers;      /* each entry's deadline */
    struct neigh_job jobs[NEIGH_JOB_IFACES][NEIGH_JOB_ADDRS];
    uint64_t next;                 /* earliest deadline here; may be early, never late */
    uint64_t draws;                /* random ReachableTime draws so far */
};

/* What an update carries (RFC 4861 §7.2.3, §7.2.5; RFC 826's merge). */
enum {
    NEIGH_UPD_CREATE = 1u << 0,    /* make an entry if there is none (STALE) */
    NEIGH_UPD_OVERRIDE = 1u << 1,  /* a MAC that differs replaces the cached one */
    NEIGH_UPD_CONFIRMED = 1u << 2, /* an answer to our solicitation: REACHABLE */
};

void neigh_init(struct neigh_table *t);
/* Frees every entry and its queued packets (synack_stack_free). */
void neigh_free(struct synack_stack *st);

/* The MAC for `nexthop` on `iface`, for the IP packet pkt (len bytes) about
 * to leave.  Returns 1 with mac filled: send it now.  Returns 0 when the
 * packet was taken (queued while the neighbour is resolved) or dropped
 * (counted). */
int neigh_resolve(struct synack_stack *st, int iface, const struct synack_addr *nexthop, const uint8_t *pkt,
                  size_t len, synack_time_us now, uint8_t mac[6]);
/* Something was learnt about `addr` on `iface`: its MAC (NULL: none was
 * given) and NEIGH_UPD_* flags.  Queued packets leave once the MAC is
 * known. */
void neigh_update(struct synack_stack *st, int iface, const struct synack_addr *addr, const uint8_t *mac,
                  unsigned flags, synack_time_us now);
/* The state of the entry for addr on iface (a REACHABLE entry whose time
 * is up counts as STALE), or -1 if there is none: ndp.c asks whether an
 * advertisement has an entry to update; tests ask what the state is. */
int neigh_state_of(struct synack_stack *st, int iface, const struct synack_addr *addr, synack_time_us now);

/* An address was added to an Ethernet interface: its job runs at the next
 * poll (`when`, the latest time the stack saw). */
void neigh_job_start(struct synack_stack *st, int iface, int slot, uint8_t messages, synack_time_us when);
/* Stops an address's job (DAD found a duplicate). */
void neigh_job_stop(struct synack_stack *st, int iface, int slot);

/* Runs what is due at `now` and recomputes `next`. */
void neigh_poll(struct synack_stack *st, synack_time_us now);

#endif
