/*
 * test_blind_injection.c — an off-path attacker against a long transfer
 * (RFC 5961).  It knows the 4-tuple but not the sequence numbers, and
 * sends 1,000,000 segments — RSTs, SYNs and 100-byte data segments, a
 * third each, at random sequence and acknowledgment numbers, at either
 * end — while 32 MiB go from the sender to the receiver.
 *
 *   sender 198.18.0.1 ── 100 Mbit/s, 10 ms ── receiver 198.18.0.2:5001
 *          └──────────── attacker 198.18.0.3 ────────────┘  (1 ms to each)
 *
 * (With SYNACK_HOSTILE_FAMILY=6, fd00:5ac::12:0:1, ::12:0:2 and ::12:0:3.)
 *
 * Every injected segment is judged when it arrives, from the target's
 * state at that instant (synack_getinfo: RCV.NXT, the receive space,
 * SND.UNA, SND.MAX, MAX.SND.WND), by the rules of RFC 9293 §3.10.7.4 and
 * RFC 5961:
 *
 *   RST   at RCV.NXT: reset (the attacker wins; odds 2^-32 a try)
 *         in the window: challenge ACK (§3.2)   outside: dropped silently
 *   SYN   challenge ACK, whatever the sequence number (§4.2)
 *   data  outside the window: dropped, duplicate ACK (RFC 9293)
 *         in it, SEG.ACK beyond SND.MAX or below SND.UNA - MAX.SND.WND:
 *         dropped, challenge ACK (§5.2)
 *         in it with an acceptable ACK: taken (the attacker wins; odds
 *         about 2^-24 a try)
 *
 * and the prediction is compared with what the stack did to that very
 * segment: the drop reason its trace reports, and whether its challenge
 * ACK counters moved (sent or suppressed by the §7 rate limit).  Then the
 * totals: the classes add up to 1,000,000, each stack's counters equal
 * the classes aimed at it, the transfer completes byte-exact, neither
 * connection was reset, and the injection lasted from the first to the
 * last tenth of the transfer.  With the fixed seed no injected segment
 * falls in a winning class; a seed that drew one would fail the test,
 * and say so.
 *
 * The figures are the last lines of the output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostile.h"

#define TRANSFER_BYTES (32u << 20)
#define INJECTIONS 1000000u
#define INJ_START_US (300 * MS)
#define INJ_TICK_US MS
#define INJ_PER_TICK 500u                    /* 500,000 a second for 2 s */
#define PAYLOAD 100u
#define MARK_TTL 13                          /* injected packets carry this TTL */
#define PORT_SERVER 5001
#define END_US (120 * SEC)
#define SEED 0x626c696e64ull                 /* "blind" */
#define MAX_REPORTS 10

enum verdict {
    V_RST_RESET,        /* exact RST: the connection is reset */
    V_RST_CHALLENGED,
    V_RST_IGNORED,
    V_SYN_CHALLENGED,
    V_DATA_OUT_OF_WINDOW,
    V_DATA_ACK_UNSENT,
    V_DATA_ACK_TOO_OLD,
    V_DATA_TAKEN,       /* in the window with an acceptable ACK: injected */
    V_COUNT
};

static const struct {
    const char *name;
    int drop;           /* the drop reason the stack must report, or -1 */
    bool challenge;     /* answered with a (possibly rate-limited) challenge ACK */
} verdicts[V_COUNT] = {
    [V_RST_RESET] = { "RST at RCV.NXT (reset)", -1, false },
    [V_RST_CHALLENGED] = { "RST in window", SYNACK_DROP_TCP_RST_CHALLENGED, true },
    [V_RST_IGNORED] = { "RST out of window", SYNACK_DROP_TCP_RST_IGNORED, false },
    [V_SYN_CHALLENGED] = { "SYN", SYNACK_DROP_TCP_SYN_CHALLENGED, true },
    [V_DATA_OUT_OF_WINDOW] = { "data out of window", SYNACK_DROP_TCP_OUT_OF_WINDOW, false },
    [V_DATA_ACK_UNSENT] = { "data in window, ACK unsent", SYNACK_DROP_TCP_BAD_ACK, true },
    [V_DATA_ACK_TOO_OLD] = { "data in window, ACK too old", SYNACK_DROP_TCP_ACK_TOO_OLD, true },
    [V_DATA_TAKEN] = { "data accepted (injected)", -1, false },
};

enum { SENDER, RECEIVER, ENDS };

struct pending {
    bool active;
    const uint8_t *packet;
    int end;
    enum verdict expect;
    uint64_t challenges_before;
    int drop_reason;
    unsigned drops;
};

