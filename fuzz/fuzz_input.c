/*
 * fuzz_input.c — the whole input path (IPv4 and IPv6, extension headers,
 * reassembly, TCP, UDP, ICMP, ICMPv6) of a stack that has listeners and
 * connections in many states, fed arbitrary packets while time moves and
 * the application acts.
 *
 * The world: stack A (under test, 198.18.0.2) and stack B (its peer,
 * 198.18.0.1), joined by an in-process link the harness pumps; or, with
 * bit 5 of the first byte, the same world in IPv6 (A fd00:5ac::2, B
 * fd00:5ac::1: every socket, connection and packet below is IPv6).  Before the
 * fuzz input runs, A is brought (deterministically, by real exchanges with
 * B) to hold:
 *   listeners: TCP :80 (backlog 4), TCP :81 (backlog 1); UDP :53, and a UDP
 *   socket :5353 connected to B:5353;
 *   connections (A's state): ESTABLISHED with data both ways and some of
 *   it unread and unacknowledged, ESTABLISHED not yet accepted, FIN_WAIT_1
 *   (data and FIN unacknowledged), FIN_WAIT_2, CLOSE_WAIT, LAST_ACK,
 *   TIME_WAIT, SYN_RECEIVED, SYN_SENT, and an active open ESTABLISHED.
 * A's buffers are small (16 KiB) and its tables bounded (64 connections, 8
 * reassembly datagrams) so that limits are reached.
 *
 * The input is a program.  The first byte chooses A's options (bit 0 no
 * timestamps, bit 1 no SACK, bit 2 no window scaling, bit 3 NewReno, bit
 * 4 a connection table with room for two more than the setup makes, so
 * that new SYNs soon meet a full table, bit 5 the IPv6 world); then
 * records, each starting with
 * an op byte whose low 3 bits say what it is:
 *   0, 1  raw IP packet to A: u16 length (mod 4096), then the bytes; op
 *         bit 3 fixes the IP header (total length, checksum), bit 4 the
 *         transport checksum, bit 5 hands it in as checksum-vouched-for
 *         (SYNACK_INPUT_CSUM_VALID);
 *   2, 3  TCP segment from B's side of one of the connections above
 *         (u8 which), with fuzzed flags, window, raw options and payload
 *         and sequence/acknowledgment numbers chosen near the connection's
 *         own (RCV.NXT, SND.UNA, SND.MAX) or raw; checksums right;
 *   4     time moves on (u8: a step from a table, times a multiplier);
 *   5     A's application acts on one of its sockets (u8 which, u8 what:
 *         recv, send, shutdown, close, abort, accept, UDP send/recv,
 *         keepalive on, a new active open);
 *   6     B's application acts (reads all, opens a new connection to A,
 *         sends, shuts down, closes);
 *   7     a UDP datagram to A, or an ICMP error quoting one of the last
 *         packets A sent (possibly damaged), or an ICMP echo request
 *         (ICMPv6 in the IPv6 world, where the fourth kind is a fragment
 *         of a UDP datagram, with extension headers from the input in
 *         front of its fragment header).
 * After every record the link is pumped (both stacks polled, queued
 * packets delivered) and the checks run.  At the end the clock runs on
 * ten virtual minutes so that every timer fires, and the checks run again.
 *
 * Checks (from outside the engine, through the public API):
 *   - every packet either stack sends is well formed (IP, checksums);
 *   - every state change is allowed by RFC 9293's diagram, and each
 *     event's old state is the state the previous event left;
 *   - counters agree: ipInReceives is the packets handed in; every packet
 *     is accounted for once; tcpCurrEstab and the number of connections
 *     the stack holds match the state events;
 *   - each socket A holds: its state matches its events; SND.UNA <=
 *     SND.NXT; bytes unacknowledged fit what the send buffer holds (plus
 *     SYN and FIN); the send and receive queues, the out-of-order bytes
 *     and the advertised window stay within the buffer sizes; a socket
 *     that says READABLE does not answer recv/accept with EAGAIN;
 *   - ASan/UBSan: no memory error, no undefined behaviour, no leak once
 *     both stacks are freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byteorder.h"
#include "checksum.h"
#include "fuzz_util.h"
#include "icmp6.h"
#include "ipv4.h"
#include "ipv6.h"
#include "seq.h"
#include "tcp_wire.h"

/* The world's family, chosen by the input's first byte. */
static bool world_v6;
static struct synack_addr world_addr(uint8_t n)
{
    if (world_v6) {
        uint8_t b[16] = { 0xfd, 0x00, 0x05, 0xac, [15] = n };
        return synack_addr_v6(b);
    }
    return synack_addr_v4(198, 18, 0, n);
}
#define A_ADDR world_addr(2)
#define B_ADDR world_addr(1)
#define BUF_BYTES (16 * 1024)
#define LINK_QUEUE 256
#define MAX_PKT 4096
#define MAX_SOCKS 32
#define MAX_CONNS 32
#define MAX_RECORDS 300
#define TAP 8

