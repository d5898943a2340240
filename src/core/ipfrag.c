/*
 * ipfrag.c — IPv4 fragment reassembly.
 *
 * Reading list: RFC 791 §3.2 (fragmentation and reassembly: the key
 * source, destination, protocol, identification; offsets in 8-byte units;
 * every fragment but the last carries a multiple of 8 bytes), RFC 815
 * (reassembly bookkeeping), RFC 1122 §3.3.2 (a host MUST reassemble; the
 * timeout; ICMP time exceeded when fragment zero was received), RFC 5722
 * (overlapping fragments, written for IPv6: abandon the datagram), RFC 4963
 * (why a short timeout matters: the 16-bit identification wraps quickly).
 *
 * Call chain: ip_input -> ipfrag_input -> (complete) ip_deliver -> tcp /
 * udp / icmp input -> ipfrag_release;  synack_poll -> ipfrag_expire.
 *
 * Bookkeeping.  Instead of RFC 815's hole list, each datagram has a bitmap
 * with one bit per 8-byte block of the largest datagram (8192 bits, 1 KiB):
 * fragments start on a block boundary (RFC 791), and only the last one may
 * end inside a block, past which nothing can lie.  So a block's bit says
 * exactly whether its bytes are held, overlap is a bit test, and the
 * datagram is complete when the last fragment has arrived and `received`
 * (bytes held, never counted twice) equals its length.  The payload is
 * copied at its offset into one buffer that grows as the datagram does,
 * with room in front for the first fragment's IP header, so the finished
 * datagram is a contiguous IP packet.
 *
 * Overlap (RFC 5722's rule, for IPv4 too): a fragment that overlaps held
 * bytes abandons the whole datagram, unless every byte it carries is held
 * already with the same value: then it is a duplicate (a network that
 * duplicates packets is common, and it changes nothing) and only it is
 * dropped.  An abandoned datagram keeps its small record, without its
 * buffer, until its deadline, so that its remaining fragments are dropped
 * rather than starting a new datagram (Linux does the same).
 *
 * Limits: at most cfg.ipfrag_max_datagrams datagrams and cfg.ipfrag_max_bytes
 * bytes (records and buffers) at once; a fragment that would need more is
 * dropped and counted, and the datagrams already held stay.  Fragments are
 * new work for the stack's memory (mem.h): under pressure, or when the
 * allocation fails, one that needs memory is dropped (IP_FRAG_NO_MEMORY).  Lookup is a
 * linear walk: the table is small by configuration (default 64, at most
 * 4096).
 *
 * Timeout: cfg.ipfrag_timeout_us (default 30 s, as Linux) from the first
 * fragment to arrive, never extended (RFC 1122 §3.3.2: a fixed value, not
 * taken from the TTL).  RFC 1122 recommends 60 to 120 s; we follow Linux's
 * shorter time because the identification field wraps within seconds at
 * today's rates, and a stale fragment would otherwise complete the wrong
 * datagram (RFC 4963 §2).
 */
#include "ipfrag.h"

#include <string.h>

#include "byteorder.h"
#include "icmp.h"
#include "ipv4.h"
#include "stack_internal.h"

#define IPFRAG_HEADROOM 60                              /* the longest IPv4 header */
#define IPFRAG_MAX_END (65535 - IPV4_HEADER_LEN)        /* payload of the largest datagram */
#define IPFRAG_BLOCKS (65536 / 8)
#define IPFRAG_MIN_ALLOC 2048u

struct ipfrag_datagram {
    struct ipfrag_datagram *next, *prev;
    struct synack_addr src, dst;                        /* the RFC 791 key ... */
    uint16_t id;
    uint8_t proto;                                      /* ... */
    bool dead;                                          /* abandoned: swallow its fragments */
    bool have_last;                                     /* total is known */
    uint8_t first_hlen;                                 /* fragment zero's header length; 0 until it came */
    int iface;                                          /* where fragment zero (or the first) arrived */
    synack_time_us deadline;
    uint32_t total;                                     /* payload length, once have_last */
    uint32_t max_end;                                   /* furthest payload byte held */
    uint32_t received;                                  /* payload bytes held */
    uint32_t first_len;                                 /* fragment zero's payload length */
    uint32_t cap;                                       /* payload bytes buf can hold */
    uint8_t *buf;                                       /* IPFRAG_HEADROOM, then the payload */
    uint64_t held[IPFRAG_BLOCKS / 64];                  /* bit b: bytes 8b..8b+7 held */
};

