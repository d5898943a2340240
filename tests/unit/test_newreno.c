/* test_newreno.c — the NewReno window arithmetic (cc_newreno.c) as pure
 * functions on a connection block the test sets up itself: RFC 5681 §3.1
 * (slow start, congestion avoidance, eq. 4, loss window), RFC 3465 §2.1-§2.2
 * (byte counting, L = 2*SMSS), RFC 6582 §3.2 step 3 (leaving recovery),
 * RFC 5681 §4.1 (restart window), RFC 6928 (initial window). */
#include <stdlib.h>

#include "test.h"

#include "cc.h"
#include "tcp_conn.h"

#define MSS 1460u
#define MS 1000u
#define S 1000000u
#define SEG(n) ((uint32_t)(n) * MSS)

static struct tcp_conn *new_conn(uint16_t mss)
{
    struct tcp_conn *c = calloc(1, sizeof *c);
    c->snd_mss = mss;
    c->cc = &cc_newreno;
    c->cc->init(c, 0);
    return c;
}

static void ack(struct tcp_conn *c, uint32_t bytes, bool cwnd_limited)
{
    struct cc_ack a = { .now = 10 * S, .acked = bytes, .flight = c->cwnd, .rtt_us = 0, .cwnd_limited = cwnd_limited };
    c->cc->on_ack(c, &a);
}

/* One round trip: the cwnd bytes sent come back in MSS-sized ACKs. */
static void round_trip(struct tcp_conn *c)
{
    uint32_t window = c->cwnd;
    while (window) {
        uint32_t bytes = window < MSS ? window : MSS;
        ack(c, bytes, true);
        window -= bytes;
    }
}

/* RFC 6928 §2: IW = min(10*MSS, max(2*MSS, 14600)). */
TEST(newreno_initial_window_rfc6928)
{
    CHECK_EQ(cc_initial_window(536), 5360);         /* 10 * 536 */
    CHECK_EQ(cc_initial_window(1460), 14600);       /* 10 * 1460 = 14600 */
    CHECK_EQ(cc_initial_window(9000), 18000);       /* 2 * 9000 > 14600 */
    CHECK_EQ(cc_initial_window(4000), 14600);       /* between: the 14600 byte cap */
    const uint16_t mss[] = { 536, 1460, 9000 };
    for (size_t i = 0; i < 3; i++) {
        struct tcp_conn *c = new_conn(mss[i]);
        CHECK_EQ(c->cwnd, cc_initial_window(mss[i]));
        CHECK_EQ(c->ssthresh, UINT32_MAX / 2);      /* RFC 5681 §3.1: arbitrarily high */
        free(c);
    }
}

/* RFC 5681 §3.1 eq. 2 with RFC 3465 §2.2: cwnd += min(N, L), L = 2*SMSS. */
TEST(newreno_slow_start_abc)
{
    struct tcp_conn *c = new_conn(MSS);
    ack(c, MSS, true);
    CHECK_EQ(c->cwnd, SEG(11));
    ack(c, 500, true);                               /* counts the bytes, not the ACK */
    CHECK_EQ(c->cwnd, SEG(11) + 500);
    ack(c, SEG(2), true);                            /* a delayed ACK: both segments count */
    CHECK_EQ(c->cwnd, SEG(13) + 500);
    ack(c, SEG(5), true);                            /* a stretch ACK: L caps it at 2*SMSS */
    CHECK_EQ(c->cwnd, SEG(15) + 500);
    free(c);

    /* One window of ACKs doubles it. */
    c = new_conn(MSS);
    round_trip(c);
    CHECK_EQ(c->cwnd, SEG(20));
    round_trip(c);
    CHECK_EQ(c->cwnd, SEG(40));
    free(c);
}

/* RFC 5681 §3.1 eq. 3 with RFC 3465 §2.1: one SMSS once a whole cwnd of
 * bytes has been acknowledged; the surplus carries over. */
TEST(newreno_congestion_avoidance)
{
    struct tcp_conn *c = new_conn(MSS);
    c->cwnd = c->ssthresh = SEG(10);
    for (int i = 0; i < 9; i++)
        ack(c, MSS, true);
    CHECK_EQ(c->cwnd, SEG(10));
    CHECK_EQ(c->cc_bytes_acked, SEG(9));
    ack(c, MSS + 100, true);
    CHECK_EQ(c->cwnd, SEG(11));
    CHECK_EQ(c->cc_bytes_acked, 100);
    /* Then about one SMSS per round trip. */
    for (int i = 0; i < 10; i++)
        round_trip(c);
    CHECK_EQ(c->cwnd, SEG(21));
    free(c);
}