struct pkt {
    uint16_t len;
    uint8_t bytes[MAX_PKT];
};

/* One direction of the link: a FIFO of packets waiting to be delivered. */
struct queue {
    struct pkt *p;
    unsigned head, count;
    bool up;              /* false: packets are checked and dropped */
};

struct host {
    struct synack_stack *st;
    struct fz_states states;
    uint64_t packets_in;
    struct queue *out;    /* where its packets go (towards the other host) */
    struct synack_addr other;
    struct pkt *tap;      /* if set, a ring of TAP copies of the latest packets sent */
    unsigned tap_next;
};

/* A connection of A the harness knows, to aim segments at it. */
struct conn {
    struct synack_endpoint a, b;   /* A's end, B's end */
    int a_sock;                    /* A's handle, or -1 (never accepted) */
    int b_sock;                    /* B's handle for the same connection, or -1 */
    uint32_t rcv_nxt, snd_una, snd_max;   /* A's, as last seen */
};

struct world {
    struct host A, B;
    struct queue to_a, to_b;
    synack_time_us now;
    int a_socks[MAX_SOCKS];
    unsigned n_a_socks;
    int b_socks[MAX_SOCKS];
    unsigned n_b_socks;
    struct conn conns[MAX_CONNS];
    unsigned n_conns;
    struct pkt a_out[TAP];         /* the latest packets A sent, for ICMP quotes */
};

static struct pkt *pkt_pool;       /* 2 * LINK_QUEUE packets, allocated once */

static int transmit(void *ctx, const uint8_t *pkt, size_t len)
{
    struct host *h = ctx;
    fz_check_sent_packet(pkt, len);
    FZ_CHECK(len <= MAX_PKT, "sent packet of %zu bytes", len);
    if (h->tap) {
        struct pkt *t = &h->tap[h->tap_next++ % TAP];
        t->len = (uint16_t)len;
        memcpy(t->bytes, pkt, len);
    }
    struct queue *q = h->out;
    /* Only packets to the other host travel; the rest leave for nowhere. */
    bool to_other = h->other.family == SYNACK_AF_INET6 ? len >= IPV6_HEADER_LEN && memcmp(pkt + 24, h->other.bytes, 16) == 0
                                                        : len >= IPV4_HEADER_LEN && memcmp(pkt + 16, h->other.bytes, 4) == 0;
    if (!to_other || !q->up || q->count == LINK_QUEUE)
        return 0;
    struct pkt *slot = &q->p[(q->head + q->count++) % LINK_QUEUE];
    slot->len = (uint16_t)len;
    memcpy(slot->bytes, pkt, len);
    return 0;
}

static void on_trace(void *ctx, const struct synack_trace_event *ev)
{
    struct host *h = ctx;
    fz_states_event(&h->states, ev);
}

/* ISNs: a fixed function of the ports, so that every run is the same. */
static uint32_t isn_hook(void *ctx, const struct synack_endpoint *l, const struct synack_endpoint *r,
                         synack_time_us now)
{
    (void)now;
    uint32_t salt = ctx ? 0x9e3779b9u : 0x7f4a7c15u;
    return (uint32_t)(l->port * 2654435761u) ^ (uint32_t)(r->port * 40503u) ^ salt;
}

static void host_init(struct host *h, const char *name, struct synack_addr addr, struct synack_addr other,
                      struct queue *out, uint8_t variant, bool is_a)
{
    memset(h, 0, sizeof *h);
    struct synack_config cfg;
    synack_config_default(&cfg);
    cfg.name = name;
    cfg.secret = is_a ? 0x5eed : 0xbeef;
    cfg.isn_hook = isn_hook;
    cfg.isn_hook_ctx = is_a ? (void *)h : NULL;
    cfg.trace = on_trace;
    cfg.trace_ctx = h;
    if (is_a) {
        cfg.sndbuf_bytes = BUF_BYTES;
        cfg.rcvbuf_bytes = BUF_BYTES;
        cfg.timestamps = !(variant & 1);
        cfg.sack = !(variant & 2);
        cfg.window_scaling = !(variant & 4);
        cfg.congestion = (variant & 8) ? SYNACK_CC_NEWRENO : SYNACK_CC_CUBIC;
        /* Bit 4: a connection table just big enough for the setup, so
         * that new SYNs meet a full table (SYN cookies, refusals). */
        cfg.max_connections = (variant & 16) ? 12 : 64;
        cfg.max_sockets = 64;
        cfg.ipfrag_max_datagrams = 8;
        cfg.ipfrag_max_bytes = 64 * 1024;
        cfg.msl_us = 2000000;                 /* TIME_WAIT ends within a run */
        cfg.syn_retries = 3;
        cfg.data_retries = 5;
        cfg.rto_max_us = 10000000;
        cfg.keepalive_idle_us = 60000000;
        cfg.keepalive_interval_us = 5000000;
        cfg.keepalive_count = 3;
    } else {
        cfg.sndbuf_bytes = 64 * 1024;
        cfg.rcvbuf_bytes = 64 * 1024;
    }
    h->st = synack_stack_new(&cfg);
    FZ_CHECK(h->st != NULL, "synack_stack_new failed");
    struct synack_iface_config ic = { .addr = addr, .prefix_len = world_v6 ? 64 : 24, .mtu = 1500,
                                      .transmit = transmit, .transmit_ctx = h };
    FZ_CHECK(synack_iface_add(h->st, &ic) == 0, "synack_iface_add failed");
    h->out = out;
    h->other = other;
}