void ipfrag_init(struct ipfrag_table *t)
{
    memset(t, 0, sizeof *t);
    timer_entry_init(&t->sched);
}

static void reschedule(struct synack_stack *st)
{
    struct ipfrag_table *t = &st->frag;
    /* Room for this entry is reserved with the stack (timer_heap.h). */
    timer_heap_set(&st->timers, &t->sched, t->head ? t->head->deadline : SYNACK_TIME_NEVER);
}

static uint64_t buffer_bytes(const struct ipfrag_datagram *d)
{
    return d->buf ? IPFRAG_HEADROOM + (uint64_t)d->cap : 0;
}

static void unlink_datagram(struct synack_stack *st, struct ipfrag_datagram *d)
{
    struct ipfrag_table *t = &st->frag;
    if (d->prev)
        d->prev->next = d->next;
    else
        t->head = d->next;
    if (d->next)
        d->next->prev = d->prev;
    else
        t->tail = d->prev;
    d->next = d->prev = NULL;
    t->count--;
    t->bytes -= sizeof *d + buffer_bytes(d);
}

static void free_datagram(struct synack_stack *st, struct ipfrag_datagram *d)
{
    mem_free(st, d->buf, buffer_bytes(d));
    mem_free(st, d, sizeof *d);
}

static void destroy(struct synack_stack *st, struct ipfrag_datagram *d)
{
    unlink_datagram(st, d);
    free_datagram(st, d);
}

/* Frees the bytes but keeps the record until its deadline (see the top). */
static void abandon(struct synack_stack *st, struct ipfrag_datagram *d)
{
    st->frag.bytes -= buffer_bytes(d);
    mem_free(st, d->buf, buffer_bytes(d));
    d->buf = NULL;
    d->cap = 0;
    d->dead = true;
}

void ipfrag_free(struct synack_stack *st)
{
    while (st->frag.head)
        destroy(st, st->frag.head);
    timer_heap_remove(&st->timers, &st->frag.sched);
}

static struct ipfrag_datagram *find(struct ipfrag_table *t, const struct ipv4_packet *ip)
{
    for (struct ipfrag_datagram *d = t->head; d; d = d->next)
        if (d->id == ip->id && d->proto == ip->proto && synack_addr_equal(&d->src, &ip->src) &&
            synack_addr_equal(&d->dst, &ip->dst))
            return d;
    return NULL;
}

/* No result: the reason a new datagram is refused: the table's limits, or
 * memory (pressure: fragments are new work; or the allocation failed). */
static struct ipfrag_datagram *create(struct synack_stack *st, int iface, const struct ipv4_packet *ip,
                                      synack_time_us now, enum synack_drop_reason *why)
{
    struct ipfrag_table *t = &st->frag;
    *why = SYNACK_DROP_IP_FRAG_LIMIT;
    if (t->count >= st->cfg.ipfrag_max_datagrams || t->bytes + sizeof(struct ipfrag_datagram) > st->cfg.ipfrag_max_bytes)
        return NULL;
    *why = SYNACK_DROP_IP_FRAG_NO_MEMORY;
    if (!stack_mem_room(st, sizeof(struct ipfrag_datagram)))
        return NULL;
    struct ipfrag_datagram *d = mem_zalloc(st, 1, sizeof *d);
    if (!d)
        return NULL;
    d->src = ip->src;
    d->dst = ip->dst;
    d->id = ip->id;
    d->proto = ip->proto;
    d->iface = iface;
    d->deadline = now + st->cfg.ipfrag_timeout_us;
    d->prev = t->tail;
    if (t->tail)
        t->tail->next = d;
    else
        t->head = d;
    t->tail = d;
    t->count++;
    t->bytes += sizeof *d;
    if (t->head == d)
        reschedule(st);
    return d;
}

/* ---- The block bitmap ---- */

static bool block_held(const struct ipfrag_datagram *d, uint32_t b) { return (d->held[b / 64] >> (b % 64)) & 1; }

