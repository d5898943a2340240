/* test_conn_index.c — the connection index (synack/conn_index.h): the
 * textbook exchange as one connection with the right counts and state,
 * retransmissions of every kind, the end states, tuples reused, sequence
 * numbers that wrap, packets cut by the snapshot length, replay of one
 * connection, IPv6 (the textbook exchange and the snapshot length again,
 * and IPv4 and IPv6 connections on the same ports kept apart), and a fuzz
 * pass over corrupted captures. */
#include "test.h"

#include <stdlib.h>

#include "capture_util.h"
#include "synack/conn_index.h"
#include "synack/errors.h"
#include "synack/pcap.h"

/* The tests run over IPv4 unless they set this (and set it back). */
static bool use_v6;

#define CLIENT_ADDR (use_v6 ? cap_v6(1) : synack_addr_v4(198, 18, 0, 1))
#define SERVER_ADDR (use_v6 ? cap_v6(2) : synack_addr_v4(198, 18, 0, 2))

#define SYN TCP_SYN
#define ACK TCP_ACK
#define FIN TCP_FIN
#define RST TCP_RST
#define PSH TCP_PSH

/* A segment of the capture being written: direction, flags, seq, ack, len. */
struct step {
    bool from_server;
    uint8_t flags;
    uint32_t seq, ack, len;
    synack_time_us at;
    uint16_t client_port;        /* 0: 49152 */
};

#define C2S(f, s, a, l, t) {false, (f), (s), (a), (l), (t), 0}
#define S2C(f, s, a, l, t) {true, (f), (s), (a), (l), (t), 0}

static size_t step_packet(uint8_t *buf, const struct step *st)
{
    uint16_t cport = st->client_port ? st->client_port : 49152;
    struct seg s = {.src = st->from_server ? SERVER_ADDR : CLIENT_ADDR,
                    .dst = st->from_server ? CLIENT_ADDR : SERVER_ADDR,
                    .sport = st->from_server ? 80 : cport,
                    .dport = st->from_server ? cport : 80,
                    .seq = st->seq, .ack = st->ack, .flags = st->flags, .len = st->len,
                    .mss = (st->flags & SYN) ? (st->from_server ? 1024 : 1460) : 0};
    return seg_build(buf, &s);
}

/* Writes the steps as a capture (synack's own pcap writer) to path. */
static bool write_steps(const char *path, const struct step *steps, size_t n)
{
    struct synack_pcap *w = synack_pcap_open(path);
    if (!w)
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t buf[1600];
        size_t len = step_packet(buf, &steps[i]);
        synack_pcap_write(w, steps[i].at, buf, len);
    }
    return synack_pcap_close(w) == 0;
}

/* Builds the index of the steps; NULL (with a failed check) on error. */
static struct synack_conn_index *index_steps(const struct step *steps, size_t n, char *path, size_t pathlen)
{
    if (!cap_temp_path(path, pathlen) || !write_steps(path, steps, n)) {
        test_fail(__FILE__, __LINE__, "cannot write the capture");
        return NULL;
    }
    struct synack_conn_index *ix;
    char err[256];
    int rc = synack_conn_index_build(path, &ix, err, sizeof err);
    if (rc < 0) {
        test_fail(__FILE__, __LINE__, "build: %s", err);
        return NULL;
    }
    return ix;
}

static const char *end_text(const struct synack_conn_summary *c)
{
    static char buf[64];
    return synack_conn_end_text(c, buf, sizeof buf);
}

/* The canonical exchange (DESIGN.md), as `synack demo` runs it: client ISN
 * 1000, server ISN 8000, 20 bytes up, 10 down, four-way close.
 *
 *  #  client                                   server
 *  1  SYN 1000                          -->
 *  2                                    <--    SYN,ACK 8000 ack 1001
 *  3  ACK 1001 ack 8001                 -->
 *  4  ACK,PSH 1001 ack 8001, 20 bytes   -->
 *  5                                    <--    ACK,PSH 8001 ack 1021, 10 bytes
 *  6  ACK 1021 ack 8011                 -->
 *  7  FIN,ACK 1021 ack 8011             -->
 *  8                                    <--    ACK 8011 ack 1022
 *  9                                    <--    FIN,ACK 8011 ack 1022
 * 10  ACK 1022 ack 8012                 -->
 */