/* RFC 7661 §4.3: no growth while the sender is not cwnd-limited. */
TEST(newreno_no_growth_when_not_cwnd_limited)
{
    struct tcp_conn *c = new_conn(MSS);
    ack(c, MSS, false);
    CHECK_EQ(c->cwnd, SEG(10));
    c->ssthresh = SEG(5);
    for (int i = 0; i < 100; i++)
        ack(c, MSS, false);
    CHECK_EQ(c->cwnd, SEG(10));
    CHECK_EQ(c->cc_bytes_acked, 0);
    free(c);
}

/* RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2*SMSS) — of the flight,
 * not of cwnd; cwnd = ssthresh (the recovery code adds 3*SMSS itself). */
TEST(newreno_on_congestion)
{
    struct tcp_conn *c = new_conn(MSS);
    c->cwnd = SEG(100);
    c->cc_bytes_acked = 5000;
    c->cc->on_congestion(c, SEG(20), 10 * S);
    CHECK_EQ(c->ssthresh, SEG(10));
    CHECK_EQ(c->cwnd, SEG(10));
    CHECK_EQ(c->cc_bytes_acked, 0);
    c->cc->on_congestion(c, SEG(3), 11 * S);         /* 1.5 segments: raised to 2 */
    CHECK_EQ(c->ssthresh, SEG(2));
    CHECK_EQ(c->cwnd, SEG(2));
    free(c);
}

/* RFC 5681 §3.1: on a timeout, eq. 4 for ssthresh and the loss window,
 * one SMSS, for cwnd. */
TEST(newreno_on_rto)
{
    struct tcp_conn *c = new_conn(MSS);
    c->cwnd = SEG(40);
    c->cc->on_rto(c, SEG(30), 10 * S);
    CHECK_EQ(c->cwnd, MSS);
    CHECK_EQ(c->ssthresh, SEG(15));
    /* The same data again: FlightSize has not changed, neither does ssthresh. */
    c->cc->on_rto(c, SEG(30), 12 * S);
    CHECK_EQ(c->ssthresh, SEG(15));
    c->cc->on_rto(c, MSS, 20 * S);
    CHECK_EQ(c->ssthresh, SEG(2));
    free(c);
}

/* Recovery paced by PRR ends with cwnd = ssthresh (RFC 6937 §3; RFC 6582
 * §3.2 step 3's second option), whatever is still in flight. */
TEST(newreno_recovery_exit_sets_ssthresh)
{
    struct tcp_conn *c = new_conn(MSS);
    c->ssthresh = SEG(10);
    c->cwnd = SEG(25);
    c->cc->on_recovery_exit(c, SEG(20), 10 * S);     /* plenty in flight */
    CHECK_EQ(c->cwnd, SEG(10));
    c->cwnd = SEG(3);                                /* PRR brought it low */
    c->cc->on_recovery_exit(c, SEG(4), 10 * S);
    CHECK_EQ(c->cwnd, SEG(10));
    c->cwnd = SEG(25);
    c->cc->on_recovery_exit(c, 0, 10 * S);           /* nothing in flight: a bulk sender goes on at ssthresh */
    CHECK_EQ(c->cwnd, SEG(10));
    c->cwnd = SEG(25);
    c->cc->on_recovery_exit(c, SEG(9), 10 * S);      /* exactly ssthresh */
    CHECK_EQ(c->cwnd, SEG(10));
    free(c);
}

/* RFC 5681 §4.1: after an idle period, cwnd = min(RW, cwnd), RW = IW. */
TEST(newreno_idle_restart)
{
    struct tcp_conn *c = new_conn(MSS);
    c->cwnd = SEG(50);
    c->ssthresh = SEG(30);
    c->cc->on_idle_restart(c, 60 * S);
    CHECK_EQ(c->cwnd, SEG(10));
    CHECK_EQ(c->ssthresh, SEG(30));                  /* kept: slow start back up to it */
    c->cwnd = SEG(3);
    c->cc->on_idle_restart(c, 120 * S);
    CHECK_EQ(c->cwnd, SEG(3));                       /* never raised */
    free(c);

    c = new_conn(9000);
    c->cwnd = 100000;
    c->cc->on_idle_restart(c, 60 * S);
    CHECK_EQ(c->cwnd, 18000);
    free(c);
}

TEST(newreno_cwnd_capped)
{
    struct tcp_conn *c = new_conn(MSS);
    c->cwnd = (1u << 30) - 100;
    ack(c, SEG(2), true);
    CHECK_EQ(c->cwnd, 1u << 30);
    free(c);
}
