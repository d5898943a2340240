/*
 * neigh.c — the neighbour cache; see neigh.h for the states.
 *
 * Reading list: RFC 4861 §7.2.2 (sending a solicitation, queueing
 * packets, failure), §7.3.1 (reachability confirmation), §7.3.2 (states),
 * §7.3.3 (node behaviour), Appendix C (the state machine), §10 (the
 * constants: MAX_MULTICAST_SOLICIT, MAX_UNICAST_SOLICIT 3,
 * REACHABLE_TIME 30 s, RETRANS_TIMER 1 s, DELAY_FIRST_PROBE_TIME 5 s,
 * MIN/MAX_RANDOM_FACTOR 0.5/1.5); RFC 1122 §2.3.2.1 (ARP cache: timeout,
 * flooding), §2.3.2.2 (queueing).
 *
 * Lookups go through a hash table keyed by SipHash of (interface,
 * address) with the stack's key, so that senders cannot choose addresses
 * that pile into one chain.  The table has as many buckets as it may have
 * entries (a power of two), allocated with the first entry.
 *
 * Room: the cache holds at most cfg.neigh_max_entries.  A new entry takes
 * the place of the least recently used one that is not INCOMPLETE (used:
 * made, or looked up for output); an INCOMPLETE entry is never evicted —
 * its packets wait for it, and it ends by itself after neigh_solicits
 * retransmissions — so a cache full of them refuses new entries
 * (NeighTableFulls) until they resolve or fail.
 *
 * When a resolution fails, RFC 4861 §7.2.2 asks for an ICMP destination
 * unreachable (address unreachable) for each packet queued.  Their
 * senders are on this host, so they are told directly: a TCP connection
 * in SYN-SENT ends with EHOSTUNREACH (as Linux does, well before its SYN
 * retries would give ETIMEDOUT), any other keeps EHOSTUNREACH as its soft
 * error (reported if it later times out, tcp_icmp.c).  Connections whose
 * packets were pushed out of a full queue learn at their next
 * retransmission, which starts a new resolution.  UDP sockets are not
 * told: host unreachable is a soft error, which UDP does not report
 * (udp_icmp_error, and Linux without IP_RECVERR).
 *
 * Not done: reachability confirmation from upper layers (RFC 4861
 * §7.3.1: TCP's forward progress could keep entries REACHABLE; without
 * it an entry in use is probed once per ReachableTime, one unicast
 * solicitation and its answer); default routers and the IsRouter flag.
 */
#include "neigh.h"

#include <stddef.h>
#include <string.h>

#include "arp.h"
#include "byteorder.h"
#include "ipv4.h"
#include "link.h"
#include "ndp.h"
#include "stack_internal.h"
#include "tcp_conn.h"

_Static_assert(NEIGH_JOB_IFACES == STACK_MAX_IFACES, "one job row per interface");
_Static_assert(NEIGH_JOB_ADDRS == SYNACK_IFACE_MAX_ADDRS, "one job per address slot");

/* A packet waiting for its neighbour: the IP packet at bytes +
 * ETH_HEADER_LEN, with room in front for the frame header. */
struct neigh_pkt {
    struct neigh_pkt *next;
    uint32_t len;                  /* of the IP packet */
    uint8_t bytes[];
};

struct neigh_entry {
    struct neigh_entry *hash_next;
    struct neigh_entry *lru_prev, *lru_next;
    struct timer_entry t;          /* the deadline of the state's next step */
    struct synack_addr addr;
    struct neigh_pkt *q_head, *q_tail;   /* INCOMPLETE only */
    uint32_t q_bytes;
    uint8_t q_len;
    uint8_t iface;
    uint8_t state;                 /* enum neigh_state */
    uint8_t probes;                /* solicitations sent in this state */
    uint8_t mac[6];
};

static size_t pkt_size(uint32_t len) { return sizeof(struct neigh_pkt) + ETH_HEADER_LEN + len; }