static const struct step textbook[] = {
    C2S(SYN, 1000, 0, 0, 0),
    S2C(SYN | ACK, 8000, 1001, 0, 20000),
    C2S(ACK, 1001, 8001, 0, 40000),
    C2S(ACK | PSH, 1001, 8001, 20, 40000),
    S2C(ACK | PSH, 8001, 1021, 10, 60000),
    C2S(ACK, 1021, 8011, 0, 280000),
    C2S(FIN | ACK, 1021, 8011, 0, 1040000),
    S2C(ACK, 8011, 1022, 0, 1260000),
    S2C(FIN | ACK, 8011, 1022, 0, 2040000),
    C2S(ACK, 1022, 8012, 0, 2060000),
};

static void textbook_exchange(void)
{
    char path[64];
    struct synack_conn_index *ix = index_steps(textbook, 10, path, sizeof path);
    REQUIRE(ix);
    REQUIRE(synack_conn_index_count(ix) == 1);
    const struct synack_conn_summary *c = synack_conn_index_get(ix, 0);
    CHECK(synack_conn_index_get(ix, 1) == NULL);
    struct synack_endpoint client = synack_endpoint_make(CLIENT_ADDR, 49152);
    struct synack_endpoint server = synack_endpoint_make(SERVER_ADDR, 80);
    CHECK(synack_endpoint_equal(&c->client, &client));
    CHECK(synack_endpoint_equal(&c->server, &server));
    CHECK(c->client_sent_syn);
    CHECK_EQ(c->index, 0);
    CHECK_EQ(c->first_time, 0);
    CHECK_EQ(c->last_time, 2060000);
    CHECK_EQ(c->first_packet, 1);
    CHECK_EQ(c->last_packet, 10);
    CHECK_EQ(c->packets, 10);
    const struct synack_conn_flow *up = &c->flow[SYNACK_CONN_FROM_CLIENT], *down = &c->flow[SYNACK_CONN_FROM_SERVER];
    CHECK_EQ(up->packets, 6);
    CHECK_EQ(down->packets, 4);
    CHECK_EQ(up->bytes, 20);
    CHECK_EQ(down->bytes, 10);
    CHECK_EQ(up->retransmissions, 0);
    CHECK_EQ(down->retransmissions, 0);
    CHECK(up->syn && up->fin && !up->rst);
    CHECK(down->syn && down->fin && !down->rst);
    CHECK_EQ(up->isn, 1000);
    CHECK_EQ(down->isn, 8000);
    CHECK_EQ(c->end, SYNACK_CONN_CLOSED);
    CHECK_EQ(c->first_fin_by, SYNACK_CONN_FROM_CLIENT);
    CHECK_STR_EQ(end_text(c), "CLOSED (FIN both ways)");
    CHECK_STR_EQ(synack_conn_end_name(c->end), "CLOSED");
    size_t n;
    const uint64_t *numbers = synack_conn_index_packets(ix, 0, &n);
    REQUIRE(n == 10);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ(numbers[i], i + 1);
    const struct synack_conn_index_stats *st = synack_conn_index_stats(ix);
    CHECK_EQ(st->tcp_packets, 10);
    CHECK_EQ(st->capture.records, 10);
    CHECK_EQ(st->malformed + st->other_ip + st->truncated_tcp, 0);
    CHECK_STR_EQ(synack_conn_index_path(ix), path);

    /* Replay: the same ten segments, directions and relative numbers. */
    struct synack_conn_replay *r;
    char err[256];
    REQUIRE(synack_conn_replay_open(ix, 0, &r, err, sizeof err) == 0);
    struct synack_conn_packet p;
    static const int64_t rel_seq[10] = {0, 0, 1, 1, 1, 21, 21, 11, 11, 22};
    static const int64_t rel_ack[10] = {0, 1, 1, 1, 21, 11, 11, 22, 22, 12};
    size_t i = 0;
    int rc;
    while ((rc = synack_conn_replay_next(r, &p, err, sizeof err)) == 1) {
        REQUIRE(i < 10);
        CHECK_EQ(p.cap.number, i + 1);
        CHECK_EQ(p.seq_index, i);
        CHECK_EQ(p.from, textbook[i].from_server ? SYNACK_CONN_FROM_SERVER : SYNACK_CONN_FROM_CLIENT);
        CHECK_EQ(p.info.seq, textbook[i].seq);
        CHECK_EQ(p.info.flags, textbook[i].flags);
        CHECK_EQ(p.info.payload_len, textbook[i].len);
        CHECK_EQ(p.cap.when, textbook[i].at);
        CHECK_EQ(p.new_bytes, textbook[i].len);
        CHECK(!p.retransmission && !p.keepalive && !p.truncated);
        CHECK_EQ(p.rel_seq, rel_seq[i]);
        if (p.info.flags & ACK)
            CHECK_EQ(p.rel_ack, rel_ack[i]);
        i++;
    }
    CHECK_EQ(rc, 0);
    CHECK_EQ(i, 10);
    synack_conn_replay_close(r);
    CHECK_EQ(synack_conn_replay_open(ix, 1, &r, err, sizeof err), -SYNACK_EINVAL);
    CHECK_STR_EQ(err, "no connection 1 (the capture has 1)");
    CHECK_EQ(st->capture.ipv6, use_v6 ? 10 : 0);
    synack_conn_index_free(ix);
    remove(path);
}