/* How many of blocks [b0, b1) are held. */
static uint32_t blocks_held(const struct ipfrag_datagram *d, uint32_t b0, uint32_t b1)
{
    uint32_t n = 0;
    for (uint32_t b = b0; b < b1; b++)
        n += block_held(d, b);
    return n;
}

static void hold_blocks(struct ipfrag_datagram *d, uint32_t b0, uint32_t b1)
{
    for (uint32_t b = b0; b < b1; b++)
        d->held[b / 64] |= (uint64_t)1 << (b % 64);
}

/* Makes room for payload up to `end`.  False when the limits (*why
 * IP_FRAG_LIMIT) or memory (IP_FRAG_NO_MEMORY) say no. */
static bool grow(struct synack_stack *st, struct ipfrag_datagram *d, uint32_t end, uint32_t known_total,
                 enum synack_drop_reason *why)
{
    if (end <= d->cap)
        return true;
    /* The exact size once the end is known; else double, so that a
     * datagram arriving in order is copied O(log n) times. */
    uint32_t want = known_total > end ? known_total : end;
    if (!known_total) {
        uint32_t dbl = d->cap ? d->cap * 2 : IPFRAG_MIN_ALLOC;
        if (dbl > IPFRAG_MAX_END)
            dbl = IPFRAG_MAX_END;
        if (dbl > want)
            want = dbl;
    }
    uint64_t headroom = d->buf ? 0 : IPFRAG_HEADROOM;
    if (st->frag.bytes + headroom + (want - d->cap) > st->cfg.ipfrag_max_bytes || !stack_mem_room(st, want - d->cap))
        want = end;
    *why = SYNACK_DROP_IP_FRAG_LIMIT;
    if (st->frag.bytes + headroom + (want - d->cap) > st->cfg.ipfrag_max_bytes)
        return false;
    *why = SYNACK_DROP_IP_FRAG_NO_MEMORY;
    if (!stack_mem_room(st, headroom + (want - d->cap)))
        return false;
    uint8_t *n = mem_realloc(st, d->buf, buffer_bytes(d), IPFRAG_HEADROOM + (size_t)want);
    if (!n)
        return false;
    st->frag.bytes += headroom + (want - d->cap);
    d->buf = n;
    d->cap = want;
    return true;
}

static void refuse(struct synack_stack *st, int iface, enum synack_drop_reason why, synack_time_us now)
{
    st->stats.ip_reasm_fails++;
    stack_drop(st, iface, why, now);
}

/* The finished datagram: fragment zero's header with the total length and
 * the fragment fields rewritten (DF kept), checksum recomputed. */
static void finish(struct synack_stack *st, struct ipfrag_datagram *d, struct ipfrag_done *done)
{
    uint8_t *hdr = d->buf + IPFRAG_HEADROOM - d->first_hlen;
    put_be16(hdr + 2, (uint16_t)(d->first_hlen + d->total));
    put_be16(hdr + 6, (uint16_t)(get_be16(hdr + 6) & 0x4000));
    ipv4_fill_checksum(hdr, d->first_hlen);
    unlink_datagram(st, d);
    reschedule(st);
    st->stats.ip_reasm_oks++;
    done->packet = hdr;
    done->len = (size_t)d->first_hlen + d->total;
    done->d = d;
}

