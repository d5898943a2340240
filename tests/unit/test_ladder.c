/*
 * test_ladder.c — the ladder model (synack/ladder.h) built from segments
 * given one by one: what each segment is judged to be, the delays and
 * losses estimated from one capture point, the states inferred, arrivals
 * matched across the ends of a trace, and renderings that keep to their
 * width.  The textbook exchange itself is tests/sim/ladder.sh.
 */
#include <stdlib.h>

#include "synack/errors.h"
#include "synack/ladder.h"

#include "ipv4.h"
#include "ladder_util.h"
#include "tcp_wire.h"
#include "test.h"

#define MS 1000u
#define C 0   /* the client, drawn left */
#define S 1

/* ---- Segments seen at one capture point (struct seg: ladder_util.h) ----- */

#define SYN SYNACK_TCP_SYN
#define ACK SYNACK_TCP_ACK
#define FIN SYNACK_TCP_FIN
#define RST SYNACK_TCP_RST
#define PSH SYNACK_TCP_PSH

static uint16_t marks_of(const struct synack_ladder *l, size_t number)
{
    return synack_ladder_segment(l, number - 1)->marks;
}

/* "C SYN_SENT, S SYN_RECEIVED, ..." */
static char *states_text(const struct synack_ladder *l, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < synack_ladder_state_count(l); i++) {
        const struct synack_ladder_state *st = synack_ladder_state(l, i);
        used += (size_t)snprintf(buf + used, len - used, "%s%c %s", i ? ", " : "", st->end == C ? 'C' : 'S',
                                 synack_tcp_state_name(st->state));
        if (used >= len)
            break;
    }
    return buf;
}

/*  client (captured here)                        server
 *  SYN 100                        -->
 *                                 <--   SYN,ACK 500 ack 101     (100 ms later: RTT)
 *  ACK 101 ack 501                -->
 *  data 101:1101                  -->
 *  data 1101:2101                 -->   (lost after the capture point)
 *  data 2101:3101                 -->
 *                                 <--   ACK 1101  ACK 1101 (dup 1)  ACK 1101 win+ (window update)
 *  data 1101:2101 again           -->   retransmission; the first copy presumed lost
 *                                 <--   ACK 3101 win 0          zero window
 *  one byte 3101 (probe)          -->   zero-window probe
 *                                 <--   ACK 3102 win 0          ...
 *  0 bytes at 3101 (keepalive)    -->   seq = SND.NXT - 1: keepalive
 *                                 <--   RST
 */