/* ---- moving the world ---- */

static void deliver(struct host *to, struct queue *q, unsigned max, synack_time_us now)
{
    for (unsigned i = 0; i < max && q->count; i++) {
        struct pkt *p = &q->p[q->head];
        q->head = (q->head + 1) % LINK_QUEUE;
        q->count--;
        /* Copy out: delivering may queue more packets in other slots. */
        static uint8_t buf[MAX_PKT];
        uint16_t len = p->len;
        memcpy(buf, p->bytes, len);
        to->packets_in++;
        synack_input(to->st, 0, buf, len, now);
    }
}

/* Delivers what is queued both ways until the link is quiet (bounded). */
static void pump(struct world *w)
{
    for (unsigned round = 0; round < 64; round++) {
        synack_poll(w->A.st, w->now);
        synack_poll(w->B.st, w->now);
        if (!w->to_a.count && !w->to_b.count)
            return;
        deliver(&w->A, &w->to_a, 64, w->now);
        deliver(&w->B, &w->to_b, 64, w->now);
    }
}

static void advance(struct world *w, synack_time_us delta)
{
    synack_time_us target = w->now + delta;
    for (unsigned guard = 0; guard < 20000; guard++) {
        pump(w);
        synack_time_us na = synack_poll(w->A.st, w->now), nb = synack_poll(w->B.st, w->now);
        synack_time_us next = na < nb ? na : nb;
        if (next > target || next <= w->now)
            break;
        w->now = next;
    }
    w->now = target;
    pump(w);
}

/* ---- sockets ---- */

static int add_sock(int *list, unsigned *n, int h)
{
    if (h >= 0 && *n < MAX_SOCKS)
        list[(*n)++] = h;
    return h;
}

static void add_conn(struct world *w, int a_sock)
{
    if (w->n_conns == MAX_CONNS || a_sock < 0)
        return;
    struct conn *c = &w->conns[w->n_conns];
    if (synack_local_endpoint(w->A.st, a_sock, &c->a) < 0 || synack_remote_endpoint(w->A.st, a_sock, &c->b) < 0)
        return;
    c->a_sock = a_sock;
    c->b_sock = -1;
    w->n_conns++;
}

/* Keeps the aim at every known connection current: A's own figures while
 * A's socket is open, else what B's end knows (B's SND.NXT is A's RCV.NXT,
 * B's RCV.NXT what A has sent). */
static void refresh_aims(struct world *w)
{
    for (unsigned i = 0; i < w->n_conns; i++) {
        struct synack_tcp_info ti;
        struct conn *c = &w->conns[i];
        if (c->b_sock < 0) {
            for (unsigned k = 0; k < w->n_b_socks; k++) {
                struct synack_endpoint l;
                if (synack_local_endpoint(w->B.st, w->b_socks[k], &l) == 0 && l.port == c->b.port)
                    c->b_sock = w->b_socks[k];
            }
        }
        if (c->a_sock >= 0 && synack_getinfo(w->A.st, c->a_sock, &ti) == 0 && ti.conn_id &&
            ti.state != SYNACK_TCP_CLOSED) {
            c->rcv_nxt = ti.rcv_nxt;
            c->snd_una = ti.snd_una;
            c->snd_max = ti.snd_nxt;
        } else if (c->b_sock >= 0 && synack_getinfo(w->B.st, c->b_sock, &ti) == 0 && ti.conn_id &&
                   ti.state != SYNACK_TCP_CLOSED) {
            c->rcv_nxt = ti.snd_nxt;
            c->snd_una = ti.rcv_nxt;
            c->snd_max = ti.rcv_nxt;
        }
    }
}

/* Reads everything B has, on every socket. */
static void b_read_all(struct world *w)
{
    uint8_t buf[4096];
    for (unsigned i = 0; i < w->n_b_socks; i++)
        for (int k = 0; k < 64 && synack_recv(w->B.st, w->b_socks[i], buf, sizeof buf) > 0; k++)
            ;
}

static void send_pattern(struct synack_stack *st, int sock, uint32_t n)
{
    static uint8_t buf[8192];
    if (n > sizeof buf)
        n = sizeof buf;
    for (uint32_t i = 0; i < n; i++)
        buf[i] = (uint8_t)('a' + i % 26);
    synack_send(st, sock, buf, n);
}