struct inj {
    struct synack_sim *sim;
    int host[ENDS], attacker;
    struct synack_stack *st[ENDS];
    int sock[ENDS];                           /* the connection's socket at each end */
    int listener;
    struct synack_endpoint ep[ENDS];
    uint64_t rng;
    /* the transfer */
    uint64_t queued, received;
    bool mismatch, shut, sender_eof, receiver_eof, injection_done;
    int error[ENDS];
    synack_time_us done_at;
    /* the attack */
    uint32_t sent, ticks;
    uint64_t received_at_first, received_at_last;
    struct pending p;
    uint64_t classes[ENDS][V_COUNT];
    uint64_t judged, wrong;
    uint64_t legit_drops[ENDS][SYNACK_DROP_COUNT];
};

static uint64_t challenges(const struct synack_stack *st)
{
    const struct synack_stats *s = synack_stack_stats(st);
    return s->tcp_challenge_acks + s->tcp_challenge_acks_limited;
}

/* ---- Judging each injected segment --------------------------------------- */

static enum verdict predict(const struct synack_tcp_info *i, uint8_t flags, uint32_t seq, uint32_t ack)
{
    uint32_t wnd = i->rcv_space;
    int32_t d = (int32_t)(seq - i->rcv_nxt);
    if (flags & TCP_RST) {
        if (d == 0)
            return V_RST_RESET;
        return d > 0 && (uint32_t)d < (wnd ? wnd : 1) ? V_RST_CHALLENGED : V_RST_IGNORED;
    }
    if (flags & TCP_SYN)
        return V_SYN_CHALLENGED;
    /* Acceptable if any of its PAYLOAD bytes lies in RCV.NXT .. RCV.NXT + wnd. */
    if (!(d > -(int32_t)PAYLOAD && (int64_t)d < (int64_t)wnd))
        return V_DATA_OUT_OF_WINDOW;
    if ((int32_t)(ack - i->snd_max) > 0)
        return V_DATA_ACK_UNSENT;
    uint32_t max_wnd = i->max_snd_wnd ? i->max_snd_wnd : 1;
    if ((int32_t)(ack - (i->snd_una - max_wnd)) < 0)
        return V_DATA_ACK_TOO_OLD;
    return V_DATA_TAKEN;
}

static void finalize(struct inj *in)
{
    struct pending *p = &in->p;
    if (!p->active)
        return;
    p->active = false;
    in->judged++;
    in->classes[p->end][p->expect]++;
    uint64_t moved = challenges(in->st[p->end]) - p->challenges_before;
    int want_drop = verdicts[p->expect].drop;
    bool ok = (want_drop < 0 ? p->drops == 0 : p->drops == 1 && p->drop_reason == want_drop) &&
              moved == (verdicts[p->expect].challenge ? 1u : 0u);
    if (!ok && in->wrong++ < MAX_REPORTS)
        test_fail(__FILE__, __LINE__, "injected segment %llu to the %s: predicted \"%s\", but the stack "
                  "dropped it %u times (reason %s) and its challenge counters moved by %llu",
                  (unsigned long long)in->judged, p->end == SENDER ? "sender" : "receiver",
                  verdicts[p->expect].name, p->drops, p->drops ? synack_drop_name(p->drop_reason) : "-",
                  (unsigned long long)moved);
}

static void arrival(void *ctx, int to_host, synack_time_us now, const uint8_t *packet, size_t len)
{
    struct inj *in = ctx;
    (void)now;
    finalize(in);
    if (len < 40 || len < hostile_ip_len(packet) + 20 || hostile_ttl(packet) != MARK_TTL)
        return;
    int end = to_host == in->host[SENDER] ? SENDER : RECEIVER;
    struct synack_tcp_info info;
    if (synack_getinfo(in->st[end], in->sock[end], &info) != 0 || info.state != SYNACK_TCP_ESTABLISHED) {
        if (in->wrong++ < MAX_REPORTS)
            test_fail(__FILE__, __LINE__, "injected segment arrived while the %s was not ESTABLISHED",
                      end == SENDER ? "sender" : "receiver");
        return;
    }
    const uint8_t *tcp = packet + hostile_ip_len(packet);
    uint32_t seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
    uint32_t ack = (uint32_t)tcp[8] << 24 | (uint32_t)tcp[9] << 16 | (uint32_t)tcp[10] << 8 | tcp[11];
    in->p = (struct pending){
        .active = true,
        .packet = packet,
        .end = end,
        .expect = predict(&info, tcp[13], seq, ack),
        .challenges_before = challenges(in->st[end]),
        .drop_reason = -1,
    };
}