TEST(ladder_classifies_each_segment)
{
    const struct seg segs[] = {
        {C, 0, SYN, 100, 0, 65535, 0},
        {S, 100 * MS, SYN | ACK, 500, 101, 65535, 0},
        {C, 100 * MS, ACK, 101, 501, 65535, 0},
        {C, 101 * MS, ACK | PSH, 101, 501, 65535, 1000},
        {C, 101 * MS, ACK | PSH, 1101, 501, 65535, 1000},
        {C, 101 * MS, ACK | PSH, 2101, 501, 65535, 1000},
        {S, 201 * MS, ACK, 501, 1101, 65535, 0},
        {S, 202 * MS, ACK, 501, 1101, 65535, 0},
        {S, 203 * MS, ACK, 501, 1101, 60000, 0},
        {C, 203 * MS, ACK, 1101, 501, 65535, 1000},
        {S, 303 * MS, ACK, 501, 3101, 0, 0},
        {C, 500 * MS, ACK, 3101, 501, 65535, 1},
        {S, 600 * MS, ACK, 501, 3102, 0, 0},
        {C, 9000 * MS, ACK, 3101, 501, 65535, 0},
        {S, 9100 * MS, RST, 501, 0, 0, 0},
    };
    struct synack_ladder *l = ladder_from_segs(segs, sizeof segs / sizeof segs[0], NULL);
    REQUIRE(l != NULL);
    CHECK_EQ(synack_ladder_segment_count(l), 15);
    CHECK_EQ(marks_of(l, 1), 0);
    CHECK_EQ(marks_of(l, 4), 0);
    CHECK_EQ(marks_of(l, 5), SYNACK_LADDER_LOST);
    CHECK_EQ(marks_of(l, 7), 0);
    CHECK_EQ(marks_of(l, 8), SYNACK_LADDER_DUP_ACK);
    CHECK_EQ(synack_ladder_segment(l, 7)->dup_ack_number, 1);
    CHECK_EQ(marks_of(l, 9), SYNACK_LADDER_WINDOW_UPDATE);
    CHECK_EQ(marks_of(l, 10), SYNACK_LADDER_RETRANSMISSION);
    CHECK_EQ(marks_of(l, 11), SYNACK_LADDER_ZERO_WINDOW);
    CHECK_EQ(marks_of(l, 12), SYNACK_LADDER_ZERO_WINDOW_PROBE);
    CHECK_EQ(marks_of(l, 14), SYNACK_LADDER_KEEPALIVE);
    CHECK_EQ(marks_of(l, 15), SYNACK_LADDER_RST);
    CHECK_EQ(synack_ladder_segment(l, 4)->arrival, SYNACK_LADDER_NEVER);
    CHECK_EQ(synack_ladder_segment(l, 3)->arrival, SYNACK_LADDER_ESTIMATED);

    /* Captured at the client: SYN to SYN,ACK is the whole round trip, and
     * SYN,ACK to ACK nothing. */
    const struct synack_ladder_info *in = synack_ladder_info(l);
    CHECK_EQ(in->source, SYNACK_LADDER_FROM_CAPTURE);
    CHECK(in->delay_measured[C] && in->delay_measured[S]);
    CHECK_EQ(in->delay_us[C], 0);
    CHECK_EQ(in->delay_us[S], 50 * MS);
    const struct synack_ladder_segment *synack = synack_ladder_segment(l, 1);
    CHECK_EQ(synack->sent_at - in->origin, 50 * MS);      /* left the server 50 ms before we saw it */
    CHECK_EQ(synack->arrived_at - in->origin, 100 * MS);  /* and reached the client as we saw it */

    char buf[512];
    CHECK_STR_EQ(states_text(l, buf, sizeof buf),
                 "C SYN_SENT, S SYN_RECEIVED, C ESTABLISHED, S ESTABLISHED, S CLOSED, C CLOSED");
    CHECK_EQ(synack_ladder_end(l, S)->initial_state, SYNACK_TCP_LISTEN);
    CHECK_STR_EQ(synack_ladder_end(l, C)->name, "client");
    CHECK_STR_EQ(synack_ladder_label(l, synack, false, buf, sizeof buf), "SYN,ACK seq=500 ack=101");
    CHECK_STR_EQ(synack_ladder_label(l, synack, true, buf, sizeof buf), "SYN,ACK seq=0 ack=1");
    CHECK_STR_EQ(synack_ladder_label(l, synack_ladder_segment(l, 3), true, buf, sizeof buf),
                 "ACK,PSH seq=1 ack=1 len=1000");
    synack_ladder_free(l);
}

/* A retransmission after the original was acknowledged is spurious: the
 * original was not lost.  Captured at the receiver (the server), nothing
 * seen can have been lost afterwards either. */
/* Seen after a reordering path: a segment that fills the hole another
 * left by overtaking it is new, not a retransmission (the rule of
 * conn_index.c: only sequence space carried before counts); a copy of
 * either is one. */