/* Aims at the connection of B's socket b_sock to A, unless already known. */
static void aim_from_b(struct world *w, int b_sock)
{
    struct synack_endpoint l, r;
    struct synack_addr a = A_ADDR;
    if (w->n_conns == MAX_CONNS || synack_local_endpoint(w->B.st, b_sock, &l) < 0 ||
        synack_remote_endpoint(w->B.st, b_sock, &r) < 0 || !synack_addr_equal(&r.addr, &a))
        return;
    for (unsigned k = 0; k < w->n_conns; k++)
        if (w->conns[k].b.port == l.port && w->conns[k].a.port == r.port)
            return;
    struct conn *c = &w->conns[w->n_conns++];
    c->a = r;
    c->b = l;
    c->a_sock = -1;
    c->b_sock = b_sock;
}

/* A connection from B to A:port; returns A's accepted handle (or -1). */
static int b_connects(struct world *w, uint16_t port, bool accept)
{
    int b = add_sock(w->b_socks, &w->n_b_socks, synack_socket(w->B.st));
    struct synack_endpoint to = synack_endpoint_make(A_ADDR, port);
    synack_connect(w->B.st, b, &to);
    pump(w);
    if (!accept)
        return -1;
    int a = synack_accept(w->A.st, w->a_socks[0], NULL);
    add_sock(w->a_socks, &w->n_a_socks, a);
    add_conn(w, a);
    pump(w);
    return a;
}

static void setup(struct world *w)
{
    /* Listeners and UDP sockets on A; a listener and UDP on B. */
    int l80 = add_sock(w->a_socks, &w->n_a_socks, synack_socket(w->A.st));
    struct synack_endpoint ep = synack_endpoint_make(A_ADDR, 80);
    synack_bind(w->A.st, l80, &ep);
    synack_listen(w->A.st, l80, 4);
    int l81 = add_sock(w->a_socks, &w->n_a_socks, synack_socket(w->A.st));
    ep.port = 81;
    synack_bind(w->A.st, l81, &ep);
    synack_listen(w->A.st, l81, 1);
    int u53 = add_sock(w->a_socks, &w->n_a_socks, synack_udp_socket(w->A.st));
    ep.port = 53;
    synack_bind(w->A.st, u53, &ep);
    int u5353 = add_sock(w->a_socks, &w->n_a_socks, synack_udp_socket(w->A.st));
    ep.port = 5353;
    synack_bind(w->A.st, u5353, &ep);
    struct synack_endpoint b5353 = synack_endpoint_make(B_ADDR, 5353);
    synack_connect(w->A.st, u5353, &b5353);
    int bl = add_sock(w->b_socks, &w->n_b_socks, synack_socket(w->B.st));
    struct synack_endpoint bep = synack_endpoint_make(B_ADDR, 8080);
    synack_bind(w->B.st, bl, &bep);
    synack_listen(w->B.st, bl, 8);
    int bu = add_sock(w->b_socks, &w->n_b_socks, synack_udp_socket(w->B.st));
    synack_bind(w->B.st, bu, &b5353);
    synack_sendto(w->A.st, u5353, "hello", 5, NULL);
    pump(w);

    /* ESTABLISHED, data both ways, some unread by A, some unacknowledged. */
    int est = b_connects(w, 80, true);
    send_pattern(w->B.st, w->b_socks[w->n_b_socks - 1], 6000);
    send_pattern(w->A.st, est, 3000);
    pump(w);
    b_read_all(w);
    uint8_t buf[1000];
    synack_recv(w->A.st, est, buf, sizeof buf);
    pump(w);
    w->to_b.up = false;
    send_pattern(w->A.st, est, 2500);
    pump(w);
    w->to_b.up = true;

    /* FIN_WAIT_2: A closes its side first, B acknowledges and stays. */
    int fw2 = b_connects(w, 80, true);
    synack_shutdown(w->A.st, fw2, SYNACK_SHUT_WR);
    advance(w, 300000);                       /* B's delayed ACK */
    /* CLOSE_WAIT: B closes its side. */
    b_connects(w, 80, true);
    synack_shutdown(w->B.st, w->b_socks[w->n_b_socks - 1], SYNACK_SHUT_WR);
    pump(w);
    /* TIME_WAIT: A closes first, then B. */
    int tw = b_connects(w, 80, true);
    synack_close(w->A.st, tw);
    pump(w);
    synack_close(w->B.st, w->b_socks[w->n_b_socks - 1]);
    pump(w);
    /* LAST_ACK: B closes, A closes, B's last ACK lost. */
    int la = b_connects(w, 80, true);
    synack_shutdown(w->B.st, w->b_socks[w->n_b_socks - 1], SYNACK_SHUT_WR);
    pump(w);
    w->to_a.up = false;
    synack_shutdown(w->A.st, la, SYNACK_SHUT_WR);
    pump(w);
    w->to_a.up = true;
    /* FIN_WAIT_1: data and FIN sent into a dead link. */
    int fw1 = b_connects(w, 80, true);
    w->to_b.up = false;
    send_pattern(w->A.st, fw1, 1500);
    synack_shutdown(w->A.st, fw1, SYNACK_SHUT_WR);
    pump(w);
    w->to_b.up = true;
    /* ESTABLISHED in the accept queue: never accepted. */
    b_connects(w, 80, false);
    /* SYN_RECEIVED: A's SYN|ACK lost. */
    w->to_b.up = false;
    b_connects(w, 80, false);
    w->to_b.up = true;
    /* Active opens from A: one ESTABLISHED to B:8080, one stuck in SYN_SENT. */
    int act = add_sock(w->a_socks, &w->n_a_socks, synack_socket(w->A.st));
    synack_connect(w->A.st, act, &bep);
    pump(w);
    add_conn(w, act);
    int bacc = add_sock(w->b_socks, &w->n_b_socks, synack_accept(w->B.st, bl, NULL));
    send_pattern(w->B.st, bacc, 700);
    pump(w);
    w->to_b.up = false;
    int ss = add_sock(w->a_socks, &w->n_a_socks, synack_socket(w->A.st));
    struct synack_endpoint b9 = synack_endpoint_make(B_ADDR, 9);
    synack_connect(w->A.st, ss, &b9);
    pump(w);
    add_conn(w, ss);
    w->to_b.up = true;
    /* Embryos and the unaccepted connection are aimed at from B's side. */
    for (unsigned i = 0; i < w->n_b_socks; i++)
        aim_from_b(w, w->b_socks[i]);
}