void neigh_init(struct neigh_table *t)
{
    memset(t, 0, sizeof *t);
    timer_heap_init(&t->timers);
    for (int i = 0; i < NEIGH_JOB_IFACES; i++)
        for (int k = 0; k < NEIGH_JOB_ADDRS; k++)
            t->jobs[i][k].deadline = UINT64_MAX;
    t->next = UINT64_MAX;
}

static struct neigh_entry *entry_of(struct timer_entry *te)
{
    return (struct neigh_entry *)((char *)te - offsetof(struct neigh_entry, t));
}

static uint32_t bucket_of(const struct synack_stack *st, int iface, const struct synack_addr *addr)
{
    uint8_t key[1 + sizeof *addr];
    key[0] = (uint8_t)iface;
    memcpy(key + 1, addr, sizeof *addr);
    return (uint32_t)siphash24(&st->hash_key, key, sizeof key) & (st->neigh.nbuckets - 1);
}

static struct neigh_entry *lookup(struct synack_stack *st, int iface, const struct synack_addr *addr)
{
    struct neigh_table *t = &st->neigh;
    if (!t->count)
        return NULL;
    for (struct neigh_entry *e = t->buckets[bucket_of(st, iface, addr)]; e; e = e->hash_next)
        if (e->iface == iface && synack_addr_equal(&e->addr, addr))
            return e;
    return NULL;
}

static void set_deadline(struct neigh_table *t, struct neigh_entry *e, synack_time_us when)
{
    timer_heap_set(&t->timers, &e->t, when);
    if (when < t->next)
        t->next = when;
}

static void lru_unlink(struct neigh_table *t, struct neigh_entry *e)
{
    if (e->lru_prev)
        e->lru_prev->lru_next = e->lru_next;
    else
        t->lru_head = e->lru_next;
    if (e->lru_next)
        e->lru_next->lru_prev = e->lru_prev;
    else
        t->lru_tail = e->lru_prev;
    e->lru_prev = e->lru_next = NULL;
}

static void lru_push(struct neigh_table *t, struct neigh_entry *e)
{
    e->lru_prev = NULL;
    e->lru_next = t->lru_head;
    if (t->lru_head)
        t->lru_head->lru_prev = e;
    else
        t->lru_tail = e;
    t->lru_head = e;
}

/* Takes e's queue out of it (the caller sends, drops or frees it). */
static struct neigh_pkt *take_queue(struct neigh_entry *e)
{
    struct neigh_pkt *list = e->q_head;
    e->q_head = e->q_tail = NULL;
    e->q_len = 0;
    e->q_bytes = 0;
    return list;
}

/* Takes e out of the table and frees it; its queue must be empty. */
static void destroy(struct synack_stack *st, struct neigh_entry *e)
{
    struct neigh_table *t = &st->neigh;
    struct neigh_entry **pp = &t->buckets[bucket_of(st, e->iface, &e->addr)];
    while (*pp != e)
        pp = &(*pp)->hash_next;
    *pp = e->hash_next;
    lru_unlink(t, e);
    timer_heap_remove(&t->timers, &e->t);
    t->count--;
    st->stats.neigh_entries = t->count;
    st->stats.neigh_destroys++;
    mem_free(st, e, sizeof *e);
}

void neigh_free(struct synack_stack *st)
{
    struct neigh_table *t = &st->neigh;
    while (t->lru_head) {
        struct neigh_entry *e = t->lru_head;
        for (struct neigh_pkt *p = take_queue(e), *next; p; p = next) {
            next = p->next;
            mem_free(st, p, pkt_size(p->len));
        }
        destroy(st, e);
    }
    mem_free(st, t->buckets, (size_t)t->nbuckets * sizeof *t->buckets);
    t->buckets = NULL;
    timer_heap_free(st, &t->timers);
}

/* The least recently used entry that is not being resolved, or NULL. */
static struct neigh_entry *victim(struct neigh_table *t)
{
    for (struct neigh_entry *e = t->lru_tail; e; e = e->lru_prev)
        if (e->state != NEIGH_INCOMPLETE)
            return e;
    return NULL;
}

