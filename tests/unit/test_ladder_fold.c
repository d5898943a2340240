/*
 * test_ladder_fold.c — ladder models kept within a budget of segments
 * (synack_ladder_config.max_segments): a long connection built with a
 * tiny budget folds runs of older segments into counts, keeps what must
 * be seen (SYN, FIN, RST, marked segments while the budget allows), and
 * counts exactly: kept plus folded is every segment fed, bytes and marks
 * per direction are those of the same model built without a budget, and
 * so are the states and the delays.  Views select across folds by
 * segment number and by time, and a range given to the builder is kept
 * whole.  Arrows never cross a band's box.
 */
#include <stdlib.h>

#include "synack/errors.h"
#include "synack/ladder.h"

#include "ipv4.h"
#include "ladder_util.h"
#include "tcp_wire.h"
#include "test.h"

#define MS 1000u
#define C 0
#define S 1
#define SYN SYNACK_TCP_SYN
#define ACK SYNACK_TCP_ACK
#define FIN SYNACK_TCP_FIN
#define RST SYNACK_TCP_RST

/* ---- A long transfer seen at the client ----------------------------------- */

struct capture {
    struct seg *segs;
    size_t n, cap;
};

static void add(struct capture *c, int from, synack_time_us at, uint8_t flags, uint32_t seq, uint32_t ack,
                uint32_t len)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->segs = realloc(c->segs, c->cap * sizeof *c->segs);
    }
    c->segs[c->n++] = (struct seg){from, at, flags, seq, ack, 65535, len};
}

/*  client (captured here)                             server
 *  SYN, SYN,ACK, ACK                                            handshake, 20 ms RTT
 *  data 1..n, 1000 bytes each, one a millisecond      -->
 *                                                     <--     an ACK for every second one, 20 ms later
 *  every `loss_every`-th data segment is lost after the capture point:
 *                                                     <--     duplicate ACKs for what follows it
 *  the lost one again after three duplicate ACKs      -->     retransmission (its first copy presumed lost)
 *  FIN                                                -->
 *                                                     <--     ACK, FIN
 *  ACK                                                -->
 */
static struct capture transfer(int n, int loss_every)
{
    struct capture c = {0};
    uint32_t base = 1001, acked = 1001, hole = 0;
    int dups = 0;
    bool have_hole = false;
    synack_time_us t = 20 * MS;

    add(&c, C, 0, SYN, 1000, 0, 0);
    add(&c, S, 20 * MS, SYN | ACK, 9000, 1001, 0);
    add(&c, C, 20 * MS, ACK, 1001, 9001, 0);
    for (int i = 0; i < n + 20; i++) {
        t += MS;
        if (i < n)
            add(&c, C, t, ACK, base + (uint32_t)i * 1000, 9001, 1000);
        /* The server's answer to data segment i - 20. */
        int j = i - 20;
        if (j < 0 || j >= n)
            continue;
        uint32_t end = base + (uint32_t)(j + 1) * 1000;
        if (loss_every && !have_hole && j % loss_every == loss_every / 2) {
            have_hole = true;
            hole = base + (uint32_t)j * 1000;
            dups = 0;
            continue;   /* lost: no ACK for it */
        }
        if (have_hole) {
            add(&c, S, t, ACK, 9001, hole, 0);
            if (++dups == 3) {
                add(&c, C, t, ACK, hole, 9001, 1000);   /* resent; arrives, and the ACK jumps */
                have_hole = false;
                acked = end;
                add(&c, S, t + 1, ACK, 9001, acked, 0);
            }
            continue;
        }
        if (j % 2 == 1 && end > acked) {
            acked = end;
            add(&c, S, t, ACK, 9001, acked, 0);
        }
    }
    t += 5 * MS;
    uint32_t fin = base + (uint32_t)n * 1000;
    add(&c, C, t, FIN | ACK, fin, 9001, 0);
    add(&c, S, t + 20 * MS, ACK, 9001, fin + 1, 0);
    add(&c, S, t + 21 * MS, FIN | ACK, 9001, fin + 1, 0);
    add(&c, C, t + 21 * MS, ACK, fin + 1, 9002, 0);
    return c;
}