/* Both stacks' trace: a drop of the segment being judged is its verdict;
 * any other drop is the legitimate traffic's. */
struct tracer {
    struct inj *in;
    int end;
};

static void on_trace(void *ctx, const struct synack_trace_event *ev)
{
    struct tracer *t = ctx;
    struct inj *in = t->in;
    if (ev->kind != SYNACK_TRACE_DROP)
        return;
    if (in->p.active && in->p.end == t->end && ev->packet == in->p.packet) {
        in->p.drops++;
        in->p.drop_reason = ev->drop_reason;
    } else {
        in->legit_drops[t->end][ev->drop_reason]++;
    }
}

/* ---- The attacker ----------------------------------------------------------- */

static void inject_tick(struct synack_sim *sim, void *ctx)
{
    struct inj *in = ctx;
    static const uint8_t payload[PAYLOAD] = { 'X' };
    uint8_t pkt[256];
    if (in->ticks++ == 0)
        in->received_at_first = in->received;
    for (unsigned i = 0; i < INJ_PER_TICK && in->sent < INJECTIONS; i++) {
        uint64_t r = hostile_rand(&in->rng);
        int end = (int)(r & 1);
        unsigned kind = (unsigned)((r >> 1) % 3);
        struct raw_segment seg = {
            .src = in->ep[!end].addr,
            .dst = in->ep[end].addr,
            .sport = in->ep[!end].port,
            .dport = in->ep[end].port,
            .seq = (uint32_t)(r >> 32),
            .ack = (uint32_t)hostile_rand(&in->rng),
            .flags = kind == 0 ? TCP_RST : kind == 1 ? TCP_SYN : TCP_ACK | TCP_PSH,
            .window = 65535,
            .payload = kind == 2 ? payload : NULL,
            .len = kind == 2 ? PAYLOAD : 0,
            .ttl = MARK_TTL,
            .ip_id = (uint16_t)in->sent,
        };
        size_t len = raw_segment_build(&seg, pkt, sizeof pkt);
        if (synack_sim_send_raw(sim, in->attacker, pkt, len) == 0)
            in->sent++;
    }
    if (in->sent < INJECTIONS) {
        synack_sim_at(sim, synack_sim_now(sim) + INJ_TICK_US, -1, inject_tick, in);
        return;
    }
    in->received_at_last = in->received;
    in->injection_done = true;
}

/* ---- The transfer ------------------------------------------------------------ */

static void sender_step(struct inj *in)
{
    struct synack_stack *st = in->st[SENDER];
    static uint8_t buf[65536];
    while (in->queued < TRANSFER_BYTES) {
        size_t n = TRANSFER_BYTES - in->queued < sizeof buf ? (size_t)(TRANSFER_BYTES - in->queued) : sizeof buf;
        pattern_fill(1, in->queued, buf, n);
        ssize_t k = synack_send(st, in->sock[SENDER], buf, n);
        if (k <= 0)
            break;
        in->queued += (uint64_t)k;
    }
    /* The FIN waits for the end of the attack, so that every injected
     * segment meets ESTABLISHED connections. */
    if (in->queued == TRANSFER_BYTES && in->injection_done && !in->shut) {
        synack_shutdown(st, in->sock[SENDER], SYNACK_SHUT_WR);
        in->shut = true;
    }
    char c;
    ssize_t k = synack_recv(st, in->sock[SENDER], &c, 1);
    if (k == 0 && !in->sender_eof) {
        in->sender_eof = true;
        synack_close(st, in->sock[SENDER]);
    } else if (k < 0 && k != -SYNACK_EAGAIN) {
        in->error[SENDER] = (int)k;
    }
}

static void sender_app(struct synack_sim *sim, int host, void *ctx)
{
    struct inj *in = ctx;
    (void)sim, (void)host;
    struct synack_event ev;
    while (synack_next_event(in->st[SENDER], &ev))
        if (ev.sock == in->sock[SENDER] && !in->sender_eof)
            sender_step(in);
}

static void injection_end_check(struct synack_sim *sim, void *ctx)
{
    struct inj *in = ctx;
    (void)sim;
    if (in->injection_done && !in->sender_eof)
        sender_step(in);
    else
        synack_sim_at(sim, synack_sim_now(sim) + 10 * MS, in->host[SENDER], injection_end_check, in);
}