/* ---- checks ---- */

static void check_socket(struct world *w, int h)
{
    struct synack_tcp_info ti;
    if (synack_getinfo(w->A.st, h, &ti) != 0 || ti.state == SYNACK_TCP_LISTEN || !ti.conn_id)
        return;
    int followed = fz_states_get(&w->A.states, ti.conn_id);
    FZ_CHECK(followed < 0 || followed == ti.state, "socket %d: getinfo says %s, its events %s", h,
             synack_tcp_state_name(ti.state), synack_tcp_state_name(followed));
    if (ti.state == SYNACK_TCP_CLOSED)
        return;
    FZ_CHECK(seq_leq(ti.snd_una, ti.snd_nxt), "SND.UNA %u after SND.NXT %u (%s)", ti.snd_una, ti.snd_nxt,
             synack_tcp_state_name(ti.state));
    FZ_CHECK(ti.unacked_bytes <= ti.send_queue_bytes + 2, "%u bytes unacknowledged, %u in the send buffer (%s)",
             ti.unacked_bytes, ti.send_queue_bytes, synack_tcp_state_name(ti.state));
    FZ_CHECK(ti.in_flight_bytes <= ti.unacked_bytes, "pipe %u above %u bytes unacknowledged", ti.in_flight_bytes,
             ti.unacked_bytes);
    FZ_CHECK(ti.send_queue_bytes <= BUF_BYTES, "send queue %u > %u", ti.send_queue_bytes, BUF_BYTES);
    FZ_CHECK(ti.recv_queue_bytes + ti.ooo_bytes <= BUF_BYTES, "receive queue %u + out of order %u > %u",
             ti.recv_queue_bytes, ti.ooo_bytes, BUF_BYTES);
    FZ_CHECK(ti.recv_queue_bytes + ti.rcv_wnd <= BUF_BYTES, "receive queue %u + window %u > %u", ti.recv_queue_bytes,
             ti.rcv_wnd, BUF_BYTES);
}

static void check_all(struct world *w)
{
    fz_check_stats(w->A.st, &w->A.states, w->A.packets_in);
    fz_check_stats(w->B.st, &w->B.states, w->B.packets_in);
    for (unsigned i = 0; i < w->n_a_socks; i++)
        check_socket(w, w->a_socks[i]);
    refresh_aims(w);
    /* Drain readiness events (their bits are checked by the actions). */
    struct synack_event ev;
    for (int k = 0; k < 256 && synack_next_event(w->A.st, &ev); k++)
        ;
    for (int k = 0; k < 256 && synack_next_event(w->B.st, &ev); k++)
        ;
}

/* FUZZ_VERBOSE=1: what the setup built (to check it still builds it). */
static void describe(struct world *w)
{
    for (unsigned i = 0; i < FZ_MAX_CONNS; i++) {
        int state = fz_states_get(&w->A.states, i);
        if (state >= 0)
            fprintf(stderr, "A connection %u: %s\n", i, synack_tcp_state_name(state));
    }
    for (unsigned i = 0; i < w->n_conns; i++)
        fprintf(stderr, "aim %u: A :%u <- B :%u (socket %d)\n", i, w->conns[i].a.port, w->conns[i].b.port,
                w->conns[i].a_sock);
}