/* A new entry for addr (state and deadline to be set by the caller), or
 * NULL with *why saying what the packet that asked for it meets. */
static struct neigh_entry *create(struct synack_stack *st, int iface, const struct synack_addr *addr,
                                  enum synack_drop_reason *why)
{
    struct neigh_table *t = &st->neigh;
    *why = SYNACK_DROP_NEIGH_NO_MEMORY;
    if (t->count >= st->cfg.neigh_max_entries) {
        struct neigh_entry *v = victim(t);
        if (!v) {
            st->stats.neigh_table_fulls++;
            *why = SYNACK_DROP_NEIGH_TABLE_FULL;
            return NULL;
        }
        st->stats.neigh_evictions++;
        destroy(st, v);
    }
    if (!t->buckets) {
        uint32_t n = 1;
        while (n < st->cfg.neigh_max_entries)
            n *= 2;
        t->buckets = mem_zalloc(st, n, sizeof *t->buckets);
        if (!t->buckets)
            return NULL;
        t->nbuckets = n;
    }
    /* An entry is new work (mem.h); its timer's room comes with it. */
    if (!stack_mem_room(st, sizeof(struct neigh_entry)) || !timer_heap_reserve(st, &t->timers, t->count + 1))
        return NULL;
    struct neigh_entry *e = mem_zalloc(st, 1, sizeof *e);
    if (!e)
        return NULL;
    timer_entry_init(&e->t);
    e->addr = *addr;
    e->iface = (uint8_t)iface;
    uint32_t b = bucket_of(st, iface, addr);
    e->hash_next = t->buckets[b];
    t->buckets[b] = e;
    lru_push(t, e);
    t->count++;
    st->stats.neigh_entries = t->count;
    st->stats.neigh_allocs++;
    return e;
}

/* ReachableTime: BaseReachableTime times a random factor in [0.5, 1.5)
 * (RFC 4861 §6.3.2), drawn from the stack's keyed hash. */
static synack_time_us reachable_time(struct synack_stack *st)
{
    uint64_t in[2] = { 0x6e65696768ull, st->neigh.draws++ };      /* "neigh", n */
    uint64_t r = siphash24(&st->hash_key, in, sizeof in) >> 32;
    synack_time_us base = st->cfg.neigh_reachable_us;              /* <= 3600 s: no overflow */
    return base / 2 + ((base * r) >> 32);
}

static void solicit(struct synack_stack *st, struct neigh_entry *e, bool unicast, synack_time_us now)
{
    e->probes++;
    if (e->addr.family == SYNACK_AF_INET)
        arp_request(st, e->iface, &e->addr, unicast ? e->mac : NULL, now);
    else
        ndp_solicit(st, e->iface, &e->addr, unicast ? e->mac : NULL, now);
}

static void enter(struct synack_stack *st, struct neigh_entry *e, enum neigh_state s, synack_time_us now)
{
    e->state = (uint8_t)s;
    e->probes = 0;
    synack_time_us d;
    switch (s) {
    case NEIGH_REACHABLE: d = reachable_time(st); break;
    case NEIGH_STALE: d = st->cfg.neigh_gc_us; break;
    case NEIGH_DELAY: d = st->cfg.neigh_delay_us; break;
    default: d = st->cfg.neigh_retrans_us; break;      /* INCOMPLETE, PROBE */
    }
    set_deadline(&st->neigh, e, now + d);
}

/* A REACHABLE entry whose time is up is STALE, whether or not the poll
 * that would have said so has run yet. */
static void refresh(struct synack_stack *st, struct neigh_entry *e, synack_time_us now)
{
    if (e->state == NEIGH_REACHABLE && e->t.deadline <= now)
        enter(st, e, NEIGH_STALE, now);
}