TEST(ladder_reordered_original_is_not_a_retransmission)
{
    const struct seg segs[] = {
        {C, 0, SYN, 100, 0, 65535, 0},
        {S, 100 * MS, SYN | ACK, 500, 101, 65535, 0},
        {C, 100 * MS, ACK, 101, 501, 65535, 0},
        {C, 101 * MS, ACK, 101, 501, 65535, 1000},      /* 4: [101, 1101) */
        {C, 102 * MS, ACK, 2101, 501, 65535, 1000},     /* 5: overtook [1101, 2101) */
        {C, 102 * MS, ACK, 4101, 501, 65535, 1000},     /* 6: another hole, [3101, 4101) */
        {C, 103 * MS, ACK, 1101, 501, 65535, 1000},     /* 7: fills the first hole */
        {C, 104 * MS, ACK, 3101, 501, 65535, 500},      /* 8: half of the second */
        {C, 105 * MS, ACK, 3101, 501, 65535, 1000},     /* 9: half new, half seen */
        {C, 106 * MS, ACK, 1101, 501, 65535, 1000},     /* 10: all seen */
    };
    struct synack_ladder *l = ladder_from_segs(segs, sizeof segs / sizeof segs[0], NULL);
    REQUIRE(l != NULL);
    CHECK_EQ(marks_of(l, 5) & SYNACK_LADDER_RETRANSMISSION, 0);
    CHECK_EQ(marks_of(l, 6) & SYNACK_LADDER_RETRANSMISSION, 0);
    CHECK_EQ(marks_of(l, 7) & SYNACK_LADDER_RETRANSMISSION, 0);
    CHECK_EQ(marks_of(l, 8) & SYNACK_LADDER_RETRANSMISSION, 0);
    CHECK(marks_of(l, 9) & SYNACK_LADDER_RETRANSMISSION);
    CHECK(marks_of(l, 10) & SYNACK_LADDER_RETRANSMISSION);
    synack_ladder_free(l);
}

TEST(ladder_presumes_loss_only_when_it_can)
{
    const struct seg spurious[] = {
        {C, 0, SYN, 100, 0, 65535, 0},
        {S, 10 * MS, SYN | ACK, 500, 101, 65535, 0},
        {C, 20 * MS, ACK | PSH, 101, 501, 65535, 100},
        {S, 30 * MS, ACK, 501, 201, 65535, 0},
        {C, 40 * MS, ACK | PSH, 101, 501, 65535, 100},
    };
    struct synack_ladder *l = ladder_from_segs(spurious, 5, NULL);
    REQUIRE(l != NULL);
    CHECK_EQ(marks_of(l, 3), 0);
    CHECK_EQ(marks_of(l, 5), SYNACK_LADDER_RETRANSMISSION);
    synack_ladder_free(l);

    /* At the server: its answers leave at once, the client's ACK comes a
     * round trip after the SYN,ACK. */
    const struct seg at_server[] = {
        {C, 50 * MS, SYN, 100, 0, 65535, 0},
        {S, 50 * MS, SYN | ACK, 500, 101, 65535, 0},
        {C, 150 * MS, ACK | PSH, 101, 501, 65535, 100},
        {C, 450 * MS, ACK | PSH, 101, 501, 65535, 100},
    };
    l = ladder_from_segs(at_server, 4, NULL);
    REQUIRE(l != NULL);
    CHECK_EQ(synack_ladder_info(l)->delay_us[C], 50 * MS);
    CHECK_EQ(synack_ladder_info(l)->delay_us[S], 0);
    CHECK_EQ(marks_of(l, 3), 0);
    CHECK_EQ(marks_of(l, 4), SYNACK_LADDER_RETRANSMISSION);
    synack_ladder_free(l);
}

/* Both ends close at once (RFC 9293 §3.6, Figure 13): each FIN crosses the
 * other, both go through CLOSING to TIME_WAIT.  The capture began after
 * the handshake, so both lines start ESTABLISHED. */
TEST(ladder_infers_a_simultaneous_close)
{
    const struct seg segs[] = {
        {C, 0, FIN | ACK, 101, 501, 65535, 0},
        {S, 0, FIN | ACK, 501, 101, 65535, 0},
        {C, 20 * MS, ACK, 102, 502, 65535, 0},
        {S, 20 * MS, ACK, 502, 102, 65535, 0},
    };
    struct synack_ladder_config cfg;
    struct synack_ladder *l;
    char buf[512];

    synack_ladder_config_default(&cfg);
    cfg.delay_given = true;
    cfg.one_way_delay_us = 10 * MS;
    l = ladder_from_segs(segs, 4, &cfg);
    REQUIRE(l != NULL);
    CHECK_EQ(synack_ladder_end(l, C)->initial_state, SYNACK_TCP_ESTABLISHED);
    CHECK_EQ(synack_ladder_end(l, S)->initial_state, SYNACK_TCP_ESTABLISHED);
    CHECK_STR_EQ(synack_ladder_end(l, C)->name, "A");
    CHECK_STR_EQ(states_text(l, buf, sizeof buf),
                 "C FIN_WAIT_1, S FIN_WAIT_1, S CLOSING, C CLOSING, S TIME_WAIT, C TIME_WAIT");
    CHECK(synack_ladder_info(l)->delay_given);
    CHECK_EQ(synack_ladder_info(l)->delay_us[C] + synack_ladder_info(l)->delay_us[S], 10 * MS);
    synack_ladder_free(l);
}