TEST(index_textbook_exchange_is_one_connection)
{
    textbook_exchange();
}

TEST(index_textbook_exchange_over_ipv6)
{
    use_v6 = true;
    textbook_exchange();
    use_v6 = false;
}

/* The textbook exchange over IPv4 and again over IPv6, the same ports and
 * times, packets interleaved: two connections, each with its own. */
TEST(index_keeps_ipv4_and_ipv6_apart)
{
    char path[64];
    REQUIRE(cap_temp_path(path, sizeof path));
    struct synack_pcap *w = synack_pcap_open(path);
    REQUIRE(w);
    for (size_t i = 0; i < 10; i++) {
        for (int v = 0; v <= 1; v++) {
            uint8_t buf[1600];
            use_v6 = v;
            size_t len = step_packet(buf, &textbook[i]);
            synack_pcap_write(w, textbook[i].at, buf, len);
        }
    }
    use_v6 = false;
    REQUIRE(synack_pcap_close(w) == 0);
    struct synack_conn_index *ix;
    char err[256];
    REQUIRE(synack_conn_index_build(path, &ix, err, sizeof err) == 0);
    REQUIRE(synack_conn_index_count(ix) == 2);
    for (size_t k = 0; k < 2; k++) {
        const struct synack_conn_summary *c = synack_conn_index_get(ix, k);
        CHECK_EQ(c->client.addr.family, k == 0 ? SYNACK_AF_INET : SYNACK_AF_INET6);
        CHECK_EQ(c->packets, 10);
        CHECK_EQ(c->flow[SYNACK_CONN_FROM_CLIENT].bytes, 20);
        CHECK_EQ(c->flow[SYNACK_CONN_FROM_SERVER].bytes, 10);
        CHECK_EQ(c->flow[SYNACK_CONN_FROM_CLIENT].retransmissions, 0);
        CHECK_EQ(c->end, SYNACK_CONN_CLOSED);
        CHECK_EQ(c->first_packet, k + 1);
    }
    CHECK_EQ(synack_conn_index_stats(ix)->capture.ipv6, 10);
    synack_conn_index_free(ix);
    remove(path);
}

/* The three-way close: the server's ACK and FIN leave as one FIN,ACK. */
TEST(index_three_way_close)
{
    static const struct step steps[] = {
        C2S(SYN, 1000, 0, 0, 0),
        S2C(SYN | ACK, 8000, 1001, 0, 1),
        C2S(ACK, 1001, 8001, 0, 2),
        C2S(ACK | PSH, 1001, 8001, 20, 3),
        S2C(ACK | PSH, 8001, 1021, 10, 4),
        C2S(FIN | ACK, 1021, 8011, 0, 5),
        S2C(FIN | ACK, 8011, 1022, 0, 6),
        C2S(ACK, 1022, 8012, 0, 7),
    };
    char path[64];
    struct synack_conn_index *ix = index_steps(steps, 8, path, sizeof path);
    REQUIRE(ix);
    REQUIRE(synack_conn_index_count(ix) == 1);
    const struct synack_conn_summary *c = synack_conn_index_get(ix, 0);
    CHECK_EQ(c->flow[0].bytes, 20);
    CHECK_EQ(c->flow[1].bytes, 10);
    CHECK_EQ(c->end, SYNACK_CONN_CLOSED);
    synack_conn_index_free(ix);
    remove(path);
}

/*  client                                   server
 *  SYN 1000                          -->
 *  SYN 1000 (again: no answer yet)   -->                       retransmission
 *                                    <--    SYN,ACK 8000 ack 1001
 *  ACK                               -->
 *  1001:1101                         -->
 *  1101:1201  (lost before the capture point? no: seen)  -->
 *  1201:1301                         -->
 *  1101:1201  again                  -->                       retransmission, 0 new
 *  1151:1351  overlaps 50 old + 50 old + 50 new ... see below   retransmission, 50 new
 *                                    <--    ACK 1351
 *  keepalive 1350, 0 bytes           -->                       keepalive
 *  keepalive 1350, 1 byte            -->                       keepalive
 *  FIN 1351                          -->
 *  FIN 1351 again                    -->                       retransmission
 *                                    <--    RST 8001            reset by the server
 */