/* ---- the records ---- */

static void input_to_a(struct world *w, uint8_t *pkt, size_t len, unsigned flags)
{
    w->A.packets_in++;
    synack_input_flags(w->A.st, 0, pkt, len, flags, w->now);
}

static void op_raw(struct world *w, uint8_t op, struct fz_in *in)
{
    static uint8_t pkt[MAX_PKT];
    size_t len = fz_u16(in) % MAX_PKT;
    const uint8_t *src;
    len = fz_bytes(in, len, &src);
    memcpy(pkt, src, len);
    unsigned fix = ((op >> 3) & 1 ? FZ_FIX_IP : 0) | ((op >> 4) & 1 ? FZ_FIX_L4 : 0);
    fz_fix_packet(pkt, len, fix);
    /* An exact-size copy, so that ASan sees any read past the packet. */
    uint8_t *exact = malloc(len ? len : 1);
    memcpy(exact, pkt, len);
    input_to_a(w, exact, len, (op >> 5) & 1 ? SYNACK_INPUT_CSUM_VALID : 0);
    free(exact);
}

static uint32_t pick_seq(uint8_t mode, uint32_t base, struct fz_in *in)
{
    switch (mode & 3) {
    case 0: return base + (uint32_t)(int32_t)(int8_t)fz_u8(in);
    case 1: return base + (uint32_t)(int32_t)(int16_t)fz_u16(in);
    case 2: return base + (uint32_t)fz_u16(in) * 64;
    default: return fz_u32(in);
    }
}

static void op_segment(struct world *w, struct fz_in *in)
{
    if (!w->n_conns)
        return;
    refresh_aims(w);
    struct conn *c = &w->conns[fz_u8(in) % w->n_conns];
    uint8_t flags = fz_u8(in), modes = fz_u8(in);
    uint32_t seq = pick_seq(modes, c->rcv_nxt, in);
    uint32_t ack;
    switch ((modes >> 2) & 3) {
    case 0: ack = c->snd_max; break;
    case 1: ack = c->snd_una + (c->snd_max - c->snd_una ? fz_u16(in) % (c->snd_max - c->snd_una + 1) : 0); break;
    case 2: ack = pick_seq(0, c->snd_una, in); break;
    default: ack = fz_u32(in); break;
    }
    uint16_t window = (modes & 0x10) ? fz_u16(in) : 65535;
    const uint8_t *opt = NULL, *payload = NULL;
    size_t optlen = (modes & 0x20) ? fz_bytes(in, fz_u8(in) % 41, &opt) : 0;
    size_t plen = (modes & 0x40) ? fz_u16(in) % 1461 : 0;
    static uint8_t data[1460];
    for (size_t i = 0; i < plen; i++)
        data[i] = (uint8_t)('A' + (seq + i) % 26);
    payload = data;
    struct tcp_header_out h = { .src_port = c->b.port, .dst_port = c->a.port, .seq = seq, .ack = ack,
                                .flags = flags, .window = window, .opt = NULL };
    static uint8_t pkt[MAX_PKT];
    size_t len = fz_tcp_packet(pkt, sizeof pkt, &c->b.addr, &c->a.addr, &h, opt, optlen, payload, plen);
    if (len)
        input_to_a(w, pkt, len, 0);
}

static void op_time(struct world *w, struct fz_in *in)
{
    uint8_t t = fz_u8(in);
    advance(w, fz_input_time_steps_us[t & 15] * (1 + (t >> 4)));
}

static void op_app_a(struct world *w, struct fz_in *in)
{
    if (!w->n_a_socks)
        return;
    int h = w->a_socks[fz_u8(in) % w->n_a_socks];
    uint8_t what = fz_u8(in);
    struct synack_stack *st = w->A.st;
    uint32_t ready = synack_socket_ready(st, h);
    static uint8_t buf[8192];
    switch (what % 10) {
    case 0: {
        ssize_t n = synack_recv(st, h, buf, 1 + (size_t)(what >> 4) * 512);
        FZ_CHECK(!(ready & SYNACK_READABLE) || n != -SYNACK_EAGAIN, "socket %d READABLE, but recv says EAGAIN", h);
        break;
    }
    case 1: send_pattern(st, h, 1 + (uint32_t)(what >> 4) * 500); break;
    case 2: synack_shutdown(st, h, SYNACK_SHUT_WR); break;
    case 3: synack_shutdown(st, h, (what >> 4) & 1 ? SYNACK_SHUT_RD : SYNACK_SHUT_RDWR); break;
    case 4: synack_close(st, h); break;
    case 5: synack_abort(st, h); break;
    case 6: {
        int a = synack_accept(st, h, NULL);
        FZ_CHECK(!(ready & SYNACK_READABLE) || a != -SYNACK_EAGAIN, "listener %d READABLE, but accept says EAGAIN", h);
        if (a >= 0) {
            add_sock(w->a_socks, &w->n_a_socks, a);
            add_conn(w, a);
        }
        break;
    }
    case 7: {
        struct synack_endpoint to = synack_endpoint_make(B_ADDR, 5353);
        if ((what >> 4) & 1)
            synack_sendto(st, h, buf, (what >> 5) * 100u, &to);
        else
            synack_recvfrom(st, h, buf, sizeof buf, NULL);
        break;
    }
    case 8:
        /* Keepalive after 1-8 s of silence, probes every second. */
        synack_setsockopt(st, h, SYNACK_OPT_KEEPIDLE, 1 + (what >> 5));
        synack_setsockopt(st, h, SYNACK_OPT_KEEPINTVL, 1);
        synack_setsockopt(st, h, SYNACK_OPT_KEEPCNT, 2);
        synack_setsockopt(st, h, SYNACK_OPT_KEEPALIVE, 1);
        break;
    default: {
        /* A new active open to B's listener (or a closed port). */
        int c = add_sock(w->a_socks, &w->n_a_socks, synack_socket(st));
        struct synack_endpoint to = synack_endpoint_make(B_ADDR, (what >> 4) & 1 ? 8080 : 7);
        synack_connect(st, c, &to);
        pump(w);
        add_conn(w, c);
        break;
    }
    }
    pump(w);
}