/* ---- A trace of both ends --------------------------------------------- */

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

static void trace_packet(struct synack_ladder_builder *b, enum synack_trace_kind kind, synack_time_us now,
                         const uint8_t *pkt, size_t len, int drop_reason)
{
    struct synack_trace_event ev;

    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.now = now;
    ev.stack_name = "host";
    ev.packet = pkt;
    ev.len = len;
    ev.drop_reason = drop_reason;
    synack_ladder_builder_trace(b, &ev);
}

static void trace_state(struct synack_ladder_builder *b, synack_time_us now, int from, int old_state,
                        int new_state)
{
    struct synack_trace_event ev;
    struct synack_endpoint c = synack_endpoint_make(synack_addr_v4(198, 18, 0, 1), 49152);
    struct synack_endpoint s = synack_endpoint_make(synack_addr_v4(198, 18, 0, 2), 80);

    memset(&ev, 0, sizeof ev);
    ev.kind = SYNACK_TRACE_STATE;
    ev.now = now;
    ev.stack_name = from == C ? "alice" : "bob";
    ev.local = from == C ? c : s;
    ev.remote = from == C ? s : c;
    ev.old_state = old_state;
    ev.new_state = new_state;
    synack_ladder_builder_trace(b, &ev);
}

/*  alice                                  bob
 *  SYN          t=0   -->  t=10 ms
 *  ACK,data     t=20  -->  lost
 *  ACK,data     t=21  -->  t=31, and a copy at t=35 that bob drops
 *  (nothing more until 2 s: the lost one is lost, not late)
 */
TEST(ladder_trace_matches_arrivals_losses_and_copies)
{
    struct synack_ladder_builder *b = synack_ladder_builder_new(NULL);
    uint8_t p1[100], p2[200], p3[200];
    size_t n1 = build_packet(p1, C, 1, SYN, 1000, 0, 0);
    size_t n2 = build_packet(p2, C, 2, ACK | PSH, 1001, 8001, 50);
    size_t n3 = build_packet(p3, C, 3, ACK | PSH, 1051, 8001, 50);
    struct synack_ladder *l;
    const struct synack_ladder_segment *s;

    REQUIRE(b != NULL);
    trace_state(b, 0, C, SYNACK_TCP_CLOSED, SYNACK_TCP_SYN_SENT);
    trace_packet(b, SYNACK_TRACE_PACKET_OUT, 0, p1, n1, 0);
    trace_packet(b, SYNACK_TRACE_PACKET_IN, 10 * MS, p1, n1, 0);
    trace_state(b, 10 * MS, S, SYNACK_TCP_LISTEN, SYNACK_TCP_SYN_RECEIVED);
    trace_packet(b, SYNACK_TRACE_PACKET_OUT, 20 * MS, p2, n2, 0);
    trace_packet(b, SYNACK_TRACE_PACKET_OUT, 21 * MS, p3, n3, 0);
    trace_packet(b, SYNACK_TRACE_PACKET_IN, 31 * MS, p3, n3, 0);
    trace_packet(b, SYNACK_TRACE_PACKET_IN, 35 * MS, p3, n3, 0);
    trace_packet(b, SYNACK_TRACE_DROP, 35 * MS, p3, n3, SYNACK_DROP_TCP_OUT_OF_WINDOW);
    trace_state(b, 2000 * MS, C, SYNACK_TCP_SYN_SENT, SYNACK_TCP_CLOSED);
    l = synack_ladder_builder_finish(b);
    REQUIRE(l != NULL);
    REQUIRE(synack_ladder_segment_count(l) == 4);
    CHECK_STR_EQ(synack_ladder_end(l, C)->name, "host");
    s = synack_ladder_segment(l, 0);
    CHECK_EQ(s->arrival, SYNACK_LADDER_ARRIVED);
    CHECK_EQ(s->arrived_at, 10 * MS);
    s = synack_ladder_segment(l, 1);
    CHECK_EQ(s->arrival, SYNACK_LADDER_NEVER);
    CHECK_EQ(s->marks, SYNACK_LADDER_LOST);
    s = synack_ladder_segment(l, 2);
    CHECK_EQ(s->arrived_at, 31 * MS);
    CHECK_EQ(s->marks, 0);
    s = synack_ladder_segment(l, 3);
    CHECK_EQ(s->number, 4);
    CHECK_EQ(s->sent_at, 21 * MS);
    CHECK_EQ(s->arrived_at, 35 * MS);
    CHECK_EQ(s->marks, SYNACK_LADDER_DUPLICATE | SYNACK_LADDER_DROPPED);
    CHECK_EQ(s->drop_reason, SYNACK_DROP_TCP_OUT_OF_WINDOW);
    CHECK(!synack_ladder_info(l)->states_inferred);
    CHECK_EQ(synack_ladder_state_count(l), 3);
    CHECK_EQ(synack_ladder_end(l, S)->initial_state, SYNACK_TCP_LISTEN);
    synack_ladder_free(l);
}

