/*
 * conn_index.c — the TCP connections of a capture (synack/conn_index.h).
 *
 * Reading list: RFC 9293 §3.4 (sequence numbers: SEG.LEN counts SYN and
 * FIN), §3.5 (opening: the three-way handshake and simultaneous open),
 * §3.6 (closing), §3.8.4 (keepalives); RFC 1323/7323 for why sequence
 * numbers are unwrapped to 64 bits before they are compared.
 *
 * The pass, for each packet of the capture:
 *
 *   synack_capture_next → decode (synack_packet_decode; headers only when
 *   the snapshot length cut the packet) → find the connection by its
 *   4-tuple in a hash table (SipHash with a random key: a capture is
 *   untrusted input and must not be able to choose its collisions) →
 *   maybe start a new connection on the tuple (starts_new_conn) →
 *   conn_apply: count the segment and classify it.
 *
 * conn_apply is also what a replay runs over one connection's packets, so
 * the flags a renderer sees on each segment (retransmission, keepalive,
 * new bytes) are the ones the summary counted — one rule, one place.
 *
 * Memory.  While building: the summaries (kept), one tracking record per
 * connection (sequence unwrapping, the range sets of sequence space sent;
 * freed at the end of the pass), the hash table, and 4 bytes per packet
 * record naming its connection.  At the end the packet numbers are sorted
 * by connection (a counting sort) into one array of 8 bytes per TCP
 * packet, and everything but the summaries and that array is freed.
 */
#include "synack/conn_index.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "synack/errors.h"
#include "byteorder.h"
#include "checksum.h"
#include "siphash.h"
#include "ipv6.h"
#include "tcp_wire.h"

#include "packet_internal.h"

/* Where the 64-bit unwrapped sequence space of a direction starts: far
 * enough from 0 that a segment a little before the first one seen
 * (reordering, a capture begun mid-stream) still has a place. */
#define SEQ_ORIGIN (UINT64_C(1) << 40)

#define NO_CONN UINT32_MAX

/* ---- Range sets: the sequence space one side has sent ------------------------ */

struct range {
    uint64_t start, end;         /* [start, end) */
};

/* Sorted, disjoint, not touching.  Most connections never have a hole, so
 * the first range lives inline and the array is allocated only when a
 * second one appears.  At most SYNACK_CONN_RANGES_MAX ranges: beyond that,
 * the lowest hole is filled in (see conn_index.h). */
struct rangeset {
    struct range one;            /* the storage while cap == 0 */
    struct range *many;
    uint32_t count, cap;
};

static struct range *rs_items(struct rangeset *rs)
{
    return rs->cap ? rs->many : &rs->one;
}

static void rs_free(struct rangeset *rs)
{
    free(rs->many);
    memset(rs, 0, sizeof *rs);
}

static uint64_t overlap(const struct range *r, uint64_t start, uint64_t end)
{
    uint64_t s = r->start > start ? r->start : start;
    uint64_t e = r->end < end ? r->end : end;
    return e > s ? e - s : 0;
}

/* Room for one more range; false when out of memory. */
static bool rs_reserve(struct rangeset *rs)
{
    if (rs->count < (rs->cap ? rs->cap : 1))
        return true;
    uint32_t cap = rs->cap ? rs->cap * 2 : 4;
    struct range *n = realloc(rs->many, cap * sizeof *n);
    if (!n)
        return false;
    if (!rs->cap && rs->count)
        n[0] = rs->one;
    rs->many = n;
    rs->cap = cap;
    return true;
}

/* Adds [start, end) to the set.  Returns how much of it was not in the set
 * before; sets *oom (and changes nothing) when memory runs out. */