TEST(index_counts_retransmissions_and_keepalives)
{
    static const struct step steps[] = {
        C2S(SYN, 1000, 0, 0, 0),
        C2S(SYN, 1000, 0, 0, 1000000),
        S2C(SYN | ACK, 8000, 1001, 0, 1000100),
        C2S(ACK, 1001, 8001, 0, 1000200),
        C2S(ACK, 1001, 8001, 100, 1000300),
        C2S(ACK, 1101, 8001, 100, 1000300),
        C2S(ACK, 1201, 8001, 100, 1000300),
        C2S(ACK, 1101, 8001, 100, 1200000),
        C2S(ACK, 1151, 8001, 200, 1400000),
        S2C(ACK, 8001, 1351, 0, 1400100),
        C2S(ACK, 1350, 8001, 0, 9000000),
        C2S(ACK, 1350, 8001, 1, 9100000),
        C2S(FIN | ACK, 1351, 8001, 0, 9200000),
        C2S(FIN | ACK, 1351, 8001, 0, 9400000),
        S2C(RST, 8001, 0, 0, 9400100),
    };
    char path[64];
    struct synack_conn_index *ix = index_steps(steps, sizeof steps / sizeof steps[0], path, sizeof path);
    REQUIRE(ix);
    REQUIRE(synack_conn_index_count(ix) == 1);
    const struct synack_conn_summary *c = synack_conn_index_get(ix, 0);
    const struct synack_conn_flow *up = &c->flow[SYNACK_CONN_FROM_CLIENT];
    CHECK_EQ(up->packets, 12);
    CHECK_EQ(up->bytes, 350);
    CHECK_EQ(up->retransmissions, 4);             /* SYN, 1101 whole, 1151 partly, FIN */
    CHECK_EQ(up->retransmitted_bytes, 100 + 150);
    CHECK_EQ(up->keepalives, 2);
    CHECK_EQ(c->flow[1].retransmissions, 0);
    CHECK_EQ(c->end, SYNACK_CONN_RESET);
    CHECK_EQ(c->reset_by, SYNACK_CONN_FROM_SERVER);
    CHECK_STR_EQ(end_text(c), "RESET by server");

    /* The replay marks the same segments. */
    struct synack_conn_replay *r;
    char err[256];
    REQUIRE(synack_conn_replay_open(ix, 0, &r, err, sizeof err) == 0);
    struct synack_conn_packet p;
    static const bool rexmit[15] = {0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0};
    static const bool keepalive[15] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0};
    static const uint32_t fresh[15] = {0, 0, 0, 0, 100, 100, 100, 0, 50, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    while (synack_conn_replay_next(r, &p, err, sizeof err) == 1 && i < 15) {
        if (p.retransmission != rexmit[i] || p.keepalive != keepalive[i] || p.new_bytes != fresh[i])
            test_fail(__FILE__, __LINE__, "segment %zu: retransmission %d keepalive %d new %u", i, p.retransmission,
                      p.keepalive, p.new_bytes);
        i++;
    }
    CHECK_EQ(i, 15);
    synack_conn_replay_close(r);
    synack_conn_index_free(ix);
    remove(path);
}