static void receiver_app(struct synack_sim *sim, int host, void *ctx)
{
    struct inj *in = ctx;
    (void)host;
    struct synack_stack *st = in->st[RECEIVER];
    static uint8_t buf[65536];
    struct synack_event ev;
    while (synack_next_event(st, &ev)) {
        if (ev.sock == in->listener) {
            int s = synack_accept(st, in->listener, NULL);
            if (s >= 0)
                in->sock[RECEIVER] = s;
            continue;
        }
        if (ev.sock != in->sock[RECEIVER] || in->receiver_eof)
            continue;
        for (;;) {
            ssize_t n = synack_recv(st, ev.sock, buf, sizeof buf);
            if (n > 0) {
                if (pattern_check(1, in->received, buf, (size_t)n) != (size_t)n)
                    in->mismatch = true;
                in->received += (uint64_t)n;
                continue;
            }
            if (n == 0) {
                in->receiver_eof = true;
                in->done_at = synack_sim_now(sim);
                synack_close(st, ev.sock);
            } else if (n != -SYNACK_EAGAIN) {
                in->error[RECEIVER] = (int)n;
            }
            break;
        }
    }
}

static void start(struct synack_sim *sim, void *ctx)
{
    struct inj *in = ctx;
    struct synack_stack *st = in->st[SENDER];
    in->sock[SENDER] = synack_socket(st);
    synack_bind(st, in->sock[SENDER], &in->ep[SENDER]);
    synack_connect(st, in->sock[SENDER], &in->ep[RECEIVER]);
    (void)sim;
}

static int build(struct inj *in, struct tracer tr[ENDS])
{
    in->rng = SEED;
    in->sim = synack_sim_new(SEED);
    in->ep[SENDER] = synack_endpoint_make(hostile_addr(18, 0, 1), 40000);
    in->ep[RECEIVER] = synack_endpoint_make(hostile_addr(18, 0, 2), PORT_SERVER);
    in->sock[SENDER] = in->sock[RECEIVER] = -1;
    static const char *names[ENDS] = { "sender", "receiver" };
    for (int e = 0; e < ENDS; e++) {
        struct synack_config cfg;
        synack_config_default(&cfg);
        tr[e] = (struct tracer){ in, e };
        cfg.trace = on_trace;
        cfg.trace_ctx = &tr[e];
        in->host[e] = synack_sim_add_host(in->sim, names[e], &cfg, in->ep[e].addr, 1500);
        if (in->host[e] < 0)
            return -1;
        in->st[e] = synack_sim_stack(in->sim, in->host[e]);
    }
    in->attacker = synack_sim_add_host(in->sim, "attacker", NULL, hostile_addr(18, 0, 3), 1500);
    struct synack_link_params path = { .delay_us = 10 * MS, .rate_bps = 100000000 };
    struct synack_link_params near = { .delay_us = 1 * MS };
    if (in->attacker < 0 || synack_sim_link(in->sim, in->host[SENDER], in->host[RECEIVER], &path, &path) < 0 ||
        synack_sim_link(in->sim, in->attacker, in->host[SENDER], &near, &near) < 0 ||
        synack_sim_link(in->sim, in->attacker, in->host[RECEIVER], &near, &near) < 0)
        return -1;
    in->listener = synack_socket(in->st[RECEIVER]);
    if (synack_bind(in->st[RECEIVER], in->listener, &in->ep[RECEIVER]) != 0 ||
        synack_listen(in->st[RECEIVER], in->listener, 8) != 0)
        return -1;
    synack_sim_set_app(in->sim, in->host[SENDER], sender_app, in);
    synack_sim_set_app(in->sim, in->host[RECEIVER], receiver_app, in);
    synack_sim_set_arrival_tap(in->sim, arrival, in);
    if (synack_sim_at(in->sim, 0, in->host[SENDER], start, in) ||
        synack_sim_at(in->sim, INJ_START_US, -1, inject_tick, in) ||
        synack_sim_at(in->sim, INJ_START_US, in->host[SENDER], injection_end_check, in))
        return -1;
    return 0;
}