/* Sends what waited for e, now that its MAC is known. */
static void flush(struct synack_stack *st, struct neigh_entry *e, synack_time_us now)
{
    struct neigh_pkt *list = take_queue(e);
    uint8_t mac[6];
    int iface = e->iface;
    memcpy(mac, e->mac, 6);
    for (struct neigh_pkt *p = list, *next; p; p = next) {
        next = p->next;
        uint8_t *pkt = p->bytes + ETH_HEADER_LEN;
        eth_send(st, iface, mac, (pkt[0] >> 4) == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, pkt, p->len, now);
        mem_free(st, p, pkt_size(p->len));
    }
}

static void enqueue(struct synack_stack *st, struct neigh_entry *e, const uint8_t *pkt, size_t len,
                    synack_time_us now)
{
    const struct synack_config *cfg = &st->cfg;
    if (len > cfg->neigh_queue_bytes) {
        st->stats.neigh_unresolved_discards++;
        stack_drop_packet(st, e->iface, pkt, len, SYNACK_DROP_NEIGH_QUEUE_FULL, now);
        return;
    }
    /* The packet is copied: the transmit buffer it sits in is reused by
     * the next packet.  Holding it is new work (mem.h). */
    size_t size = pkt_size((uint32_t)len);
    struct neigh_pkt *p = stack_mem_room(st, size) ? mem_alloc(st, size) : NULL;
    if (!p) {
        st->stats.neigh_unresolved_discards++;
        stack_drop_packet(st, e->iface, pkt, len, SYNACK_DROP_NEIGH_NO_MEMORY, now);
        return;
    }
    /* RFC 4861 §7.2.2: when the queue overflows, the oldest packet goes. */
    while (e->q_head && (e->q_len >= cfg->neigh_queue_len || e->q_bytes + len > cfg->neigh_queue_bytes)) {
        struct neigh_pkt *old = e->q_head;
        e->q_head = old->next;
        if (!e->q_head)
            e->q_tail = NULL;
        e->q_len--;
        e->q_bytes -= old->len;
        st->stats.neigh_unresolved_discards++;
        stack_drop_packet(st, e->iface, old->bytes + ETH_HEADER_LEN, old->len, SYNACK_DROP_NEIGH_QUEUE_FULL, now);
        mem_free(st, old, pkt_size(old->len));
    }
    p->next = NULL;
    p->len = (uint32_t)len;
    memcpy(p->bytes + ETH_HEADER_LEN, pkt, len);
    if (e->q_tail)
        e->q_tail->next = p;
    else
        e->q_head = p;
    e->q_tail = p;
    e->q_len++;
    e->q_bytes += (uint32_t)len;
}

int neigh_resolve(struct synack_stack *st, int iface, const struct synack_addr *nexthop, const uint8_t *pkt,
                  size_t len, synack_time_us now, uint8_t mac[6])
{
    struct neigh_table *t = &st->neigh;
    struct neigh_entry *e = lookup(st, iface, nexthop);
    if (e) {
        refresh(st, e, now);
        lru_unlink(t, e);
        lru_push(t, e);
        if (e->state == NEIGH_INCOMPLETE) {
            enqueue(st, e, pkt, len, now);
            return 0;
        }
        /* RFC 4861 §7.3.3: a STALE entry is used as it is, and a timer
         * starts for a confirmation before probing. */
        if (e->state == NEIGH_STALE)
            enter(st, e, NEIGH_DELAY, now);
        memcpy(mac, e->mac, 6);
        return 1;
    }
    enum synack_drop_reason why;
    e = create(st, iface, nexthop, &why);
    if (!e) {
        st->stats.neigh_unresolved_discards++;
        stack_drop_packet(st, iface, pkt, len, why, now);
        return -SYNACK_ENOBUFS;
    }
    /* RFC 4861 §7.2.2: a new entry INCOMPLETE, the packet queued, and a
     * solicitation to the group; retransmitted every RetransTimer. */
    enter(st, e, NEIGH_INCOMPLETE, now);
    enqueue(st, e, pkt, len, now);
    solicit(st, e, false, now);
    return 0;
}