/* How connections end, one connection each (client ports 1000 + i). */
TEST(index_end_states)
{
    struct step steps[64];
    size_t n = 0;
#define ADD(port, from_server, f, s, a, l) \
    steps[n++] = (struct step){(from_server), (f), (s), (a), (l), (synack_time_us)n * 1000, (port)}
    /* 1000: SYN, SYN again, nothing back. */
    ADD(1000, false, SYN, 1, 0, 0);
    ADD(1000, false, SYN, 1, 0, 0);
    /* 1001: refused. */
    ADD(1001, false, SYN, 1, 0, 0);
    ADD(1001, true, RST | ACK, 0, 2, 0);
    /* 1002: SYN, SYN,ACK, nothing more. */
    ADD(1002, false, SYN, 1, 0, 0);
    ADD(1002, true, SYN | ACK, 500, 2, 0);
    /* 1003: established, data, open. */
    ADD(1003, false, SYN, 1, 0, 0);
    ADD(1003, true, SYN | ACK, 500, 2, 0);
    ADD(1003, false, ACK, 2, 501, 5);
    /* 1004: the server closed its half. */
    ADD(1004, false, SYN, 1, 0, 0);
    ADD(1004, true, SYN | ACK, 500, 2, 0);
    ADD(1004, false, ACK, 2, 501, 0);
    ADD(1004, true, FIN | ACK, 501, 2, 0);
    /* 1005: reset by the client after the handshake. */
    ADD(1005, false, SYN, 1, 0, 0);
    ADD(1005, true, SYN | ACK, 500, 2, 0);
    ADD(1005, false, ACK, 2, 501, 0);
    ADD(1005, false, RST | ACK, 2, 501, 0);
    /* 1006: the capture joined mid-stream: the first sender is the client. */
    ADD(1006, true, ACK, 7000, 3000, 100);
    ADD(1006, false, ACK, 3000, 7100, 0);
    /* 1007: only the SYN,ACK was caught: its receiver is the client. */
    ADD(1007, true, SYN | ACK, 500, 2, 0);
    ADD(1007, false, ACK, 2, 501, 3);
    /* 1008: FINs both ways, then a stray RST: still a clean close. */
    ADD(1008, false, SYN, 1, 0, 0);
    ADD(1008, true, SYN | ACK, 500, 2, 0);
    ADD(1008, false, FIN | ACK, 2, 501, 0);
    ADD(1008, true, FIN | ACK, 501, 3, 0);
    ADD(1008, false, RST, 3, 0, 0);
#undef ADD
    char path[64];
    struct synack_conn_index *ix = index_steps(steps, n, path, sizeof path);
    REQUIRE(ix);
    REQUIRE(synack_conn_index_count(ix) == 9);
    static const char *const want[9] = {
        "SYN_SENT (no answer)", "RESET (refused)", "SYN_RECEIVED (handshake not completed)",
        "ESTABLISHED (open)", "HALF_CLOSED (FIN from server)", "RESET by client",
        "ESTABLISHED (open; handshake not captured)", "ESTABLISHED (open)", "CLOSED (FIN both ways)",
    };
    for (size_t i = 0; i < 9; i++) {
        const struct synack_conn_summary *c = synack_conn_index_get(ix, i);
        CHECK_EQ(c->index, i);
        CHECK_EQ(c->client.port, (i == 6 ? 80 : 1000 + i));
        CHECK_STR_EQ(end_text(c), want[i]);
    }
    CHECK_EQ(synack_conn_index_get(ix, 0)->flow[0].retransmissions, 1);
    CHECK(!synack_conn_index_get(ix, 6)->client_sent_syn);
    CHECK_EQ(synack_conn_index_get(ix, 6)->flow[0].bytes, 100);   /* the server, first sender, is "client" */
    CHECK(!synack_conn_index_get(ix, 7)->client_sent_syn);
    CHECK_EQ(synack_conn_index_get(ix, 7)->client.port, 1007);
    CHECK_EQ(synack_conn_index_get(ix, 7)->flow[0].bytes, 3);
    synack_conn_index_free(ix);
    remove(path);
}

/* A tuple used again: after a close, and by a new attempt with a new ISN;
 * not by a repeated SYN nor by the other side's SYN (simultaneous open).
 * Connections interleave in the file and keep their own packets. */