static struct synack_ladder *from_capture(const struct capture *c, const struct synack_ladder_config *cfg)
{
    return ladder_from_segs(c->segs, c->n, cfg);
}

static struct synack_ladder *with_budget(const struct capture *c, uint32_t budget)
{
    struct synack_ladder_config cfg;

    synack_ladder_config_default(&cfg);
    cfg.max_segments = budget;
    return from_capture(c, &cfg);
}

/* What a model says of all its segments, kept and folded. */
struct totals {
    uint64_t segments, data[2], acks[2], bytes[2];
    uint64_t marked[SYNACK_LADDER_MARK_COUNT];
    bool numbers_ok;             /* every number 1..segments exactly once, in order */
    bool times_ok;               /* each fold: from <= last_sent <= to */
};

static struct totals totals_of(const struct synack_ladder *l)
{
    struct totals t;
    size_t k = 0, f = 0;
    uint32_t next = 1;

    memset(&t, 0, sizeof t);
    t.numbers_ok = t.times_ok = true;
    while (k < synack_ladder_segment_count(l) || f < synack_ladder_fold_count(l)) {
        const struct synack_ladder_segment *s = synack_ladder_segment(l, k);
        const struct synack_ladder_fold *fo = synack_ladder_fold(l, f);
        if (fo != NULL && (s == NULL || fo->first < s->number)) {
            t.numbers_ok &= fo->first == next && fo->last >= fo->first;
            t.times_ok &= fo->from <= fo->last_sent && fo->last_sent <= fo->to;
            next = fo->last + 1;
            t.segments += (uint64_t)fo->last - fo->first + 1;
            for (int e = 0; e < 2; e++) {
                t.data[e] += fo->data[e];
                t.acks[e] += fo->acks[e];
                t.bytes[e] += fo->bytes[e];
            }
            t.numbers_ok &= (uint64_t)fo->data[0] + fo->data[1] + fo->acks[0] + fo->acks[1] ==
                            (uint64_t)fo->last - fo->first + 1;
            for (int bit = 0; bit < SYNACK_LADDER_MARK_COUNT; bit++)
                t.marked[bit] += fo->marked[bit];
            f++;
        } else {
            t.numbers_ok &= s->number == next;
            next = s->number + 1;
            t.segments++;
            if (s->payload_len) {
                t.data[s->from]++;
                t.bytes[s->from] += s->payload_len;
            } else {
                t.acks[s->from]++;
            }
            for (int bit = 0; bit < SYNACK_LADDER_MARK_COUNT; bit++)
                t.marked[bit] += (s->marks >> bit) & 1u;
            k++;
        }
    }
    t.numbers_ok &= t.segments == synack_ladder_info(l)->segments;
    return t;
}

static char *states_text(const struct synack_ladder *l, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < synack_ladder_state_count(l) && used < len; i++) {
        const struct synack_ladder_state *st = synack_ladder_state(l, i);
        used += (size_t)snprintf(buf + used, len - used, "%s%c %s@%llu", i ? ", " : "", st->end == C ? 'C' : 'S',
                                 synack_tcp_state_name(st->state), (unsigned long long)st->at);
    }
    return buf;
}

static bool kept(const struct synack_ladder *l, uint32_t number)
{
    for (size_t i = 0; i < synack_ladder_segment_count(l); i++) {
        if (synack_ladder_segment(l, i)->number == number)
            return true;
    }
    return false;
}