static bool not_done(void *ctx)
{
    struct inj *in = ctx;
    return !(in->receiver_eof && in->sender_eof);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    static struct inj in;
    static struct tracer tr[ENDS];
    if (build(&in, tr) != 0) {
        printf("FAIL test_blind_injection: could not build the simulation\n");
        return 1;
    }
    synack_sim_run_while(in.sim, END_US, not_done, &in);
    finalize(&in);

    /* The transfer: complete, byte-exact, never reset. */
    CHECK_EQ(in.received, TRANSFER_BYTES);
    CHECK(!in.mismatch);
    CHECK(in.receiver_eof && in.sender_eof);
    CHECK_EQ(in.error[SENDER], 0);
    CHECK_EQ(in.error[RECEIVER], 0);
    /* The attack: all sent, all judged, from early to late in the transfer. */
    CHECK_EQ(in.sent, INJECTIONS);
    CHECK_EQ(in.judged, INJECTIONS);
    CHECK_EQ(in.wrong, 0);
    CHECK(in.received_at_first < TRANSFER_BYTES / 10);
    CHECK(in.received_at_last > TRANSFER_BYTES / 4 && in.received_at_last < TRANSFER_BYTES * 9ull / 10);
    /* Each stack's counters are exactly the classes aimed at it (the
     * legitimate traffic draws none of these). */
    uint64_t total = 0, challenged_all = 0, challenge_sent = 0, challenge_limited = 0;
    for (int e = 0; e < ENDS; e++) {
        const struct synack_stats *s = synack_stack_stats(in.st[e]);
        const uint64_t *k = in.classes[e];
        uint64_t challenged = k[V_RST_CHALLENGED] + k[V_SYN_CHALLENGED] + k[V_DATA_ACK_UNSENT] + k[V_DATA_ACK_TOO_OLD];
        for (int v = 0; v < V_COUNT; v++)
            total += k[v];
        CHECK_EQ(k[V_RST_RESET], 0);       /* a seed that drew one: the attacker won, by the odds */
        CHECK_EQ(k[V_DATA_TAKEN], 0);
        CHECK_EQ(s->tcp_estab_resets, 0);
        CHECK_EQ(s->tcp_rst_challenged, k[V_RST_CHALLENGED]);
        CHECK_EQ(s->tcp_rst_out_of_window, k[V_RST_IGNORED]);
        CHECK_EQ(s->tcp_syn_challenged, k[V_SYN_CHALLENGED]);
        CHECK_EQ(s->tcp_ack_unsent, k[V_DATA_ACK_UNSENT]);
        CHECK_EQ(s->tcp_ack_too_old, k[V_DATA_ACK_TOO_OLD]);
        CHECK_EQ(s->tcp_challenge_acks + s->tcp_challenge_acks_limited, challenged);
        CHECK_EQ(s->drops[SYNACK_DROP_TCP_OUT_OF_WINDOW],
                 k[V_DATA_OUT_OF_WINDOW] + in.legit_drops[e][SYNACK_DROP_TCP_OUT_OF_WINDOW]);
        for (int r = 0; r < SYNACK_DROP_COUNT; r++)
            if (r != SYNACK_DROP_TCP_OUT_OF_WINDOW)
                CHECK_EQ(in.legit_drops[e][r], 0);
        /* Every class the odds make likely did occur (so the judging was tested). */
        for (int v = V_RST_CHALLENGED; v <= V_DATA_ACK_TOO_OLD; v++)
            CHECK(k[v] > 0);
        challenged_all += challenged;
        challenge_sent += s->tcp_challenge_acks;
        challenge_limited += s->tcp_challenge_acks_limited;
    }
    CHECK_EQ(total, INJECTIONS);
    CHECK(challenge_limited > 0);              /* the rate limit was reached */

    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    int rc = hostile_verdict("test_blind_injection");
    printf("blind injection: %u segments (RST, SYN, %u-byte data; random SEQ/ACK) into a %u MiB transfer "
           "at %u/s from %.1f s (received then: %.1f %%, at the end: %.1f %%); transfer done at %.2f s, "
           "byte-exact, no reset; wall time %.1f s\n",
           in.sent, PAYLOAD, TRANSFER_BYTES >> 20, INJ_PER_TICK * (unsigned)(SEC / INJ_TICK_US),
           (double)INJ_START_US / SEC, 100.0 * (double)in.received_at_first / TRANSFER_BYTES,
           100.0 * (double)in.received_at_last / TRANSFER_BYTES, (double)in.done_at / SEC, wall);
    for (int e = 0; e < ENDS; e++) {
        const struct synack_stats *s = synack_stack_stats(in.st[e]);
        printf("blind injection: at the %-8s", e == SENDER ? "sender:" : "receiver:");
        for (int v = 0; v < V_COUNT; v++)
            printf("%s %s %llu", v ? "," : "", verdicts[v].name, (unsigned long long)in.classes[e][v]);
        printf("; challenge ACKs sent %llu, rate-limited %llu\n", (unsigned long long)s->tcp_challenge_acks,
               (unsigned long long)s->tcp_challenge_acks_limited);
    }
    printf("blind injection: totals: %llu judged (%llu mispredicted); challenges %llu = sent %llu + rate-limited "
           "%llu; dropped without challenge %llu\n",
           (unsigned long long)in.judged, (unsigned long long)in.wrong, (unsigned long long)challenged_all,
           (unsigned long long)challenge_sent, (unsigned long long)challenge_limited,
           (unsigned long long)(total - challenged_all));
    synack_sim_free(in.sim);
    return rc;
}