TEST(index_tuple_reuse_and_interleaving)
{
    static const struct step steps[] = {
        C2S(SYN, 1000, 0, 0, 0),                        /* conn 0 */
        {false, SYN, 5000, 0, 0, 1, 2000},              /* conn 1, another port */
        S2C(SYN | ACK, 8000, 1001, 0, 2),
        C2S(FIN | ACK, 1001, 8001, 0, 3),
        S2C(FIN | ACK, 8001, 1002, 0, 4),
        C2S(ACK, 1002, 8002, 0, 5),
        C2S(SYN, 90000, 0, 0, 6),                       /* conn 2: after the close */
        C2S(SYN, 90000, 0, 0, 7),                       /*   its SYN again */
        C2S(SYN, 123456, 0, 0, 8),                      /* conn 3: a new ISN, no answer yet */
        S2C(SYN, 777, 0, 0, 9),                         /*   simultaneous open */
        {true, ACK, 4000, 5001, 0, 10, 2000},           /* conn 1 again */
    };
    char path[64];
    struct synack_conn_index *ix = index_steps(steps, sizeof steps / sizeof steps[0], path, sizeof path);
    REQUIRE(ix);
    REQUIRE(synack_conn_index_count(ix) == 4);
    static const uint64_t want0[] = {1, 3, 4, 5, 6}, want1[] = {2, 11}, want2[] = {7, 8}, want3[] = {9, 10};
    static const uint64_t *const want[4] = {want0, want1, want2, want3};
    static const size_t want_n[4] = {5, 2, 2, 2};
    for (size_t i = 0; i < 4; i++) {
        size_t n;
        const uint64_t *numbers = synack_conn_index_packets(ix, i, &n);
        CHECK_EQ(n, want_n[i]);
        CHECK_EQ(synack_conn_index_get(ix, i)->packets, want_n[i]);
        for (size_t k = 0; k < n && k < want_n[i]; k++)
            CHECK_EQ(numbers[k], want[i][k]);
    }
    CHECK_EQ(synack_conn_index_get(ix, 0)->end, SYNACK_CONN_CLOSED);
    CHECK_EQ(synack_conn_index_get(ix, 2)->flow[0].retransmissions, 1);
    CHECK_EQ(synack_conn_index_get(ix, 3)->flow[1].syn, true);
    CHECK_EQ(synack_conn_index_get(ix, 1)->client.port, 2000);

    /* Replaying connection 1 skips the others' packets. */
    struct synack_conn_replay *r;
    char err[256];
    REQUIRE(synack_conn_replay_open(ix, 1, &r, err, sizeof err) == 0);
    struct synack_conn_packet p;
    CHECK_EQ(synack_conn_replay_next(r, &p, err, sizeof err), 1);
    CHECK_EQ(p.cap.number, 2);
    CHECK_EQ(p.from, SYNACK_CONN_FROM_CLIENT);
    CHECK_EQ(synack_conn_replay_next(r, &p, err, sizeof err), 1);
    CHECK_EQ(p.cap.number, 11);
    CHECK_EQ(p.from, SYNACK_CONN_FROM_SERVER);
    CHECK_EQ(synack_conn_replay_next(r, &p, err, sizeof err), 0);
    synack_conn_replay_close(r);
    synack_conn_index_free(ix);
    remove(path);
}

/* Sequence numbers that wrap past 2^32 are unwrapped before they count. */
TEST(index_sequence_wrap)
{
    const uint32_t c0 = 0xffffff80u, s0 = 0xfffffff0u;   /* ISNs: both sides' data cross 2^32 */
    const struct step steps[] = {
        C2S(SYN, c0, 0, 0, 0),
        S2C(SYN | ACK, s0, c0 + 1, 0, 1),
        C2S(ACK, c0 + 1, s0 + 1, 200, 2),
        S2C(ACK, s0 + 1, c0 + 201, 1000, 3),
        C2S(ACK, c0 + 1, s0 + 1001, 200, 4),                /* the 200 again */
        C2S(ACK, c0 + 201, s0 + 1001, 100, 5),
    };
    char path[64];
    struct synack_conn_index *ix = index_steps(steps, sizeof steps / sizeof steps[0], path, sizeof path);
    REQUIRE(ix);
    REQUIRE(synack_conn_index_count(ix) == 1);
    const struct synack_conn_summary *c = synack_conn_index_get(ix, 0);
    CHECK_EQ(c->flow[0].bytes, 300);
    CHECK_EQ(c->flow[0].retransmissions, 1);
    CHECK_EQ(c->flow[1].bytes, 1000);
    struct synack_conn_replay *r;
    char err[256];
    REQUIRE(synack_conn_replay_open(ix, 0, &r, err, sizeof err) == 0);
    struct synack_conn_packet p;
    static const int64_t rel_seq[6] = {0, 0, 1, 1, 1, 201};
    for (size_t i = 0; i < 6; i++) {
        REQUIRE(synack_conn_replay_next(r, &p, err, sizeof err) == 1);
        CHECK_EQ(p.rel_seq, rel_seq[i]);
    }
    CHECK_EQ(p.rel_ack, 1001);
    synack_conn_replay_close(r);
    synack_conn_index_free(ix);
    remove(path);
}

/* A capture with snaplen 96 (Ethernet): headers only, yet the payload
 * lengths count, from the IPv4 total length (or the IPv6 payload length).
 * Non-TCP packets and malformed ones are counted apart. */