static uint64_t rs_add(struct rangeset *rs, uint64_t start, uint64_t end, bool *oom)
{
    if (start >= end)
        return 0;
    struct range *r = rs_items(rs);
    uint32_t n = rs->count;
    if (n == SYNACK_CONN_RANGES_MAX) {
        /* Full: fill in the lowest hole to make room. */
        r[0].end = r[1].end;
        memmove(r + 1, r + 2, (n - 2) * sizeof *r);
        rs->count = --n;
    }
    /* The common case: at or beyond the start of the last range. */
    if (n && start >= r[n - 1].start) {
        if (start <= r[n - 1].end) {
            uint64_t covered = overlap(&r[n - 1], start, end);
            if (end > r[n - 1].end)
                r[n - 1].end = end;
            return (end - start) - covered;
        }
    }
    /* The first range that ends at or after start (binary search); every
     * range from there that starts at or before end merges with the new
     * one. */
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (r[mid].end < start)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint32_t i = lo, j = lo;
    uint64_t covered = 0, s = start, e = end;
    while (j < n && r[j].start <= end) {
        covered += overlap(&r[j], start, end);
        if (r[j].start < s)
            s = r[j].start;
        if (r[j].end > e)
            e = r[j].end;
        j++;
    }
    if (j > i) {
        r[i] = (struct range){s, e};
        memmove(r + i + 1, r + j, (n - j) * sizeof *r);
        rs->count = n - (j - i - 1);
        return (end - start) - covered;
    }
    /* A range of its own: at the end, or inside a hole. */
    if (!rs_reserve(rs)) {
        *oom = true;
        return 0;
    }
    r = rs_items(rs);
    memmove(r + i + 1, r + i, (n - i) * sizeof *r);
    r[i] = (struct range){start, end};
    rs->count = n + 1;
    return end - start;
}

/* ---- Per-connection tracking ------------------------------------------------------- */

/* One direction: where its sequence space started and how far it got. */
struct flow_track {
    bool started;
    uint64_t base;               /* unwrapped sequence number that is relative 0 */
    uint64_t high;               /* highest unwrapped SEG.SEQ + SEG.LEN sent (SND.MAX) */
    struct rangeset sent;        /* sequence space sent: SYN, payload, FIN */
};

struct conn_track {
    struct flow_track flow[2];
    bool handshake_done;         /* the client acknowledged the server's SYN */
    bool rst_seen;
    bool rst_after_close;        /* the first RST came after FINs both ways */
};

/* What conn_apply made of one segment. */
struct seg_class {
    bool retransmission, keepalive;
    uint32_t new_bytes;
    int64_t rel_seq, rel_ack;
};

static uint64_t unwrap(uint64_t ref, uint32_t v)
{
    return ref + (uint64_t)(int64_t)(int32_t)(v - (uint32_t)ref);
}

static void flow_start(struct flow_track *f, uint32_t seq)
{
    f->started = true;
    f->base = SEQ_ORIGIN | seq;
    f->high = f->base;
}

static void track_free(struct conn_track *t)
{
    rs_free(&t->flow[0].sent);
    rs_free(&t->flow[1].sent);
}

/* Adds [start, start + len) to a flow's sent space; returns the new part. */
static uint64_t mark_sent(struct flow_track *f, uint64_t start, uint64_t len, bool *oom)
{
    if (!len || start + len < start)
        return len;   /* nothing, or an overflowing range (hostile input): counted as new */
    return rs_add(&f->sent, start, start + len, oom);
}

/* Counts one segment, sent by side d, into the connection's summary and
 * tracking state, and says what it was.  Returns false when memory ran
 * out (the summary is then incomplete). */
static bool conn_apply(struct synack_conn_summary *s, struct conn_track *t, enum synack_conn_dir d,
                       const struct synack_packet_info *in, uint64_t number, synack_time_us when,
                       struct seg_class *out)
{
    struct synack_conn_flow *fl = &s->flow[d];
    struct flow_track *f = &t->flow[d], *peer = &t->flow[!d];
    bool syn = in->flags & SYNACK_TCP_SYN, fin = in->flags & SYNACK_TCP_FIN, rst = in->flags & SYNACK_TCP_RST;
    bool oom = false;
    memset(out, 0, sizeof *out);

    if (s->packets == 0) {
        s->first_time = s->last_time = when;
        s->first_packet = number;
    }
    s->packets++;
    s->last_packet = number;
    if (when < s->first_time)
        s->first_time = when;
    if (when > s->last_time)
        s->last_time = when;
    fl->packets++;

    /* SEG.SEQ, unwrapped near the last sequence number this side sent. */
    if (!f->started)
        flow_start(f, in->seq);
    uint64_t seq = unwrap(f->high, in->seq);
    out->rel_seq = (int64_t)(seq - f->base);
    if (in->flags & SYNACK_TCP_ACK) {
        /* SEG.ACK, unwrapped near what the peer has sent; a peer not heard
         * from yet starts its sequence space here. */
        if (!peer->started)
            flow_start(peer, in->ack);
        uint64_t ack = unwrap(peer->high, in->ack);
        out->rel_ack = (int64_t)(ack - peer->base);
        if (d == SYNACK_CONN_FROM_CLIENT && s->flow[SYNACK_CONN_FROM_SERVER].syn &&
            (int32_t)(in->ack - s->flow[SYNACK_CONN_FROM_SERVER].isn) > 0)
            t->handshake_done = true;
    }