/* ---- Renderings -------------------------------------------------------- */

/* The widest line, in columns (code points). */
static int widest(const char *text)
{
    int best = 0, cols = 0;

    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '\n') {
            best = cols > best ? cols : best;
            cols = 0;
        } else if (((unsigned char)*p & 0xc0) != 0x80) {
            cols++;
        }
    }
    return cols > best ? cols : best;
}

/* A bulk transfer of 200 segments and their ACKs, then a loss. */
static struct synack_ladder *bulk(void)
{
    struct seg *segs = calloc(420, sizeof *segs);
    size_t n = 0;
    uint32_t seq = 1001;
    struct synack_ladder *l;

    segs[n++] = (struct seg){C, 0, SYN, 1000, 0, 65535, 0};
    segs[n++] = (struct seg){S, 20 * MS, SYN | ACK, 9000, 1001, 65535, 0};
    for (int i = 0; i < 200; i++) {
        segs[n++] = (struct seg){C, (synack_time_us)(20 + i) * MS, ACK, seq, 9001, 65535, 1000};
        seq += 1000;
        segs[n++] = (struct seg){S, (synack_time_us)(40 + i) * MS, ACK, 9001, seq, 65535, 0};
    }
    segs[n++] = (struct seg){C, 300 * MS, ACK, seq, 9001, 65535, 1000};
    segs[n++] = (struct seg){C, 600 * MS, ACK, seq, 9001, 65535, 1000};
    l = ladder_from_segs(segs, n, NULL);
    free(segs);
    return l;
}

TEST(ladder_summarises_long_runs_in_bands)
{
    struct synack_ladder *l = bulk();
    struct synack_ladder_view v;
    char *svg, *html, *text;

    REQUIRE(l != NULL);
    synack_ladder_view_default(&v);
    svg = render(l, &v, synack_ladder_write_svg);
    REQUIRE(svg != NULL);
    /* Drawn one by one: SYN, SYN,ACK, the segments until the server's line
     * says ESTABLISHED (no band spans a state change), the lost one and
     * its retransmission.  The rest is one band. */
    CHECK_EQ(count(svg, "<g class=\"band\""), 1);
    CHECK_EQ(count(svg, "<g class=\"segment "), 7);
    CHECK_EQ(count(svg, "data-first=\"6\" data-last=\"402\" data-count=\"397\""), 1);
    CHECK_EQ(count(svg, "class=\"segment data retransmission\""), 1);
    CHECK_EQ(count(svg, "class=\"segment data lost\""), 1);
    free(svg);

    html = render(l, &v, synack_ladder_write_html);
    REQUIRE(html != NULL);
    CHECK_EQ(count(html, "<details id=\"band-0\">"), 1);
    CHECK_EQ(count(html, "<g class=\"segment "), 404);  /* the band's 397 drawn in its expansion */
    CHECK_EQ(count(html, "http://") - count(html, "http://www.w3.org/2000/svg"), 0);
    free(html);

    v.collapse = 0;
    svg = render(l, &v, synack_ladder_write_svg);
    REQUIRE(svg != NULL);
    CHECK_EQ(count(svg, "<g class=\"band\""), 0);
    CHECK_EQ(count(svg, "<g class=\"segment "), 404);
    free(svg);

    v.first_segment = 10;
    v.last_segment = 19;
    text = render(l, &v, synack_ladder_write_text);
    REQUIRE(text != NULL);
    CHECK_EQ(count(text, "▶") + count(text, "◀"), 10);
    CHECK(widest(text) <= 80);
    free(text);
    synack_ladder_free(l);
}