static void snaplen_cut_and_other_packets(void)
{
    struct bytes b = {.big = true};
    pcap_file_header(&b, true, 96, 1);
    for (size_t i = 0; i < 10; i++) {
        uint8_t pkt[1600], frame[1700] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, use_v6 ? 0x86 : 0x08, use_v6 ? 0xdd : 0x00};
        size_t len = step_packet(pkt, &textbook[i]);
        /* Fatten the data segments so that the snapshot length cuts them. */
        if (textbook[i].len) {
            struct step fat = textbook[i];
            fat.len *= 10;
            len = step_packet(pkt, &fat);
        }
        memcpy(frame + 14, pkt, len);
        uint32_t cap = (uint32_t)(14 + len) < 96 ? (uint32_t)(14 + len) : 96;
        pcap_record(&b, 1, (uint32_t)i, frame, cap, (uint32_t)(14 + len));
    }
    uint8_t udp[128], frame[160] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
    size_t len = udp_build(udp, synack_addr_v4(198, 18, 0, 1), synack_addr_v4(198, 18, 0, 2), 20);
    memcpy(frame + 14, udp, len);
    pcap_record(&b, 2, 0, frame, (uint32_t)(14 + len), (uint32_t)(14 + len));
    frame[14 + 10] ^= 0xff;                              /* a bad IPv4 header checksum */
    pcap_record(&b, 2, 1, frame, (uint32_t)(14 + len), (uint32_t)(14 + len));
    char path[64];
    REQUIRE(cap_temp_path(path, sizeof path));
    REQUIRE(cap_write_file(path, b.d, b.n));
    bytes_free(&b);
    struct synack_conn_index *ix;
    char err[256];
    REQUIRE(synack_conn_index_build(path, &ix, err, sizeof err) == 0);
    REQUIRE(synack_conn_index_count(ix) == 1);
    const struct synack_conn_summary *c = synack_conn_index_get(ix, 0);
    CHECK_EQ(c->flow[0].bytes, 200);
    CHECK_EQ(c->flow[1].bytes, 100);
    CHECK_EQ(c->end, SYNACK_CONN_CLOSED);
    const struct synack_conn_index_stats *st = synack_conn_index_stats(ix);
    CHECK_EQ(st->tcp_packets, 10);
    CHECK_EQ(st->truncated_tcp, 2);
    CHECK_EQ(st->other_ip, 1);
    CHECK_EQ(st->malformed, 1);
    CHECK_EQ(st->capture.records, 12);
    struct synack_conn_replay *r;
    REQUIRE(synack_conn_replay_open(ix, 0, &r, err, sizeof err) == 0);
    struct synack_conn_packet p;
    for (int i = 0; i < 4; i++)
        REQUIRE(synack_conn_replay_next(r, &p, err, sizeof err) == 1);
    CHECK(p.truncated);
    CHECK_EQ(p.info.payload_len, 200);
    CHECK_EQ(p.cap.ip_len, 96 - 14);
    CHECK_EQ(p.new_bytes, 200);
    synack_conn_replay_close(r);
    synack_conn_index_free(ix);
    remove(path);
}

TEST(index_snaplen_cut_and_other_packets)
{
    snaplen_cut_and_other_packets();
}

TEST(index_snaplen_cut_ipv6)
{
    use_v6 = true;
    snaplen_cut_and_other_packets();
    use_v6 = false;
}