    if (syn && !fl->syn) {
        fl->syn = true;
        fl->isn = in->seq;
    }
    if (rst) {
        /* A reset occupies no sequence space (RFC 9293 §3.4). */
        if (!fl->rst && !s->flow[!d].rst) {
            s->reset_by = d;
            t->rst_after_close = s->flow[0].fin && s->flow[1].fin;
        }
        fl->rst = true;
        t->rst_seen = true;
        return true;
    }
    if (fin && !fl->fin) {
        if (!s->flow[!d].fin)
            s->first_fin_by = d;
        fl->fin = true;
    }

    /* A keepalive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6): SEG.SEQ = SND.NXT − 1,
     * at most one (garbage) byte, nothing new. */
    uint64_t seg_len = synack_packet_seg_len(in);
    if (!syn && !fin && in->payload_len <= 1 && seq + 1 == f->high) {
        out->keepalive = true;
        fl->keepalives++;
        return true;
    }

    /* Sequence space: SYN, then payload, then FIN (RFC 9293 §3.4). */
    uint64_t fresh = 0, data_start = seq + syn;
    if (syn)
        fresh += mark_sent(f, seq, 1, &oom);
    uint64_t new_bytes = mark_sent(f, data_start, in->payload_len, &oom);
    fresh += new_bytes;
    if (fin)
        fresh += mark_sent(f, data_start + in->payload_len, 1, &oom);
    if (oom)
        return false;
    if (seg_len && fresh < seg_len) {
        out->retransmission = true;
        fl->retransmissions++;
        fl->retransmitted_bytes += in->payload_len - new_bytes;
    }
    out->new_bytes = (uint32_t)new_bytes;
    fl->bytes += new_bytes;
    if (seq + seg_len > f->high && seq + seg_len >= seq)
        f->high = seq + seg_len;
    return true;
}

static enum synack_conn_end infer_end(const struct synack_conn_summary *s, const struct conn_track *t)
{
    const struct synack_conn_flow *c = &s->flow[SYNACK_CONN_FROM_CLIENT], *v = &s->flow[SYNACK_CONN_FROM_SERVER];
    if (t->rst_seen && !t->rst_after_close) {
        if (c->syn && !v->syn && !t->handshake_done && s->reset_by == SYNACK_CONN_FROM_SERVER)
            return SYNACK_CONN_REFUSED;
        return SYNACK_CONN_RESET;
    }
    if (c->fin && v->fin)
        return SYNACK_CONN_CLOSED;
    if (c->fin || v->fin)
        return SYNACK_CONN_HALF_CLOSED;
    if (c->syn && !v->syn && v->packets == 0)
        return SYNACK_CONN_SYN_SENT;
    if (c->syn && v->syn && !t->handshake_done)
        return SYNACK_CONN_SYN_RECEIVED;
    return SYNACK_CONN_ESTABLISHED;
}

/* ---- Decoding -------------------------------------------------------------------- */

enum decoded { DECODED_TCP, DECODED_OTHER, DECODED_MALFORMED };

/* The TCP header of a packet cut short: `have` bytes of it are present,
 * `seg_len` was on the wire.  TCP's fixed header must be there; options
 * are read when all of them are. */
static enum decoded decode_truncated_tcp(const uint8_t *tcp, size_t have, size_t seg_len,
                                         struct synack_packet_info *out)
{
    if (have < 20)
        return DECODED_MALFORMED;
    size_t doff = (size_t)(tcp[12] >> 4) * 4;
    if (doff < 20 || doff > seg_len)
        return DECODED_MALFORMED;
    out->is_tcp = true;
    out->src_port = get_be16(tcp);
    out->dst_port = get_be16(tcp + 2);
    out->seq = get_be32(tcp + 4);
    out->ack = get_be32(tcp + 8);
    out->flags = tcp[13];
    out->window = get_be16(tcp + 14);
    out->payload_len = (uint32_t)(seg_len - doff);
    out->payload = have > doff ? tcp + doff : NULL;
    struct tcp_options opt;
    memset(&opt, 0, sizeof opt);
    if (have >= doff && tcp_parse_options(tcp + 20, doff - 20, &opt))
        packet__set_options(out, &opt);
    return DECODED_TCP;
}

