/*
 * pmtu_cache.h — path MTUs learnt per destination, kept by the stack so
 * that a new connection to a destination starts from what the last one
 * learnt (RFC 1191 §6.2, RFC 8201 §5.2, RFC 4821 §5.2: keyed by the
 * destination address alone, never by a prefix).
 *
 * A fixed table of PMTU_CACHE_SLOTS entries inside the stack object:
 * nothing is allocated, so learning can never fail.  When it is full the
 * entry that expires first gives way.  Each entry expires after
 * cfg.pmtu_expires_us (RFC 1191 §6.3: "on the order of 10 minutes"), after
 * which the first-hop MTU is tried again; an expired entry leaves when a
 * lookup finds it.  Lookups scan the live entries, so an empty cache (the
 * common case) costs one comparison.
 */
#ifndef SYNACK_CORE_PMTU_CACHE_H
#define SYNACK_CORE_PMTU_CACHE_H

#include <stdint.h>

#include "synack/addr.h"
#include "synack/trace.h"

/* 64 destinations with a path narrower than their first hop is plenty for
 * a host; the table is 2 KiB of the stack object. */
#define PMTU_CACHE_SLOTS 64

struct pmtu_entry {
    struct synack_addr dst;
    uint32_t mtu;
    synack_time_us expires;
};

struct pmtu_cache {
    uint32_t count;                    /* entries [0, count) are in use */
    struct pmtu_entry e[PMTU_CACHE_SLOTS];
};

void pmtu_cache_init(struct pmtu_cache *pc);
/* The path MTU known for dst at `now`, or 0; *expires (if not NULL) gets
 * the time the entry lapses. */
uint32_t pmtu_cache_get(struct pmtu_cache *pc, const struct synack_addr *dst, synack_time_us now,
                        synack_time_us *expires);
/* Records that dst's path takes `mtu` until `expires`, replacing what was
 * known of it. */
void pmtu_cache_put(struct pmtu_cache *pc, const struct synack_addr *dst, uint32_t mtu, synack_time_us expires);

#endif
