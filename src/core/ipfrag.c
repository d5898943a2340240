/*
 * ipfrag.c — fragment reassembly, IPv4 and IPv6.
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
 *
 * IPv6 (RFC 8200 §4.5, RFC 5722, RFC 6946, RFC 7112) uses the same table,
 * limits, timer and bitmap; ipv6.c does what needs an ICMPv6 error with a
 * pointer (a non-last fragment not a multiple of 8, a datagram over 65535,
 * a first fragment without the whole header chain) before handing a
 * fragment here, and never hands an atomic fragment (RFC 6946 §4: those
 * are processed in isolation).  The key is (source, destination,
 * identification); what a fragment holds in front of its data is its
 * unfragmentable part and its fragment header, kept for the first
 * fragment just as an IPv4 header is.  RFC 8200 §4.5 asks for 60 s at
 * most; the shared timeout (30 s) is within it.  On completion the
 * fragment header is cut out, so the datagram is the packet as the source
 * built it before fragmenting.
 */
#include "ipfrag.h"

#include <string.h>

#include "byteorder.h"
#include "icmp.h"
#include "icmp6.h"
#include "ipv4.h"
#include "ipv6.h"
#include "stack_internal.h"

#define IPFRAG_HEADROOM 60                              /* the longest IPv4 header */
/* IPv6: the fixed header and the fragment header, to start with; a
 * first fragment with more in front of its data makes it grow. */
#define IPFRAG_HEADROOM6 (IPV6_HEADER_LEN + IPV6_FRAG_HEADER_LEN)
#define IPFRAG_MAX_END (65535 - IPV4_HEADER_LEN)        /* payload of the largest datagram */
#define IPFRAG_MAX_END6 65535u                          /* RFC 8200 §4.5: offset + length */
#define IPFRAG_BLOCKS (65536 / 8)
#define IPFRAG_MIN_ALLOC 2048u

struct ipfrag_datagram {
    struct ipfrag_datagram *next, *prev;
    struct synack_addr src, dst;                        /* the RFC 791 (RFC 8200 §4.5) key ... */
    uint32_t id;
    uint8_t proto;                                      /* ... (IPv6: 0) */
    bool dead;                                          /* abandoned: swallow its fragments */
    bool have_last;                                     /* total is known */
    uint32_t first_hlen;                                /* fragment zero's head_len; 0 until it came */
    uint32_t first_nh_at;                               /* IPv6: fragment zero's nh_at */
    uint32_t headroom;                                  /* bytes of buf in front of the payload */
    int iface;                                          /* where fragment zero (or the first) arrived */
    synack_time_us deadline;
    uint32_t total;                                     /* payload length, once have_last */
    uint32_t max_end;                                   /* furthest payload byte held */
    uint32_t received;                                  /* payload bytes held */
    uint32_t first_len;                                 /* fragment zero's payload length */
    uint32_t cap;                                       /* payload bytes buf can hold */
    uint8_t *buf;                                       /* headroom, then the payload */
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
    return d->buf ? d->headroom + (uint64_t)d->cap : 0;
}

static bool is_v6(const struct ipfrag_datagram *d) { return d->src.family == SYNACK_AF_INET6; }

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

static struct ipfrag_datagram *find(struct ipfrag_table *t, const struct ipfrag_in *f)
{
    for (struct ipfrag_datagram *d = t->head; d; d = d->next)
        if (d->id == f->id && d->proto == f->proto && synack_addr_equal(&d->src, &f->src) &&
            synack_addr_equal(&d->dst, &f->dst))
            return d;
    return NULL;
}

/* No result: the reason a new datagram is refused: the table's limits, or
 * memory (pressure: fragments are new work; or the allocation failed). */