TEST(ladder_fold_counts_exactly_within_a_tiny_budget)
{
    struct capture c = transfer(3000, 400);
    struct synack_ladder *full = with_budget(&c, 0), *small = with_budget(&c, 64);
    struct totals tf, ts;
    char a[1024], b[1024];

    REQUIRE(full != NULL && small != NULL);
    CHECK_EQ(synack_ladder_info(full)->segments, c.n);
    CHECK_EQ(synack_ladder_segment_count(full), c.n);
    CHECK_EQ(synack_ladder_fold_count(full), 0);
    CHECK_EQ(synack_ladder_info(full)->folded_segments, 0);

    /* Bounded: the budget, whatever the length. */
    CHECK_EQ(synack_ladder_info(small)->segments, c.n);
    CHECK(synack_ladder_segment_count(small) <= 64);
    CHECK(synack_ladder_fold_count(small) > 0);
    CHECK_EQ(synack_ladder_info(small)->folded_segments + synack_ladder_segment_count(small), c.n);

    /* Exact: every number once, counts, bytes and marks as without a budget. */
    tf = totals_of(full);
    ts = totals_of(small);
    CHECK(tf.numbers_ok);
    CHECK(ts.numbers_ok);
    CHECK(ts.times_ok);
    CHECK_EQ(ts.segments, c.n);
    for (int e = 0; e < 2; e++) {
        CHECK_EQ(ts.data[e], tf.data[e]);
        CHECK_EQ(ts.acks[e], tf.acks[e]);
        CHECK_EQ(ts.bytes[e], tf.bytes[e]);
    }
    CHECK_EQ(tf.bytes[C], 3000u * 1000 + 7 * 1000);   /* seven retransmissions */
    for (int bit = 0; bit < SYNACK_LADDER_MARK_COUNT; bit++)
        CHECK_EQ(ts.marked[bit], tf.marked[bit]);
    CHECK_EQ(tf.marked[SYNACK_LADDER_MARK_BIT_RETRANSMISSION], 7);
    CHECK_EQ(tf.marked[SYNACK_LADDER_MARK_BIT_LOST], 7);     /* presumed, even when folded first */
    CHECK_EQ(tf.marked[SYNACK_LADDER_MARK_BIT_DUP_ACK], 21);   /* three for each loss */
    /* Some originals were folded before their retransmission came: the
     * loss presumed then is counted in their fold. */
    uint64_t folded_lost = 0;
    for (size_t i = 0; i < synack_ladder_fold_count(small); i++)
        folded_lost += synack_ladder_fold(small, i)->marked[SYNACK_LADDER_MARK_BIT_LOST];
    CHECK(folded_lost > 0);

    /* What state inference needs was kept: the same states, the same
     * delays, the same origin. */
    CHECK_STR_EQ(states_text(small, a, sizeof a), states_text(full, b, sizeof b));
    CHECK_EQ(synack_ladder_state_count(small), 10);
    CHECK_EQ(synack_ladder_info(small)->delay_us[S], synack_ladder_info(full)->delay_us[S]);
    CHECK_EQ(synack_ladder_info(small)->delay_us[S], 10 * MS);
    CHECK_EQ(synack_ladder_info(small)->origin, synack_ladder_info(full)->origin);
    CHECK_EQ(synack_ladder_info(small)->end_time, synack_ladder_info(full)->end_time);

    /* SYN, FIN and RST are never folded. */
    for (size_t i = 0; i < c.n; i++) {
        if (c.segs[i].flags & (SYN | FIN | RST))
            CHECK(kept(small, (uint32_t)i + 1));
    }
    /* Kept segments are the very ones of the full model. */
    for (size_t i = 0; i < synack_ladder_segment_count(small); i++) {
        const struct synack_ladder_segment *s = synack_ladder_segment(small, i);
        const struct synack_ladder_segment *o = synack_ladder_segment(full, s->number - 1);
        CHECK(s->seq == o->seq && s->ack == o->ack && s->marks == o->marks && s->sent_at == o->sent_at &&
              s->arrived_at == o->arrived_at && s->arrival == o->arrival);
    }
    synack_ladder_free(full);
    synack_ladder_free(small);
    free(c.segs);
}

/* While the budget allows, only ordinary runs are folded: every marked
 * segment stays one by one. */