void neigh_update(struct synack_stack *st, int iface, const struct synack_addr *addr, const uint8_t *mac,
                  unsigned flags, synack_time_us now)
{
    struct neigh_entry *e = lookup(st, iface, addr);
    if (!e) {
        /* RFC 4861 §7.2.3 (and RFC 826 when the request was for us): an
         * entry made from what a solicitation says is STALE. */
        enum synack_drop_reason why;
        if (!(flags & NEIGH_UPD_CREATE) || !mac || !(e = create(st, iface, addr, &why)))
            return;
        memcpy(e->mac, mac, 6);
        enter(st, e, NEIGH_STALE, now);
        return;
    }
    refresh(st, e, now);
    bool confirmed = (flags & NEIGH_UPD_CONFIRMED) != 0;
    if (e->state == NEIGH_INCOMPLETE) {
        /* RFC 4861 §7.2.5: an advertisement without the link-layer
         * address tells an INCOMPLETE entry nothing. */
        if (!mac)
            return;
        memcpy(e->mac, mac, 6);
        enter(st, e, confirmed ? NEIGH_REACHABLE : NEIGH_STALE, now);
        flush(st, e, now);
        return;
    }
    bool differs = mac && memcmp(mac, e->mac, 6) != 0;
    if (differs && !(flags & NEIGH_UPD_OVERRIDE)) {
        /* §7.2.5: without the override flag a different address is not
         * taken, but a REACHABLE entry is no longer sure. */
        if (e->state == NEIGH_REACHABLE)
            enter(st, e, NEIGH_STALE, now);
        return;
    }
    if (differs)
        memcpy(e->mac, mac, 6);
    if (confirmed)
        enter(st, e, NEIGH_REACHABLE, now);
    else if (differs)
        enter(st, e, NEIGH_STALE, now);
}

int neigh_state_of(struct synack_stack *st, int iface, const struct synack_addr *addr, synack_time_us now)
{
    struct neigh_entry *e = lookup(st, iface, addr);
    if (!e)
        return -1;
    refresh(st, e, now);
    return e->state;
}

/* Tells the sender of a packet that its neighbour could not be reached
 * (see the top of the file): only TCP has someone to tell. */
static void report_unreachable(struct synack_stack *st, const uint8_t *pkt, size_t len, synack_time_us now)
{
    struct synack_addr src, dst;
    size_t hlen;
    uint8_t proto;
    if (len >= 40 && pkt[0] >> 4 == 6) {
        src = synack_addr_v6(pkt + 8);
        dst = synack_addr_v6(pkt + 24);
        proto = pkt[6];                    /* synack sends no extension headers */
        hlen = 40;
    } else if (len >= 20 && pkt[0] >> 4 == 4) {
        src = synack_addr_v4(pkt[12], pkt[13], pkt[14], pkt[15]);
        dst = synack_addr_v4(pkt[16], pkt[17], pkt[18], pkt[19]);
        proto = pkt[9];
        hlen = (size_t)(pkt[0] & 0x0f) * 4;
    } else {
        return;
    }
    if (proto != IP_PROTO_TCP || len < hlen + 4)
        return;
    struct synack_endpoint local = synack_endpoint_make(src, get_be16(pkt + hlen));
    struct synack_endpoint remote = synack_endpoint_make(dst, get_be16(pkt + hlen + 2));
    struct tcp_conn *c = tcp_table_lookup(st, &local, &remote);
    if (!c)
        return;
    if (c->state == SYNACK_TCP_SYN_SENT) {
        st->stats.tcp_attempt_fails++;
        tcp_conn_close(st, c, -SYNACK_EHOSTUNREACH, now);
    } else {
        c->soft_error = -SYNACK_EHOSTUNREACH;
    }
}

/* RFC 4861 §7.2.2: resolution failed.  The entry goes first, so that
 * nothing the reports cause can find it. */