static struct ipfrag_datagram *create(struct synack_stack *st, int iface, const struct ipfrag_in *f,
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
    d->src = f->src;
    d->dst = f->dst;
    d->id = f->id;
    d->proto = f->proto;
    d->headroom = f->src.family == SYNACK_AF_INET6 ? IPFRAG_HEADROOM6 : IPFRAG_HEADROOM;
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

/* Makes room for payload up to `end`, with `room` bytes of headroom in
 * front of it (more than the datagram has only for an IPv6 first
 * fragment with a long unfragmentable part).  False when the limits (*why
 * IP_FRAG_LIMIT) or memory (IP_FRAG_NO_MEMORY) say no. */
static bool grow(struct synack_stack *st, struct ipfrag_datagram *d, uint32_t end, uint32_t known_total,
                 uint32_t room, enum synack_drop_reason *why)
{
    if (room < d->headroom)
        room = d->headroom;
    if (end <= d->cap && room == d->headroom)
        return true;
    /* The exact size once the end is known; else double, so that a
     * datagram arriving in order is copied O(log n) times. */
    uint32_t want = d->cap;
    if (end > d->cap) {
        uint32_t max_end = is_v6(d) ? IPFRAG_MAX_END6 : IPFRAG_MAX_END;
        want = known_total > end ? known_total : end;
        if (!known_total) {
            uint32_t dbl = d->cap ? d->cap * 2 : IPFRAG_MIN_ALLOC;
            if (dbl > max_end)
                dbl = max_end;
            if (dbl > want)
                want = dbl;
        }
    }
    /* Headroom not yet counted: all of it for a first buffer, the growth for one that has it. */
    uint64_t headroom = d->buf ? room - d->headroom : room;
    if (st->frag.bytes + headroom + (want - d->cap) > st->cfg.ipfrag_max_bytes || !stack_mem_room(st, want - d->cap))
        want = end > d->cap ? end : d->cap;
    *why = SYNACK_DROP_IP_FRAG_LIMIT;
    if (st->frag.bytes + headroom + (want - d->cap) > st->cfg.ipfrag_max_bytes)
        return false;
    *why = SYNACK_DROP_IP_FRAG_NO_MEMORY;
    if (!stack_mem_room(st, headroom + (want - d->cap)))
        return false;
    uint8_t *n = mem_realloc(st, d->buf, buffer_bytes(d), room + (size_t)want);
    if (!n)
        return false;
    if (d->buf && room > d->headroom)
        memmove(n + room, n + d->headroom, d->cap);     /* the payload held moves behind the new headroom */
    st->frag.bytes += headroom + (want - d->cap);
    d->buf = n;
    d->cap = want;
    d->headroom = room;
    return true;
}

static void refuse(struct synack_stack *st, int iface, enum synack_drop_reason why, synack_time_us now)
{
    st->stats.ip_reasm_fails++;
    stack_drop(st, iface, why, now);
}

/* The finished datagram.  IPv4: fragment zero's header with the total
 * length and the fragment fields rewritten (DF kept), checksum
 * recomputed.  IPv6 (RFC 8200 §4.5, "reassembly"): fragment zero's
 * unfragmentable part, moved up over its fragment header, with the
 * payload length of the whole and the Next Header of the fragment
 * header. */
static void finish(struct synack_stack *st, struct ipfrag_datagram *d, struct ipfrag_done *done)
{
    uint8_t *hdr = d->buf + d->headroom - d->first_hlen;
    size_t hlen = d->first_hlen;
    memset(done, 0, sizeof *done);
    if (is_v6(d)) {
        size_t unfrag = hlen - IPV6_FRAG_HEADER_LEN;
        uint8_t next = hdr[unfrag];                     /* the fragment header's Next Header */
        memmove(hdr + IPV6_FRAG_HEADER_LEN, hdr, unfrag);
        hdr += IPV6_FRAG_HEADER_LEN;
        hlen = unfrag;
        put_be16(hdr + 4, (uint16_t)(unfrag - IPV6_HEADER_LEN + d->total));
        hdr[d->first_nh_at] = next;
        done->resume_at = (uint32_t)unfrag;
        done->nh_at = d->first_nh_at;
    } else {
        put_be16(hdr + 2, (uint16_t)(hlen + d->total));
        put_be16(hdr + 6, (uint16_t)(get_be16(hdr + 6) & 0x4000));
        ipv4_fill_checksum(hdr, hlen);
    }
    unlink_datagram(st, d);
    reschedule(st);
    st->stats.ip_reasm_oks++;
    done->packet = hdr;
    done->len = hlen + d->total;
    done->d = d;
}

/* Bytes of the first fragment's headers that count against the 65535 a
 * datagram may have: IPv4's total length includes its header; IPv6's
 * payload length includes the extension headers of the unfragmentable
 * part (not the fixed header, and not the fragment header, which goes). */
static uint32_t head_cost(bool v6, uint32_t head_len)
{
    return v6 ? head_len - IPV6_HEADER_LEN - IPV6_FRAG_HEADER_LEN : head_len;
}

bool ipfrag_input(struct synack_stack *st, int iface, const struct ipv4_packet *ip, const uint8_t *pkt,
                  synack_time_us now, struct ipfrag_done *done)
{
    struct ipfrag_in f = {
        .src = ip->src,
        .dst = ip->dst,
        .id = ip->id,
        .proto = ip->proto,
        .offset = ip->frag_offset,
        .more = ip->more_fragments,
        .head = pkt,
        .head_len = ip->header_len,
        .data = ip->payload,
        .len = ip->payload_len,
    };
    return ipfrag_add(st, iface, &f, now, done);
}

bool ipfrag_add(struct synack_stack *st, int iface, const struct ipfrag_in *f, synack_time_us now,
                struct ipfrag_done *done)
{
    st->stats.ip_reasm_reqds++;
    if (st->cfg.ipfrag_max_datagrams == 0) {
        refuse(st, iface, SYNACK_DROP_IP_FRAGMENT, now);
        return false;
    }
    bool v6 = f->src.family == SYNACK_AF_INET6;
    uint32_t off = f->offset, len = f->len, end = off + len;
    bool last = !f->more;
    /* RFC 791 §3.2: every fragment but the last carries a multiple of 8
     * bytes (the next one's offset is counted in 8-byte units). */
    if (!last && (len == 0 || len % 8 != 0)) {
        st->stats.ip_in_hdr_errors++;
        refuse(st, iface, SYNACK_DROP_IP_FRAG_INVALID, now);
        return false;
    }
    struct ipfrag_datagram *d = find(&st->frag, f);
    if (d && d->dead) {
        stack_drop(st, iface, SYNACK_DROP_IP_FRAG_ABANDONED, now);
        return false;
    }
    /* RFC 791 §3.1: a datagram is at most 65535 bytes, header included
     * (a larger one is the old "ping of death").  The header is fragment
     * zero's, which may carry options; until it comes, assume 20 bytes.
     * IPv6: the payload length (RFC 8200 §4.5: offset + length <= 65535,
     * checked by ipv6.c; here also the unfragmentable part's extension
     * headers, which the reassembled payload length includes). */
    uint32_t hlen = off == 0 ? head_cost(v6, f->head_len)
                    : d && d->first_hlen ? head_cost(v6, d->first_hlen) : v6 ? 0 : IPV4_HEADER_LEN;
    uint32_t far = end;
    if (d && d->max_end > far)
        far = d->max_end;
    if (d && d->have_last && d->total > far)
        far = d->total;
    if (end > (v6 ? IPFRAG_MAX_END6 : IPFRAG_MAX_END) || hlen + far > 65535) {
        st->stats.ip_in_hdr_errors++;
        if (d)
            abandon(st, d);
        refuse(st, iface, SYNACK_DROP_IP_FRAG_TOO_LARGE, now);
        return false;
    }
    enum synack_drop_reason why;
    if (!d) {
        d = create(st, iface, f, now, &why);
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
                         memcmp(d->buf + d->headroom + off, f->data, len) == 0;
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
    if (!grow(st, d, end, last ? end : d->have_last ? d->total : 0, off == 0 ? f->head_len : 0, &why)) {
        refuse(st, iface, why, now);
        return false;
    }
    if (last) {
        d->have_last = true;
        d->total = end;
    }
    memcpy(d->buf + d->headroom + off, f->data, len);
    hold_blocks(d, b0, b1);
    d->received += len;
    if (end > d->max_end)
        d->max_end = end;
    if (off == 0) {
        d->first_hlen = f->head_len;
        d->first_nh_at = f->nh_at;
        d->first_len = len;
        d->iface = iface;
        memcpy(d->buf + d->headroom - f->head_len, f->head, f->head_len);
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
                /* Fragment zero as it arrived: its headers (untouched until
                 * the datagram completes) and its payload. */
                const uint8_t *first = d->buf + d->headroom - d->first_hlen;
                size_t flen = (size_t)d->first_hlen + d->first_len;
                stack_drop_packet(st, d->iface, first, flen, SYNACK_DROP_IP_FRAG_TIMEOUT, now);
                /* RFC 1122 §3.3.2, RFC 8200 §4.5: when fragment zero was
                 * received, send time exceeded (code 1) to the source. */
                if (is_v6(d))
                    icmp6_send_error(st, d->iface, ICMPV6_TIME_EXCEEDED, ICMPV6_TIMXCEED_REASS, 0, first, flen,
                                     false, now);
                else
                    icmp_send_error(st, d->iface, ICMP_TIME_EXCEEDED, ICMP_TIMXCEED_REASS, first, flen, now);
            } else {
                stack_drop_packet(st, d->iface, NULL, 0, SYNACK_DROP_IP_FRAG_TIMEOUT, now);
            }
        }
        destroy(st, d);
    }
    reschedule(st);
}