TEST(ladder_fold_keeps_marked_segments_while_the_budget_allows)
{
    struct capture c = transfer(3000, 1000);
    struct synack_ladder *l = with_budget(&c, 256);

    REQUIRE(l != NULL);
    CHECK(synack_ladder_fold_count(l) > 0);
    for (size_t i = 0; i < synack_ladder_fold_count(l); i++) {
        for (int bit = 0; bit < SYNACK_LADDER_MARK_COUNT; bit++)
            CHECK_EQ(synack_ladder_fold(l, i)->marked[bit], 0);
    }
    size_t rexmit = 0;
    for (size_t i = 0; i < synack_ladder_segment_count(l); i++)
        rexmit += (synack_ladder_segment(l, i)->marks & SYNACK_LADDER_RETRANSMISSION) != 0;
    CHECK_EQ(rexmit, 3);
    synack_ladder_free(l);

    /* Under pressure, marked segments go too, counted per mark. */
    l = with_budget(&c, 48);
    REQUIRE(l != NULL);
    struct totals t = totals_of(l);
    CHECK(t.numbers_ok);
    CHECK(synack_ladder_segment_count(l) <= 48);
    CHECK_EQ(t.marked[SYNACK_LADDER_MARK_BIT_RETRANSMISSION], 3);
    uint64_t folded_marks = 0;
    for (size_t i = 0; i < synack_ladder_fold_count(l); i++)
        folded_marks += synack_ladder_fold(l, i)->marked[SYNACK_LADDER_MARK_BIT_DUP_ACK];
    CHECK(folded_marks > 0);
    synack_ladder_free(l);
    free(c.segs);
}

/* ---- Views across folds ------------------------------------------------------ */

/* The sum of an attribute over the elements that open with `open`. */
static uint64_t sum_attr(const char *doc, const char *open, const char *attr)
{
    uint64_t sum = 0;
    char key[64];

    snprintf(key, sizeof key, " %s=\"", attr);
    for (const char *p = strstr(doc, open); p != NULL; p = strstr(p + 1, open)) {
        const char *end = strchr(p, '>'), *a = strstr(p, key);
        if (a != NULL && a < end)
            sum += strtoull(a + strlen(key), NULL, 10);
    }
    return sum;
}

/* The first band that holds segment `number`: its data-first and data-last. */
static bool band_with(const char *svg, uint32_t number, uint32_t *first, uint32_t *last)
{
    for (const char *p = strstr(svg, "<g class=\"band"); p != NULL; p = strstr(p + 1, "<g class=\"band")) {
        const char *f = strstr(p, "data-first=\""), *z = strstr(p, "data-last=\"");
        *first = (uint32_t)strtoul(f + 12, NULL, 10);
        *last = (uint32_t)strtoul(z + 11, NULL, 10);
        if (*first <= number && number <= *last)
            return true;
    }
    return false;
}