/* Long labels (ten-digit numbers, several marks) are cut, never widen the
 * text; a wider view gets wider lines. */
TEST(ladder_text_keeps_to_its_width)
{
    const struct seg segs[] = {
        {C, 0, SYN, 4000000000u, 0, 65535, 0},
        {S, 10 * MS, SYN | ACK, 3000000000u, 4000000001u, 65535, 0},
        {C, 20 * MS, ACK | PSH, 4000000001u, 3000000001u, 0, 1448},
        {C, 20 * MS, ACK | PSH, 4000000001u, 3000000001u, 0, 1448},
    };
    struct synack_ladder *l = ladder_from_segs(segs, 4, NULL);
    struct synack_ladder_view v;
    char *text;

    REQUIRE(l != NULL);
    synack_ladder_view_default(&v);
    text = render(l, &v, synack_ladder_write_text);
    REQUIRE(text != NULL);
    if (getenv("LADDER_DEBUG"))
        fputs(text, stderr);
    CHECK(widest(text) <= 80);
    CHECK_EQ(count(text, "─ [rexmit] [win 0] ─"), 1);
    CHECK_EQ(count(text, "✕ [win 0] [lost]"), 1);
    free(text);
    v.columns = 120;
    text = render(l, &v, synack_ladder_write_text);
    REQUIRE(text != NULL);
    CHECK(widest(text) <= 120);
    CHECK(widest(text) > 80);
    CHECK_EQ(count(text, "ACK,PSH seq=4000000001 ack=3000000001 len=1448"), 2);
    free(text);
    synack_ladder_free(l);
}

/* Two long IPv6 endpoints do not fit one 80-column line: the right one
 * gets a line of its own, and neither is cut. */
TEST(ladder_text_long_ipv6_endpoints)
{
    const struct seg segs[] = {
        {C, 0, SYN, 1000, 0, 65535, 0},
        {S, 10 * MS, SYN | ACK, 8000, 1001, 65535, 0},
        {C, 20 * MS, ACK, 1001, 8001, 65535, 0},
    };
    struct synack_addr a, z;
    REQUIRE(synack_addr_parse("fd00:5ac::1111:2222:3333:4444", &a) == 0);
    REQUIRE(synack_addr_parse("fd00:5ac::5555:6666:7777:8888", &z) == 0);
    struct synack_ladder *l = ladder_from_segs_between(segs, 3, NULL, a, z);
    struct synack_ladder_view v;
    REQUIRE(l != NULL);
    synack_ladder_view_default(&v);
    char *text = render(l, &v, synack_ladder_write_text);
    REQUIRE(text != NULL);
    if (getenv("LADDER_DEBUG"))
        fputs(text, stderr);
    CHECK(widest(text) <= 80);
    CHECK_EQ(count(text, "[fd00:5ac::1111:2222:3333:4444]:40000"), 1);
    CHECK_EQ(count(text, "[fd00:5ac::5555:6666:7777:8888]:80\n"), 1);   /* against the right edge */
    CHECK_EQ(count(text, "…"), 0);
    free(text);
    /* Wide enough, they share a line again. */
    v.columns = 120;
    text = render(l, &v, synack_ladder_write_text);
    REQUIRE(text != NULL);
    CHECK_EQ(count(text, "[fd00:5ac::1111:2222:3333:4444]:40000 "), 1);
    free(text);
    synack_ladder_free(l);
}