static void fail(struct synack_stack *st, struct neigh_entry *e, synack_time_us now)
{
    int iface = e->iface;
    st->stats.neigh_res_failed++;
    struct neigh_pkt *list = take_queue(e);
    destroy(st, e);
    for (struct neigh_pkt *p = list, *next; p; p = next) {
        next = p->next;
        const uint8_t *pkt = p->bytes + ETH_HEADER_LEN;
        st->stats.neigh_unresolved_discards++;
        stack_drop_packet(st, iface, pkt, p->len, SYNACK_DROP_NEIGH_UNREACHABLE, now);
        report_unreachable(st, pkt, p->len, now);
        mem_free(st, p, pkt_size(p->len));
    }
}

/* e's deadline has come: its state's next step. */
static void expire(struct synack_stack *st, struct neigh_entry *e, synack_time_us now)
{
    uint32_t tries = st->cfg.neigh_solicits;
    switch (e->state) {
    case NEIGH_INCOMPLETE:
        if (e->probes < tries) {
            set_deadline(&st->neigh, e, now + st->cfg.neigh_retrans_us);
            solicit(st, e, false, now);
        } else {
            fail(st, e, now);
        }
        break;
    case NEIGH_REACHABLE:
        enter(st, e, NEIGH_STALE, now);
        break;
    case NEIGH_STALE:
        destroy(st, e);                    /* unused for neigh_gc_us */
        break;
    case NEIGH_DELAY:
        enter(st, e, NEIGH_PROBE, now);
        solicit(st, e, true, now);
        break;
    default:                               /* PROBE */
        if (e->probes < tries) {
            set_deadline(&st->neigh, e, now + st->cfg.neigh_retrans_us);
            solicit(st, e, true, now);
        } else {
            /* RFC 4861 §7.3.3: no answer to the unicast probes: the entry
             * goes, and the next packet resolves afresh. */
            st->stats.neigh_res_failed++;
            destroy(st, e);
        }
        break;
    }
}

void neigh_job_start(struct synack_stack *st, int iface, int slot, uint8_t messages, synack_time_us when)
{
    struct neigh_job *j = &st->neigh.jobs[iface][slot];
    j->left = messages;
    j->deadline = when;
    if (when < st->neigh.next)
        st->neigh.next = when;
}

void neigh_job_stop(struct synack_stack *st, int iface, int slot)
{
    st->neigh.jobs[iface][slot].deadline = UINT64_MAX;
}

/* An address's job: the gratuitous ARP, or the next step of DAD. */
static void run_job(struct synack_stack *st, int iface, int slot, struct neigh_job *j, synack_time_us now)
{
    struct iface_addr *ia = &st->ifaces[iface].addrs[slot];
    if (ia->addr.family == SYNACK_AF_INET) {
        arp_announce(st, iface, &ia->addr, now);
        j->left--;
    } else if (j->left) {
        ndp_dad_solicit(st, iface, &ia->addr, now);
        j->left--;
        j->deadline = now + st->cfg.neigh_retrans_us;
        return;
    } else {
        ndp_dad_done(st, iface, ia);
    }
    j->deadline = j->left ? now + st->cfg.neigh_retrans_us : UINT64_MAX;
}

void neigh_poll(struct synack_stack *st, synack_time_us now)
{
    struct neigh_table *t = &st->neigh;
    struct timer_entry *te;
    /* Each step either frees the entry or moves its deadline past now. */
    while ((te = timer_heap_top(&t->timers)) && te->deadline <= now)
        expire(st, entry_of(te), now);
    uint64_t next = te ? te->deadline : UINT64_MAX;
    for (int i = 0; i < st->iface_count; i++)
        for (int k = 0; k < NEIGH_JOB_ADDRS; k++) {
            struct neigh_job *j = &t->jobs[i][k];
            if (j->deadline <= now)
                run_job(st, i, k, j, now);
            if (j->deadline < next)
                next = j->deadline;
        }
    /* What the steps set (a new solicitation's entry) lowered t->next
     * already; take the lower of the two. */
    te = timer_heap_top(&t->timers);
    if (te && te->deadline < next)
        next = te->deadline;
    t->next = next;
}