TEST(ladder_fold_views_select_across_folds)
{
    struct capture c = transfer(3000, 400);
    struct synack_ladder *l = with_budget(&c, 64);
    struct synack_ladder_view v;
    const struct synack_ladder_fold *f;
    char *svg, *html, *text;
    uint32_t first = 0, last = 0;

    REQUIRE(l != NULL);
    synack_ladder_view_default(&v);

    /* The whole: arrows and bands add up to every segment; folded bands
     * say so and carry their counts. */
    svg = render(l, &v, synack_ladder_write_svg);
    REQUIRE(svg != NULL);
    CHECK_EQ(count(svg, "<g class=\"segment ") + sum_attr(svg, "<g class=\"band", "data-count"), c.n);
    CHECK_EQ(sum_attr(svg, "<g class=\"band", "data-folded"), synack_ladder_info(l)->folded_segments);
    CHECK(count(svg, "<g class=\"band folded\"") > 0);
    CHECK(count(svg, "summarised while reading") > 0);
    free(svg);

    /* A segment range inside a fold shows that fold, whole, as a band. */
    f = synack_ladder_fold(l, synack_ladder_fold_count(l) / 2);
    REQUIRE(f != NULL && f->last - f->first > 4);
    v.first_segment = f->first + 1;
    v.last_segment = f->first + 2;
    svg = render(l, &v, synack_ladder_write_svg);
    REQUIRE(svg != NULL);
    CHECK_EQ(count(svg, "<g class=\"band folded\""), 1);
    CHECK(band_with(svg, f->first + 1, &first, &last));
    CHECK(first == f->first && last == f->last);
    CHECK_EQ(count(svg, "no segment in the range selected"), 0);
    free(svg);

    /* Across a fold's edge: the kept segment beside it is drawn (or banded)
     * with it, and nothing beyond the range. */
    v.first_segment = f->first > 1 ? f->first - 1 : 1;
    v.last_segment = f->last + 1;
    v.collapse = 0;   /* no bands but folds */
    svg = render(l, &v, synack_ladder_write_svg);
    REQUIRE(svg != NULL);
    CHECK_EQ(count(svg, "<g class=\"band folded\""), 1);
    CHECK_EQ(count(svg, "<g class=\"segment ") + sum_attr(svg, "<g class=\"band", "data-count"),
             (uint64_t)(f->last + 1) - (f->first - 1) + 1);
    free(svg);

    /* By time: a range within a fold's sends shows the fold. */
    v.first_segment = v.last_segment = 0;
    v.have_range = true;
    v.range_from = (f->from + f->last_sent) / 2 - synack_ladder_info(l)->origin;
    v.range_to = v.range_from + 1;
    text = render(l, &v, synack_ladder_write_text);
    REQUIRE(text != NULL);
    {
        char want[64];
        snprintf(want, sizeof want, "(#%u–#%u)", f->first, f->last);
        CHECK_EQ(count(text, want), 1);
        CHECK_EQ(count(text, "summarised while reading"), 1);
    }
    free(text);

    /* The page: a folded band is not expandable, and says how to see it. */
    v.have_range = false;
    v.collapse = 12;
    html = render(l, &v, synack_ladder_write_html);
    REQUIRE(html != NULL);
    CHECK(count(html, "Not expandable: ") > 0);
    CHECK_EQ(count(html, "Not expandable: "), count(html, "<g class=\"band folded\""));
    CHECK(count(html, "--segments ") > 0);
    free(html);
    synack_ladder_free(l);
    free(c.segs);
}

/* The builder keeps a range whole, however small its budget. */
TEST(ladder_fold_keeps_the_range_asked_for)
{
    struct capture c = transfer(3000, 400);
    struct synack_ladder_config cfg;
    struct synack_ladder *l;
    struct totals t;

    synack_ladder_config_default(&cfg);
    cfg.max_segments = 64;
    cfg.keep_first = 2001;
    cfg.keep_last = 2300;
    l = from_capture(&c, &cfg);
    REQUIRE(l != NULL);
    for (uint32_t n = 2001; n <= 2300; n++)
        CHECK(kept(l, n));
    t = totals_of(l);
    CHECK(t.numbers_ok);
    CHECK(synack_ladder_segment_count(l) < 400);
    synack_ladder_free(l);

    /* By time: segments sent 1.0 to 1.2 s after the first. */
    synack_ladder_config_default(&cfg);
    cfg.max_segments = 64;
    cfg.keep_range = true;
    cfg.keep_from = 1000 * MS;
    cfg.keep_to = 1200 * MS;
    l = from_capture(&c, &cfg);
    REQUIRE(l != NULL);
    size_t in_range = 0;
    for (size_t i = 0; i < synack_ladder_segment_count(l); i++) {
        synack_time_us rel = synack_ladder_segment(l, i)->sent_at - synack_ladder_info(l)->origin;
        in_range += rel >= 1000 * MS && rel <= 1200 * MS;
    }
    size_t want = 0;
    for (size_t i = 0; i < c.n; i++) {
        /* Captured at the client: the client's segments left as seen, the
         * server's 10 ms before. */
        synack_time_us sent = c.segs[i].at - (c.segs[i].from == S ? 10 * MS : 0) + 10 * MS;
        want += sent - synack_ladder_info(l)->origin >= 1000 * MS && sent - synack_ladder_info(l)->origin <= 1200 * MS;
    }
    CHECK_EQ(in_range, want);
    CHECK(want > 250);
    CHECK(totals_of(l).numbers_ok);
    synack_ladder_free(l);
    free(c.segs);
}