/* The headers of a TCP/IPv4 packet that the snapshot length cut short:
 * the IPv4 header (checksum verified) must be there; payload_len comes
 * from the IPv4 total length. */
static enum decoded decode_truncated_ipv4(const uint8_t *p, size_t len, struct synack_packet_info *out)
{
    if (len < 20)
        return DECODED_MALFORMED;
    size_t ihl = (size_t)(p[0] & 0x0f) * 4, total = get_be16(p + 2);
    if (ihl < 20 || ihl > len || total < ihl || csum_finish(csum_add(0, p, ihl)) != 0)
        return DECODED_MALFORMED;
    out->src.family = out->dst.family = SYNACK_AF_INET;
    memcpy(out->src.bytes, p + 12, 4);
    memcpy(out->dst.bytes, p + 16, 4);
    out->proto = p[9];
    out->ttl = p[8];
    out->ip_total_len = (uint32_t)total;
    if (out->proto != 6 || (get_be16(p + 6) & 0x3fff) != 0)
        return DECODED_OTHER;   /* not TCP, or a fragment */
    return decode_truncated_tcp(p + ihl, len - ihl, total - ihl, out);
}

/* The same for IPv6: the extension headers (ipv6_walk) must be there in
 * full; payload_len comes from the payload length field. */
static enum decoded decode_truncated_ipv6(const uint8_t *p, size_t len, struct synack_packet_info *out)
{
    if (len < IPV6_HEADER_LEN)
        return DECODED_MALFORMED;
    size_t total = IPV6_HEADER_LEN + (size_t)get_be16(p + 4);
    if (total < len)
        return DECODED_MALFORMED;   /* not cut short, so ipv6_parse said why */
    out->src = synack_addr_v6(p + 8);
    out->dst = synack_addr_v6(p + 24);
    out->ttl = p[7];
    out->ip_total_len = (uint32_t)total;
    struct ipv6_chain c;
    if (!ipv6_walk(p, len, IPV6_HEADER_LEN, p[6], 6, IPV6_WALK_THROUGH_FIRST, &c))
        return DECODED_MALFORMED;
    out->proto = c.proto;
    if (c.proto != 6 || c.fragmented)
        return DECODED_OTHER;
    return decode_truncated_tcp(p + c.upper, len - c.upper, total - c.upper, out);
}

static enum decoded decode_truncated(const uint8_t *p, size_t len, struct synack_packet_info *out)
{
    memset(out, 0, sizeof *out);
    if (len >= 1 && p[0] >> 4 == 4)
        return decode_truncated_ipv4(p, len, out);
    if (len >= 1 && p[0] >> 4 == 6)
        return decode_truncated_ipv6(p, len, out);
    return DECODED_MALFORMED;
}

static enum decoded decode(const struct synack_captured_packet *cp, struct synack_packet_info *info,
                           bool *truncated)
{
    *truncated = false;
    if (synack_packet_decode(cp->ip, cp->ip_len, info) == 0)
        return info->is_tcp ? DECODED_TCP : DECODED_OTHER;
    if (cp->ip_len < cp->orig_len) {
        enum decoded d = decode_truncated(cp->ip, cp->ip_len, info);
        *truncated = d == DECODED_TCP;
        return d;
    }
    return DECODED_MALFORMED;
}

/* ---- The index ----------------------------------------------------------------------- */

struct synack_conn_index {
    char *path;
    struct synack_conn_summary *conns;
    size_t count, cap;
    uint64_t *numbers;           /* packet numbers, grouped by connection */
    size_t *first;               /* conns i's numbers start at numbers[first[i]] */
    struct synack_conn_index_stats stats;
};

/* Build-time state. */
struct builder {
    struct synack_conn_index *ix;
    struct conn_track *tracks;   /* parallel to ix->conns */
    uint32_t *slots;             /* hash table: conn index + 1, 0 empty; each tuple's latest */
    size_t slot_mask;            /* slots - 1 (a power of two minus one) */
    struct siphash_key key;
    uint32_t *conn_of;           /* per packet record (number - 1): its connection, or NO_CONN */
    size_t conn_of_cap;
};