/* ---- More views on the HTML page ------------------------------------------ */

static int write_hello(void *ctx, FILE *out)
{
    fprintf(out, "<p id=\"%s-p\">hello</p>\n", (const char *)ctx);
    return 0;
}

static int write_fails(void *ctx, FILE *out)
{
    (void)ctx;
    fputs("<p>half</p>\n", out);
    return -SYNACK_ENOMEM;
}

/* Each section gets a tab after the diagram's and a panel after the
 * diagram, before the details panel; bad ids write nothing. */
TEST(ladder_html_sections_in_tabs)
{
    struct synack_ladder *l = bulk();
    struct synack_ladder_section sec[2] = {
        {.id = "tseq", .title = "Time & sequence", .write = write_hello, .ctx = "tseq"},
        {.id = "rtt", .title = "RTT", .write = write_hello, .ctx = "rtt"},
    };
    struct synack_ladder_section bad = {.id = "ladder", .title = "x", .write = write_hello, .ctx = "x"};
    char *html = NULL;
    size_t len = 0;
    FILE *f;

    REQUIRE(l != NULL);
    f = open_memstream(&html, &len);
    REQUIRE(f != NULL);
    CHECK_EQ(synack_ladder_write_html_sections(l, NULL, sec, 2, f), 0);
    fclose(f);
    REQUIRE(html != NULL);
    CHECK_EQ(count(html, "role=\"tab\""), 3);
    CHECK_EQ(count(html, "<button type=\"button\" role=\"tab\" id=\"tab-tseq\" aria-controls=\"view-tseq\""), 1);
    CHECK_EQ(count(html, ">Time &amp; sequence</button>"), 1);
    CHECK_EQ(count(html, "<section id=\"view-rtt\" class=\"view-section\""), 1);
    CHECK_EQ(count(html, "<p id=\"tseq-p\">hello</p>"), 1);
    {
        const char *diagram = strstr(html, "<div id=\"diagram\">"), *tseq = strstr(html, "<section id=\"view-tseq\"");
        const char *rtt = strstr(html, "<section id=\"view-rtt\""), *aside = strstr(html, "<aside id=\"details\"");
        CHECK(diagram && tseq && rtt && aside && diagram < tseq && tseq < rtt && rtt < aside);
    }
    free(html);
    html = NULL;

    /* Without sections: no tabs, as before. */
    f = open_memstream(&html, &len);
    REQUIRE(f != NULL);
    CHECK_EQ(synack_ladder_write_html_sections(l, NULL, NULL, 0, f), 0);
    fclose(f);
    CHECK_EQ(count(html, "view-tabs\" role"), 0);
    CHECK_EQ(count(html, "<section id=\"view-"), 0);
    free(html);
    html = NULL;

    /* Refused: a reserved id, a duplicate, markup in an id. */
    f = open_memstream(&html, &len);
    REQUIRE(f != NULL);
    CHECK_EQ(synack_ladder_write_html_sections(l, NULL, &bad, 1, f), -SYNACK_EINVAL);
    sec[1].id = "tseq";
    CHECK_EQ(synack_ladder_write_html_sections(l, NULL, sec, 2, f), -SYNACK_EINVAL);
    sec[1].id = "a\"><script>";
    CHECK_EQ(synack_ladder_write_html_sections(l, NULL, sec, 2, f), -SYNACK_EINVAL);
    fclose(f);
    CHECK_EQ(len, 0);
    free(html);
    html = NULL;

    /* A section that fails: the page is finished, the error returned. */
    sec[1] = (struct synack_ladder_section){.id = "cwnd", .title = "cwnd", .write = write_fails};
    f = open_memstream(&html, &len);
    REQUIRE(f != NULL);
    CHECK_EQ(synack_ladder_write_html_sections(l, NULL, sec, 2, f), -SYNACK_ENOMEM);
    fclose(f);
    CHECK(strstr(html, "</html>") != NULL);
    free(html);
    synack_ladder_free(l);
}