/* ---- A trace of both ends ---------------------------------------------------- */

static size_t build_packet(uint8_t *pkt, int from, uint16_t ip_id, uint8_t flags, uint32_t seq, uint32_t ack,
                           size_t payload)
{
    struct synack_addr a = synack_addr_v4(198, 18, 0, 1), z = synack_addr_v4(198, 18, 0, 2);
    const struct synack_addr *src = from == C ? &a : &z, *dst = from == C ? &z : &a;
    struct tcp_header_out h = {.src_port = from == C ? 49152 : 80, .dst_port = from == C ? 80 : 49152,
                               .seq = seq, .ack = ack, .flags = flags, .window = 65535};
    size_t hlen = tcp_write_header(pkt + 20, &h);

    memset(pkt + 20 + hlen, 'x', payload);
    tcp_fill_checksum(pkt + 20, hlen + payload, src, dst);
    ipv4_write_header(pkt, src, dst, IP_PROTO_TCP, (uint16_t)(hlen + payload), 64, ip_id, true);
    return 20 + hlen + payload;
}

static void event(struct synack_ladder_builder *b, enum synack_trace_kind kind, synack_time_us now,
                  const uint8_t *pkt, size_t len)
{
    struct synack_trace_event ev;

    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.now = now;
    ev.stack_name = kind == SYNACK_TRACE_PACKET_OUT ? "out" : "in";
    ev.packet = pkt;
    ev.len = len;
    synack_ladder_builder_trace(b, &ev);
}

/* 2000 data segments and their ACKs, each arriving 10 ms after it left,
 * but one in 500 lost, and one in 300 delivered twice; a SYN first and a
 * FIN last. */
static struct synack_ladder *traced(uint32_t budget)
{
    struct synack_ladder_config cfg;
    struct synack_ladder_builder *b;
    uint8_t pkt[200];
    size_t len;
    uint16_t id = 1;

    synack_ladder_config_default(&cfg);
    cfg.max_segments = budget;
    b = synack_ladder_builder_new(&cfg);
    if (b == NULL)
        return NULL;
    len = build_packet(pkt, C, id++, SYN, 1000, 0, 0);
    event(b, SYNACK_TRACE_PACKET_OUT, 0, pkt, len);
    event(b, SYNACK_TRACE_PACKET_IN, 10 * MS, pkt, len);
    for (int i = 0; i < 2000; i++) {
        synack_time_us t = 20 * MS + (synack_time_us)i * MS;
        len = build_packet(pkt, C, id++, ACK, 1001 + (uint32_t)i * 100, 8001, 100);
        event(b, SYNACK_TRACE_PACKET_OUT, t, pkt, len);
        if (i % 500 != 250)
            event(b, SYNACK_TRACE_PACKET_IN, t + 10 * MS, pkt, len);
        if (i % 300 == 100)
            event(b, SYNACK_TRACE_PACKET_IN, t + 10 * MS + 1, pkt, len);
        len = build_packet(pkt, S, id++, ACK, 8001, 1101 + (uint32_t)i * 100, 0);
        event(b, SYNACK_TRACE_PACKET_OUT, t + 10 * MS, pkt, len);
        event(b, SYNACK_TRACE_PACKET_IN, t + 20 * MS, pkt, len);
    }
    len = build_packet(pkt, C, id++, FIN | ACK, 201001, 8001, 0);
    event(b, SYNACK_TRACE_PACKET_OUT, 3000 * MS, pkt, len);
    event(b, SYNACK_TRACE_PACKET_IN, 3010 * MS, pkt, len);
    return synack_ladder_builder_finish(b);
}