/* A truncated file: the build fails with the reader's message. */
TEST(index_reports_a_broken_file)
{
    char path[64];
    REQUIRE(cap_temp_path(path, sizeof path));
    REQUIRE(write_steps(path, textbook, 10));
    FILE *f = fopen(path, "r+b");
    REQUIRE(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    REQUIRE(truncate(path, size - 10) == 0);
    struct synack_conn_index *ix = (struct synack_conn_index *)1;
    char err[256];
    CHECK_EQ(synack_conn_index_build(path, &ix, err, sizeof err), -SYNACK_EINVAL);
    CHECK(ix == NULL);
    CHECK_STR_EQ(err, "packet 10: record truncated (need 40 bytes, file ends after 30)");
    remove(path);
    CHECK_EQ(synack_conn_index_build(path, &ix, err, sizeof err), -SYNACK_ENOENT);
}

/* More holes than the range set holds: bounded, and every first copy
 * counts.  300 segments are sent with every other one missing, then the
 * missing ones arrive. */
TEST(index_many_holes_stay_bounded)
{
    static struct step steps[2 + 600];
    size_t n = 0;
    steps[n++] = (struct step)C2S(SYN, 0, 0, 0, 0);
    steps[n++] = (struct step)S2C(SYN | ACK, 0, 1, 0, 1);
    for (uint32_t i = 0; i < 600; i += 2)
        steps[n++] = (struct step)C2S(ACK, 1 + i * 10, 1, 10, 2 + i);
    for (uint32_t i = 1; i < 600; i += 2)
        steps[n++] = (struct step)C2S(ACK, 1 + i * 10, 1, 10, 2000 + i);
    char path[64];
    struct synack_conn_index *ix = index_steps(steps, n, path, sizeof path);
    REQUIRE(ix);
    const struct synack_conn_summary *c = synack_conn_index_get(ix, 0);
    /* 300 holes, at most 256 ranges: the lowest holes were filled in, so
     * their late segments count as retransmissions. */
    CHECK(c->flow[0].bytes >= 3000);
    CHECK(c->flow[0].bytes <= 6000);
    CHECK_EQ(c->flow[0].bytes + c->flow[0].retransmitted_bytes, 6000);
    CHECK(c->flow[0].retransmissions < 300);
    synack_conn_index_free(ix);
    remove(path);
}

/* ---- Fuzzing ------------------------------------------------------------------------ */

static uint64_t fuzz_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* Indexes a file and replays every connection; errors are fine, crashes
 * and sanitizer reports are not, and the counts must agree. */
static void fuzz_index(const char *path)
{
    struct synack_conn_index *ix;
    char err[256] = "";
    if (synack_conn_index_build(path, &ix, err, sizeof err) < 0) {
        if (!err[0])
            test_fail(__FILE__, __LINE__, "build failed without a message");
        return;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < synack_conn_index_count(ix); i++) {
        const struct synack_conn_summary *c = synack_conn_index_get(ix, i);
        size_t n;
        synack_conn_index_packets(ix, i, &n);
        if (n != c->packets || c->flow[0].packets + c->flow[1].packets != c->packets)
            test_fail(__FILE__, __LINE__, "connection %zu: %zu numbers for %" PRIu64 " packets", i, n, c->packets);
        total += n;
        struct synack_conn_replay *r;
        if (synack_conn_replay_open(ix, i, &r, err, sizeof err) < 0) {
            test_fail(__FILE__, __LINE__, "replay %zu: %s", i, err);
            continue;
        }
        struct synack_conn_packet p;
        size_t k = 0;
        int rc;
        while ((rc = synack_conn_replay_next(r, &p, err, sizeof err)) == 1)
            k++;
        if (rc != 0 || k != n)
            test_fail(__FILE__, __LINE__, "replay %zu: %d after %zu of %zu (%s)", i, rc, k, n, err);
        synack_conn_replay_close(r);
    }
    if (total != synack_conn_index_stats(ix)->tcp_packets)
        test_fail(__FILE__, __LINE__, "%" PRIu64 " packets in connections, %" PRIu64 " TCP", total,
                  synack_conn_index_stats(ix)->tcp_packets);
    synack_conn_index_free(ix);
}

TEST(index_fuzz_corrupted_captures)
{
    /* The seed: the textbook exchange twice on two ports, interleaved. */
    char path[64];
    REQUIRE(cap_temp_path(path, sizeof path));
    struct step steps[20];
    for (size_t i = 0; i < 10; i++) {
        steps[2 * i] = textbook[i];
        steps[2 * i + 1] = textbook[i];
        steps[2 * i + 1].client_port = 50000;
    }
    REQUIRE(write_steps(path, steps, 20));
    FILE *f = fopen(path, "rb");
    REQUIRE(f);
    static uint8_t seed[8192];
    size_t n = fread(seed, 1, sizeof seed, f);
    fclose(f);
    REQUIRE(n > 24 && n < sizeof seed);
    uint64_t state = 0xc0ffee1234567ull;
    const char *env = getenv("SYNACK_FUZZ_ITERATIONS");
    long iterations = env ? atol(env) : 1500;
    static uint8_t buf[8192];
    for (long it = 0; it < iterations; it++) {
        memcpy(buf, seed, n);
        int edits = 1 + (int)(fuzz_next(&state) % 6);
        for (int e = 0; e < edits; e++) {
            uint64_t r = fuzz_next(&state);
            /* Aim mostly at the packets' headers: the first 60 bytes of each. */
            size_t at = 24 + (size_t)(r >> 8) % (n - 24);
            if (r % 3)
                buf[at] ^= (uint8_t)(1u << ((r >> 4) % 8));
            else
                buf[at] = (uint8_t)(r >> 40);
        }
        size_t len = fuzz_next(&state) % 4 == 0 ? (size_t)(fuzz_next(&state) % n) : n;
        if (!cap_write_file(path, buf, len))
            break;
        fuzz_index(path);
    }
    remove(path);
}