static void op_app_b(struct world *w, struct fz_in *in)
{
    uint8_t what = fz_u8(in);
    if (!w->n_b_socks)
        return;
    int h = w->b_socks[(what >> 2) % w->n_b_socks];
    switch (what & 3) {
    case 0:
        if (what & 4) {
            /* B opens a new connection to A:80 or A:81 (a SYN cookie's
             * round trip when A's queues or table are full). */
            b_connects(w, (what & 8) ? 81 : 80, false);
            aim_from_b(w, w->b_socks[w->n_b_socks - 1]);
            break;
        }
        b_read_all(w);
        break;
    case 1: send_pattern(w->B.st, h, 1000); break;
    case 2: synack_shutdown(w->B.st, h, SYNACK_SHUT_WR); break;
    default: synack_close(w->B.st, h); break;
    }
    pump(w);
}

/* IPv6 world, op 7 kind 3: a fragment of one of four UDP datagrams to
 * A:53 (identification 0-3 picks it: 104, 200, 296 or 392 bytes, the
 * checksum right), bytes [offset, offset + length) of it from the input's
 * offset (in 8-byte units) and length, M from the input; with 0-3
 * extension headers in front of the fragment header (hop-by-hop first,
 * then destination options; 6 bytes of options each, raw from the input),
 * so that whole datagrams come together and every reassembly rule
 * (overlap, duplicates, lengths, the first fragment's chain) is met. */
static size_t fragment6(uint8_t *pkt, const struct synack_addr *src, const struct synack_addr *dst, struct fz_in *in)
{
    uint8_t sel = fz_u8(in);
    uint32_t id = sel & 3;
    bool more = (sel >> 2) & 1;
    unsigned next = (sel >> 3) & 3;
    uint32_t off = (uint32_t)fz_u8(in) * 8, flen = fz_u8(in);
    static uint8_t dgram[8 + 4 * 96];
    uint16_t L = (uint16_t)(8 + 96 * (id + 1));
    put_be16(dgram, 1234);
    put_be16(dgram + 2, 53);
    put_be16(dgram + 4, L);
    put_be16(dgram + 6, 0);
    for (uint32_t i = 8; i < L; i++)
        dgram[i] = (uint8_t)(i * 7 ^ id);
    uint16_t sum = csum_finish(csum_add(csum_pseudo(src, dst, IP_PROTO_UDP, L), dgram, L));
    put_be16(dgram + 6, sum ? sum : 0xffff);
    if (off >= L)
        flen = 0;
    else if (off + flen > L)
        flen = L - off;
    uint8_t *p = pkt + IPV6_HEADER_LEN;
    uint8_t first = IP6_NH_FRAGMENT;
    for (unsigned k = 0; k < next; k++) {
        const uint8_t *opts;
        size_t got = fz_bytes(in, 6, &opts);
        p[0] = k + 1 < next ? IP6_NH_DEST_OPTS : IP6_NH_FRAGMENT;
        p[1] = 0;
        memset(p + 2, 0, 6);
        memcpy(p + 2, opts, got);
        if (k == 0)
            first = IP6_NH_HOP_BY_HOP;
        p += 8;
    }
    p[0] = IP_PROTO_UDP;
    p[1] = 0;
    put_be16(p + 2, (uint16_t)(off | (more ? 1 : 0)));
    put_be32(p + 4, id);
    if (flen)
        memcpy(p + 8, dgram + off, flen);       /* off < L here */
    size_t payload = 8 * next + 8 + flen;
    ipv6_write_header(pkt, src, dst, first, (uint16_t)payload, 64);
    return IPV6_HEADER_LEN + payload;
}