TEST(ladder_fold_from_a_trace_counts_losses_and_copies)
{
    struct synack_ladder *full = traced(0), *small = traced(400);
    struct totals tf, ts;

    REQUIRE(full != NULL && small != NULL);
    tf = totals_of(full);
    ts = totals_of(small);
    CHECK(tf.numbers_ok && ts.numbers_ok && ts.times_ok);
    CHECK_EQ(tf.segments, 2 + 4000 + 7);   /* SYN, FIN, data and ACKs, 7 copies */
    CHECK_EQ(ts.segments, tf.segments);
    CHECK(synack_ladder_segment_count(small) <= 400);
    CHECK(synack_ladder_fold_count(small) > 0);
    CHECK_EQ(tf.marked[SYNACK_LADDER_MARK_BIT_LOST], 4);
    CHECK_EQ(tf.marked[SYNACK_LADDER_MARK_BIT_DUPLICATE], 7);
    for (int bit = 0; bit < SYNACK_LADDER_MARK_COUNT; bit++)
        CHECK_EQ(ts.marked[bit], tf.marked[bit]);
    for (int e = 0; e < 2; e++)
        CHECK_EQ(ts.bytes[e], tf.bytes[e]);
    CHECK_EQ(synack_ladder_info(small)->unmatched_arrivals, 0);
    CHECK_EQ(synack_ladder_info(small)->end_time, synack_ladder_info(full)->end_time);
    /* Lost ones are kept one by one while the budget allows. */
    size_t lost = 0;
    for (size_t i = 0; i < synack_ladder_segment_count(small); i++) {
        const struct synack_ladder_segment *s = synack_ladder_segment(small, i);
        if (s->marks & SYNACK_LADDER_LOST) {
            lost++;
            CHECK_EQ(s->arrival, SYNACK_LADDER_NEVER);
        }
    }
    CHECK_EQ(lost, 4);
    synack_ladder_free(full);
    synack_ladder_free(small);
}

/* ---- Arrows and bands ---------------------------------------------------------- */

/* Nothing is drawn across a band's box: every arrow piece lies above or
 * below each band. */
TEST(ladder_arrows_never_cross_a_band)
{
    struct capture c = transfer(400, 100);
    struct synack_ladder *l = with_budget(&c, 0);
    struct synack_ladder_view v;
    char *svg;
    size_t bands = 0, lines = 0, crossing = 0;
    double top[256], bottom[256];

    REQUIRE(l != NULL);
    synack_ladder_view_default(&v);
    svg = render(l, &v, synack_ladder_write_svg);
    REQUIRE(svg != NULL);
    for (const char *p = strstr(svg, "<g class=\"band"); p != NULL && bands < 256; p = strstr(p + 1, "<g class=\"band")) {
        double y, h;
        const char *r = strstr(p, "<rect ");
        REQUIRE(sscanf(strstr(r, " y=\"") + 4, "%lf", &y) == 1);
        REQUIRE(sscanf(strstr(r, " height=\"") + 9, "%lf", &h) == 1);
        top[bands] = y;
        bottom[bands++] = y + h;
    }
    for (const char *p = strstr(svg, "<line class=\"arrow\""); p != NULL; p = strstr(p + 1, "<line class=\"arrow\"")) {
        double y1, y2;
        REQUIRE(sscanf(strstr(p, " y1=\"") + 5, "%lf", &y1) == 1);
        REQUIRE(sscanf(strstr(p, " y2=\"") + 5, "%lf", &y2) == 1);
        lines++;
        for (size_t b = 0; b < bands; b++)
            crossing += (y1 < y2 ? y1 : y2) < bottom[b] - 0.1 && (y1 > y2 ? y1 : y2) > top[b] + 0.1;
    }
    CHECK(bands >= 3);
    CHECK(lines > 20);
    CHECK_EQ(crossing, 0);
    free(svg);
    synack_ladder_free(l);
    free(c.segs);
}