static void random_key(struct siphash_key *k)
{
    FILE *f = fopen("/dev/urandom", "rb");
    bool ok = f && fread(k, sizeof *k, 1, f) == 1;
    if (f)
        fclose(f);
    if (!ok) {
        /* No /dev/urandom: the clock and an address are weak, but keep the
         * table's order unpredictable enough to defeat a precomputed file. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        k->k0 = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec;
        k->k1 = (uint64_t)(uintptr_t)&ts ^ (uint64_t)(uintptr_t)k;
    }
}

/* The 4-tuple in a canonical order (lower endpoint first), so that both
 * directions find the same slot. */
struct tuple {
    struct synack_endpoint lo, hi;
};

static struct tuple make_tuple(const struct synack_endpoint *a, const struct synack_endpoint *b)
{
    struct tuple t;
    if (memcmp(a, b, sizeof *a) <= 0) {
        t.lo = *a;
        t.hi = *b;
    } else {
        t.lo = *b;
        t.hi = *a;
    }
    return t;
}

static bool conn_has_tuple(const struct synack_conn_summary *s, const struct tuple *t)
{
    struct tuple u = make_tuple(&s->client, &s->server);
    return memcmp(&u, t, sizeof u) == 0;
}

/* The slot of tuple t: the one holding its connection, or the empty one
 * where it would go. */
static size_t find_slot(const struct builder *b, const struct tuple *t)
{
    size_t i = (size_t)siphash24(&b->key, t, sizeof *t) & b->slot_mask;
    while (b->slots[i] && !conn_has_tuple(&b->ix->conns[b->slots[i] - 1], t))
        i = (i + 1) & b->slot_mask;
    return i;
}

static bool grow_slots(struct builder *b)
{
    size_t n = (b->slot_mask + 1) * 2;
    uint32_t *old = b->slots;
    size_t old_n = b->slot_mask + 1;
    b->slots = calloc(n, sizeof *b->slots);
    if (!b->slots) {
        b->slots = old;
        return false;
    }
    b->slot_mask = n - 1;
    /* Re-insert every tuple's latest connection. */
    for (size_t i = 0; i < old_n; i++) {
        if (!old[i])
            continue;
        const struct synack_conn_summary *s = &b->ix->conns[old[i] - 1];
        struct tuple t = make_tuple(&s->client, &s->server);
        b->slots[find_slot(b, &t)] = old[i];
    }
    free(old);
    return true;
}

/* Whether a segment on a tuple whose latest connection is s starts a new
 * connection: a SYN without ACK does, unless it repeats s's own SYN (a
 * retransmission: same sender, same ISN) or is the other side's SYN in a
 * simultaneous open (RFC 9293 §3.5, figure 8). */
static bool starts_new_conn(const struct synack_conn_summary *s, const struct conn_track *t, enum synack_conn_dir d,
                            const struct synack_packet_info *in)
{
    if ((in->flags & (SYNACK_TCP_SYN | SYNACK_TCP_ACK | SYNACK_TCP_RST)) != SYNACK_TCP_SYN)
        return false;
    if (t->rst_seen || (s->flow[0].fin && s->flow[1].fin))
        return true;   /* a SYN after the close */
    if (s->flow[d].syn)
        return in->seq != s->flow[d].isn;
    /* This side has sent no SYN: a simultaneous open if the other side's
     * SYN opened the connection; else (the capture joined an open
     * connection, whose handshake it never saw) a new connection. */
    return !s->flow[!d].syn;
}

__attribute__((format(printf, 4, 5))) static int build_fail(char *err, size_t errlen, int code, const char *fmt,
                                                            ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* A new connection for a segment from src to dst. */
static uint32_t new_conn(struct builder *b, const struct synack_packet_info *in)
{
    struct synack_conn_index *ix = b->ix;
    if (ix->count == SYNACK_CONN_INDEX_MAX)
        return NO_CONN;
    if (ix->count == ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 64;
        struct synack_conn_summary *c = realloc(ix->conns, cap * sizeof *c);
        if (!c)
            return NO_CONN;
        ix->conns = c;
        struct conn_track *t = realloc(b->tracks, cap * sizeof *t);
        if (!t)
            return NO_CONN;
        b->tracks = t;
        ix->cap = cap;
    }
    struct synack_conn_summary *s = &ix->conns[ix->count];
    memset(s, 0, sizeof *s);
    memset(&b->tracks[ix->count], 0, sizeof b->tracks[ix->count]);
    s->index = ix->count;
    struct synack_endpoint src = synack_endpoint_make(in->src, in->src_port);
    struct synack_endpoint dst = synack_endpoint_make(in->dst, in->dst_port);
    /* The client: the SYN's sender; the SYN,ACK's receiver; else the first sender. */
    bool syn_ack = (in->flags & (SYNACK_TCP_SYN | SYNACK_TCP_ACK)) == (SYNACK_TCP_SYN | SYNACK_TCP_ACK);
    s->client = syn_ack ? dst : src;
    s->server = syn_ack ? src : dst;
    s->client_sent_syn = (in->flags & (SYNACK_TCP_SYN | SYNACK_TCP_ACK)) == SYNACK_TCP_SYN;
    return (uint32_t)ix->count++;
}

static bool note_packet(struct builder *b, uint64_t number, uint32_t conn)
{
    if (number - 1 >= b->conn_of_cap) {
        size_t cap = b->conn_of_cap ? b->conn_of_cap * 2 : 4096;
        while (cap < number)
            cap *= 2;
        uint32_t *n = realloc(b->conn_of, cap * sizeof *n);
        if (!n)
            return false;
        for (size_t i = b->conn_of_cap; i < cap; i++)
            n[i] = NO_CONN;
        b->conn_of = n;
        b->conn_of_cap = cap;
    }
    b->conn_of[number - 1] = conn;
    return true;
}

/* One TCP segment into the index. */
static int index_segment(struct builder *b, const struct synack_captured_packet *cp,
                         const struct synack_packet_info *in, char *err, size_t errlen)
{
    struct synack_conn_index *ix = b->ix;
    struct synack_endpoint src = synack_endpoint_make(in->src, in->src_port);
    struct synack_endpoint dst = synack_endpoint_make(in->dst, in->dst_port);
    struct tuple t = make_tuple(&src, &dst);
    size_t slot = find_slot(b, &t);
    uint32_t conn = b->slots[slot] ? b->slots[slot] - 1 : NO_CONN;
    enum synack_conn_dir d = SYNACK_CONN_FROM_CLIENT;
    if (conn != NO_CONN) {
        d = synack_endpoint_equal(&src, &ix->conns[conn].client) ? SYNACK_CONN_FROM_CLIENT : SYNACK_CONN_FROM_SERVER;
        if (starts_new_conn(&ix->conns[conn], &b->tracks[conn], d, in))
            conn = NO_CONN;
    }
    if (conn == NO_CONN) {
        if (ix->count == SYNACK_CONN_INDEX_MAX)
            return build_fail(err, errlen, -SYNACK_ENOMEM,
                              "packet %" PRIu64 ": more connections than the index holds (16777216)", cp->number);
        conn = new_conn(b, in);
        if (conn == NO_CONN)
            return build_fail(err, errlen, -SYNACK_ENOMEM, "packet %" PRIu64 ": out of memory", cp->number);
        b->slots[slot] = conn + 1;
        if (ix->count * 2 > b->slot_mask + 1 && !grow_slots(b))
            return build_fail(err, errlen, -SYNACK_ENOMEM, "packet %" PRIu64 ": out of memory", cp->number);
        d = synack_endpoint_equal(&src, &ix->conns[conn].client) ? SYNACK_CONN_FROM_CLIENT : SYNACK_CONN_FROM_SERVER;
    }
    struct seg_class cls;
    if (!conn_apply(&ix->conns[conn], &b->tracks[conn], d, in, cp->number, cp->when, &cls) ||
        !note_packet(b, cp->number, conn))
        return build_fail(err, errlen, -SYNACK_ENOMEM, "packet %" PRIu64 ": out of memory", cp->number);
    return 0;
}

/* Groups the packet numbers by connection (a counting sort over conn_of). */
static bool group_numbers(struct builder *b, uint64_t records)
{
    struct synack_conn_index *ix = b->ix;
    ix->first = malloc((ix->count + 1) * sizeof *ix->first);
    ix->numbers = malloc((ix->stats.tcp_packets ? ix->stats.tcp_packets : 1) * sizeof *ix->numbers);
    if (!ix->first || !ix->numbers)
        return false;
    size_t at = 0;
    for (size_t i = 0; i < ix->count; i++) {
        ix->first[i] = at;
        at += ix->conns[i].packets;
    }
    ix->first[ix->count] = at;
    /* Fill each connection's run in file order; first[i] moves along its
     * run and is put back afterwards. */
    for (uint64_t n = 0; n < records && n < b->conn_of_cap; n++) {
        uint32_t c = b->conn_of[n];
        if (c != NO_CONN)
            ix->numbers[ix->first[c]++] = n + 1;
    }
    for (size_t i = ix->count; i > 0; i--)
        ix->first[i] = ix->first[i - 1];
    ix->first[0] = 0;
    return true;
}

static void builder_free(struct builder *b)
{
    if (b->tracks) {
        for (size_t i = 0; i < b->ix->count; i++)
            track_free(&b->tracks[i]);
    }
    free(b->tracks);
    free(b->slots);
    free(b->conn_of);
}

int synack_conn_index_build(const char *path, struct synack_conn_index **out, char *err, size_t errlen)
{
    *out = NULL;
    struct synack_capture *cap;
    int rc = synack_capture_open(path, &cap, err, errlen);
    if (rc < 0)
        return rc;
    struct synack_conn_index *ix = calloc(1, sizeof *ix);
    struct builder b = {.ix = ix, .slot_mask = 1023};
    if (ix) {
        ix->path = malloc(strlen(path) + 1);
        b.slots = calloc(b.slot_mask + 1, sizeof *b.slots);
    }
    if (!ix || !ix->path || !b.slots) {
        rc = build_fail(err, errlen, -SYNACK_ENOMEM, "out of memory");
        goto out;
    }
    strcpy(ix->path, path);
    random_key(&b.key);

    struct synack_captured_packet cp;
    while ((rc = synack_capture_next(cap, &cp, err, errlen)) == 1) {
        struct synack_packet_info in;
        bool truncated;
        switch (decode(&cp, &in, &truncated)) {
        case DECODED_OTHER:
            ix->stats.other_ip++;
            continue;
        case DECODED_MALFORMED:
            ix->stats.malformed++;
            continue;
        case DECODED_TCP:
            break;
        }
        rc = index_segment(&b, &cp, &in, err, errlen);
        if (rc < 0)
            goto out;
        ix->stats.tcp_packets++;
        ix->stats.truncated_tcp += truncated;
    }
    if (rc < 0)
        goto out;
    ix->stats.capture = *synack_capture_stats(cap);
    for (size_t i = 0; i < ix->count; i++)
        ix->conns[i].end = infer_end(&ix->conns[i], &b.tracks[i]);
    if (!group_numbers(&b, ix->stats.capture.records)) {
        rc = build_fail(err, errlen, -SYNACK_ENOMEM, "out of memory");
        goto out;
    }
    rc = 0;
out:
    synack_capture_close(cap);
    if (ix)
        builder_free(&b);
    if (rc < 0) {
        synack_conn_index_free(ix);
        return rc;
    }
    /* Give back what the doubling left unused. */
    if (ix->count && ix->count < ix->cap) {
        struct synack_conn_summary *c = realloc(ix->conns, ix->count * sizeof *c);
        if (c)
            ix->conns = c;
    }
    *out = ix;
    return 0;
}

void synack_conn_index_free(struct synack_conn_index *ix)
{
    if (!ix)
        return;
    free(ix->path);
    free(ix->conns);
    free(ix->numbers);
    free(ix->first);
    free(ix);
}

size_t synack_conn_index_count(const struct synack_conn_index *ix)
{
    return ix->count;
}

const struct synack_conn_summary *synack_conn_index_get(const struct synack_conn_index *ix, size_t i)
{
    return i < ix->count ? &ix->conns[i] : NULL;
}

const uint64_t *synack_conn_index_packets(const struct synack_conn_index *ix, size_t i, size_t *count)
{
    if (i >= ix->count) {
        *count = 0;
        return NULL;
    }
    *count = ix->first[i + 1] - ix->first[i];
    return ix->numbers + ix->first[i];
}

const struct synack_conn_index_stats *synack_conn_index_stats(const struct synack_conn_index *ix)
{
    return &ix->stats;
}

const char *synack_conn_index_path(const struct synack_conn_index *ix)
{
    return ix->path;
}

static const char *const end_names[] = {
#define SYNACK_CONN_END_NAME_(name, text) #name,
    SYNACK_CONN_END_LIST(SYNACK_CONN_END_NAME_)
#undef SYNACK_CONN_END_NAME_
};

static const char *const end_texts[] = {
#define SYNACK_CONN_END_TEXT_(name, text) text,
    SYNACK_CONN_END_LIST(SYNACK_CONN_END_TEXT_)
#undef SYNACK_CONN_END_TEXT_
};

const char *synack_conn_end_name(enum synack_conn_end end)
{
    return (unsigned)end < SYNACK_CONN_END_COUNT ? end_names[end] : "?";
}

char *synack_conn_end_text(const struct synack_conn_summary *c, char *buf, size_t len)
{
    static const char *const side[2] = {"client", "server"};
    if (!len)
        return buf;
    switch (c->end) {
    case SYNACK_CONN_RESET:
        snprintf(buf, len, "RESET by %s", side[c->reset_by & 1]);
        break;
    case SYNACK_CONN_HALF_CLOSED:
        snprintf(buf, len, "HALF_CLOSED (FIN from %s)", side[c->first_fin_by & 1]);
        break;
    case SYNACK_CONN_ESTABLISHED:
        snprintf(buf, len, "%s", c->flow[0].syn || c->flow[1].syn ? "ESTABLISHED (open)"
                                                                  : "ESTABLISHED (open; handshake not captured)");
        break;
    default:
        snprintf(buf, len, "%s", (unsigned)c->end < SYNACK_CONN_END_COUNT ? end_texts[c->end] : "?");
    }
    return buf;
}

/* ---- Replay ---------------------------------------------------------------------------- */

struct synack_conn_replay {
    struct synack_capture *cap;
    const struct synack_conn_summary *conn;
    const uint64_t *numbers;
    size_t count, next;
    struct synack_conn_summary scratch;   /* counted afresh, so classification matches the build */
    struct conn_track track;
};

int synack_conn_replay_open(const struct synack_conn_index *ix, size_t conn, struct synack_conn_replay **out,
                            char *err, size_t errlen)
{
    *out = NULL;
    if (conn >= ix->count) {
        if (err && errlen)
            snprintf(err, errlen, "no connection %zu (the capture has %zu)", conn, ix->count);
        return -SYNACK_EINVAL;
    }
    struct synack_conn_replay *r = calloc(1, sizeof *r);
    if (!r) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return -SYNACK_ENOMEM;
    }
    int rc = synack_capture_open(ix->path, &r->cap, err, errlen);
    if (rc < 0) {
        free(r);
        return rc;
    }
    r->conn = &ix->conns[conn];
    r->numbers = synack_conn_index_packets(ix, conn, &r->count);
    r->scratch.index = conn;
    r->scratch.client = r->conn->client;
    r->scratch.server = r->conn->server;
    *out = r;
    return 0;
}

int synack_conn_replay_next(struct synack_conn_replay *r, struct synack_conn_packet *p, char *err, size_t errlen)
{
    if (r->next == r->count)
        return 0;
    uint64_t want = r->numbers[r->next];
    int rc;
    while ((rc = synack_capture_next(r->cap, &p->cap, err, errlen)) == 1 && p->cap.number < want)
        ;
    if (rc < 0)
        return rc;
#define CHANGED "packet %" PRIu64 ": not where the index found it (has the file changed?)"
    if (rc == 0 || p->cap.number != want)
        return build_fail(err, errlen, -SYNACK_EINVAL, CHANGED, want);
    bool truncated;
    if (decode(&p->cap, &p->info, &truncated) != DECODED_TCP)
        return build_fail(err, errlen, -SYNACK_EINVAL, CHANGED, want);
    struct synack_endpoint src = synack_endpoint_make(p->info.src, p->info.src_port);
    struct synack_endpoint dst = synack_endpoint_make(p->info.dst, p->info.dst_port);
    enum synack_conn_dir d;
    if (synack_endpoint_equal(&src, &r->conn->client) && synack_endpoint_equal(&dst, &r->conn->server))
        d = SYNACK_CONN_FROM_CLIENT;
    else if (synack_endpoint_equal(&src, &r->conn->server) && synack_endpoint_equal(&dst, &r->conn->client))
        d = SYNACK_CONN_FROM_SERVER;
    else
        return build_fail(err, errlen, -SYNACK_EINVAL, CHANGED, want);
    struct seg_class cls;
#undef CHANGED
    if (!conn_apply(&r->scratch, &r->track, d, &p->info, p->cap.number, p->cap.when, &cls))
        return build_fail(err, errlen, -SYNACK_ENOMEM, "packet %" PRIu64 ": out of memory", want);
    p->from = d;
    p->seq_index = r->next++;
    p->truncated = truncated;
    p->retransmission = cls.retransmission;
    p->keepalive = cls.keepalive;
    p->new_bytes = cls.new_bytes;
    p->rel_seq = cls.rel_seq;
    p->rel_ack = cls.rel_ack;
    return 1;
}

void synack_conn_replay_close(struct synack_conn_replay *r)
{
    if (!r)
        return;
    synack_capture_close(r->cap);
    track_free(&r->track);
    free(r);
}