static void op_udp_icmp(struct world *w, struct fz_in *in)
{
    static uint8_t pkt[MAX_PKT];
    uint8_t kind = fz_u8(in);
    struct synack_addr src = B_ADDR, dst = A_ADDR;
    size_t iph = world_v6 ? IPV6_HEADER_LEN : IPV4_HEADER_LEN;
    size_t len = 0;
    if (world_v6 && (kind & 3) == 3) {
        len = fragment6(pkt, &src, &dst, in);
    } else if ((kind & 3) == 0) {
        /* UDP to one of A's ports (or none), payload from the input. */
        static const uint16_t ports[4] = { 53, 5353, 7, 80 };
        const uint8_t *data;
        size_t n = fz_bytes(in, fz_u8(in), &data);
        uint8_t *u = pkt + iph;
        put_be16(u, (kind & 4) ? 5353 : 1234);
        put_be16(u + 2, ports[(kind >> 3) & 3]);
        put_be16(u + 4, (uint16_t)(8 + n));
        memcpy(u + 8, data, n);
        len = fz_ip_header(pkt, &src, &dst, IP_PROTO_UDP, 8 + n, 3) + 8 + n;
        fz_fix_packet(pkt, len, FZ_FIX_L4);
    } else if ((kind & 3) == 1 && w->a_out[(kind >> 4) % TAP].len) {
        /* ICMP (ICMPv6) error, or any message: type, code from the input,
         * quoting one of A's latest packets, cut to a length from the
         * input. */
        const struct pkt *quoted = &w->a_out[(kind >> 4) % TAP];
        uint8_t *m = pkt + iph;
        m[0] = fz_u8(in);
        m[1] = fz_u8(in);
        put_be32(m + 4, fz_u16(in));
        size_t q = fz_u16(in) % (world_v6 ? 1300 : 600);
        if (q > quoted->len)
            q = quoted->len;
        memcpy(m + 8, quoted->bytes, q);
        /* Optionally damage one quoted byte. */
        if (q && (kind & 4))
            m[8 + fz_u16(in) % q] ^= fz_u8(in);
        len = fz_ip_header(pkt, &src, &dst, world_v6 ? IP_PROTO_ICMPV6 : IP_PROTO_ICMP, 8 + q, 4) + 8 + q;
        fz_fix_packet(pkt, len, FZ_FIX_L4);
    } else {
        /* Echo request with a payload from the input (IPv6: to all nodes
         * with kind bit 3). */
        const uint8_t *data;
        size_t n = fz_bytes(in, fz_u16(in) % 1500, &data);
        uint8_t *m = pkt + iph;
        m[0] = world_v6 ? ICMPV6_ECHO_REQUEST : 8;
        m[1] = 0;
        put_be32(m + 4, 0x12340001);
        memcpy(m + 8, data, n);
        if (world_v6 && (kind & 8)) {
            static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
            dst = synack_addr_v6(all_nodes);
        }
        len = fz_ip_header(pkt, &src, &dst, world_v6 ? IP_PROTO_ICMPV6 : IP_PROTO_ICMP, 8 + n, 5) + 8 + n;
        fz_fix_packet(pkt, len, FZ_FIX_L4);
    }
    input_to_a(w, pkt, len, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!pkt_pool) {
        pkt_pool = malloc(2 * LINK_QUEUE * sizeof *pkt_pool);
        if (!pkt_pool)
            abort();
    }
    static struct world w;
    memset(&w, 0, sizeof w);
    w.to_a.p = pkt_pool;
    w.to_b.p = pkt_pool + LINK_QUEUE;
    w.to_a.up = w.to_b.up = true;
    struct fz_in in = { .p = data, .len = size };
    uint8_t variant = fz_u8(&in);
    world_v6 = (variant & 32) != 0;
    host_init(&w.A, "A", A_ADDR, B_ADDR, &w.to_b, variant, true);
    host_init(&w.B, "B", B_ADDR, A_ADDR, &w.to_a, 0, false);
    w.A.tap = w.a_out;
    setup(&w);
    check_all(&w);
    if (fz_verbose())
        describe(&w);
    for (unsigned r = 0; r < MAX_RECORDS && fz_left(&in); r++) {
        uint8_t op = fz_u8(&in);
        switch (op & 7) {
        case 0:
        case 1: op_raw(&w, op, &in); break;
        case 2:
        case 3: op_segment(&w, &in); break;
        case 4: op_time(&w, &in); break;
        case 5: op_app_a(&w, &in); break;
        case 6: op_app_b(&w, &in); break;
        default: op_udp_icmp(&w, &in); break;
        }
        pump(&w);
        check_all(&w);
    }
    /* Ten virtual minutes: every timer that will ever fire does. */
    for (int i = 0; i < 20; i++) {
        advance(&w, 30000000);
        check_all(&w);
    }
    synack_stack_free(w.A.st);
    synack_stack_free(w.B.st);
    return 0;
}