bool ipfrag_input(struct synack_stack *st, int iface, const struct ipv4_packet *ip, const uint8_t *pkt,
                  synack_time_us now, struct ipfrag_done *done)
{
    st->stats.ip_reasm_reqds++;
    if (st->cfg.ipfrag_max_datagrams == 0) {
        refuse(st, iface, SYNACK_DROP_IP_FRAGMENT, now);
        return false;
    }
    uint32_t off = ip->frag_offset, len = ip->payload_len, end = off + len;
    bool last = !ip->more_fragments;
    /* RFC 791 §3.2: every fragment but the last carries a multiple of 8
     * bytes (the next one's offset is counted in 8-byte units). */
    if (!last && (len == 0 || len % 8 != 0)) {
        st->stats.ip_in_hdr_errors++;
        refuse(st, iface, SYNACK_DROP_IP_FRAG_INVALID, now);
        return false;
    }
    struct ipfrag_datagram *d = find(&st->frag, ip);
    if (d && d->dead) {
        stack_drop(st, iface, SYNACK_DROP_IP_FRAG_ABANDONED, now);
        return false;
    }
    /* RFC 791 §3.1: a datagram is at most 65535 bytes, header included
     * (a larger one is the old "ping of death").  The header is fragment
     * zero's, which may carry options; until it comes, assume 20 bytes. */
    uint32_t hlen = off == 0 ? ip->header_len : d && d->first_hlen ? d->first_hlen : IPV4_HEADER_LEN;
    uint32_t far = end;
    if (d && d->max_end > far)
        far = d->max_end;
    if (d && d->have_last && d->total > far)
        far = d->total;
    if (end > IPFRAG_MAX_END || hlen + far > 65535) {
        st->stats.ip_in_hdr_errors++;
        if (d)
            abandon(st, d);
        refuse(st, iface, SYNACK_DROP_IP_FRAG_TOO_LARGE, now);
        return false;
    }
    enum synack_drop_reason why;
    if (!d) {
        d = create(st, iface, ip, now, &why);
        if (!d) {
            refuse(st, iface, why, now);
            return false;
        }
    }
    /* Where the datagram ends: the last fragment says, and nothing may
     * lie beyond it or move it. */
    bool conflict = last ? (d->have_last && end != d->total) || d->max_end > end : d->have_last && end > d->total;
    uint32_t b0 = off / 8, b1 = (end + 7) / 8;
    uint32_t held = conflict ? 0 : blocks_held(d, b0, b1);
    if (!conflict && held) {
        /* RFC 5722: overlap abandons the datagram; a fragment all of whose
         * bytes are held already, unchanged, is a harmless duplicate. */
        bool duplicate = held == b1 - b0 && (!last || d->have_last) &&
                         memcmp(d->buf + IPFRAG_HEADROOM + off, ip->payload, len) == 0;
        if (duplicate) {
            stack_drop(st, iface, SYNACK_DROP_IP_FRAG_DUPLICATE, now);
            return false;
        }
        conflict = true;
    }
    if (conflict) {
        abandon(st, d);
        refuse(st, iface, SYNACK_DROP_IP_FRAG_CONFLICT, now);
        return false;
    }
    if (!grow(st, d, end, last ? end : d->have_last ? d->total : 0, &why)) {
        refuse(st, iface, why, now);
        return false;
    }
    if (last) {
        d->have_last = true;
        d->total = end;
    }
    memcpy(d->buf + IPFRAG_HEADROOM + off, ip->payload, len);
    hold_blocks(d, b0, b1);
    d->received += len;
    if (end > d->max_end)
        d->max_end = end;
    if (off == 0) {
        d->first_hlen = ip->header_len;
        d->first_len = len;
        d->iface = iface;
        memcpy(d->buf + IPFRAG_HEADROOM - ip->header_len, pkt, ip->header_len);
    }
    if (d->have_last && d->first_hlen && d->received == d->total) {
        finish(st, d, done);
        return true;
    }
    return false;
}

void ipfrag_release(struct synack_stack *st, struct ipfrag_done *done)
{
    if (!done->d)
        return;
    free_datagram(st, done->d);
    done->d = NULL;
    done->packet = NULL;
}

void ipfrag_expire(struct synack_stack *st, synack_time_us now)
{
    struct ipfrag_datagram *d;
    while ((d = st->frag.head) && d->deadline <= now) {
        if (!d->dead) {
            st->stats.ip_reasm_timeouts++;
            st->stats.ip_reasm_fails++;
            if (d->first_hlen) {
                /* Fragment zero as it arrived: its header (untouched until
                 * the datagram completes) and its payload. */
                const uint8_t *first = d->buf + IPFRAG_HEADROOM - d->first_hlen;
                size_t flen = (size_t)d->first_hlen + d->first_len;
                stack_drop_packet(st, d->iface, first, flen, SYNACK_DROP_IP_FRAG_TIMEOUT, now);
                /* RFC 1122 §3.3.2: when fragment zero was received, send
                 * time exceeded (code 1) to the source. */
                icmp_send_error(st, d->iface, ICMP_TIME_EXCEEDED, ICMP_TIMXCEED_REASS, first, flen, now);
            } else {
                stack_drop_packet(st, d->iface, NULL, 0, SYNACK_DROP_IP_FRAG_TIMEOUT, now);
            }
        }
        destroy(st, d);
    }
    reschedule(st);
}
