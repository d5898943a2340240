/*
 * cc_reno.c — Reno window arithmetic (RFC 5681 §3.1-§3.2) with appropriate
 * byte counting in congestion avoidance (RFC 3465 §2.1) and the initial
 * window of RFC 6928.  Recovery itself (NewReno, RFC 6582) is driven by
 * tcp_input.c; this file only sizes the window.
 */
#include "cc.h"

static uint32_t max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }

static void reno_init(struct tcp_conn *c)
{
    c->cwnd = 10u * c->snd_mss;            /* RFC 6928 §2: IW = min(10*MSS, max(2*MSS, 14600)) */
    if (c->cwnd > max_u32(2u * c->snd_mss, 14600))
        c->cwnd = max_u32(2u * c->snd_mss, 14600);
    c->ssthresh = UINT32_MAX / 2;          /* RFC 5681 §3.1: arbitrarily high */
}

static void reno_on_ack(struct tcp_conn *c, uint32_t acked, synack_time_us now)
{
    (void)now;
    if (c->cwnd < c->ssthresh) {
        /* Slow start: RFC 5681 §3.1 eq. 2, with RFC 3465's limit L = 2*SMSS. */
        uint32_t inc = acked < 2u * c->snd_mss ? acked : 2u * c->snd_mss;
        c->cwnd += inc;
    } else {
        /* Congestion avoidance: about one SMSS per RTT (RFC 5681 eq. 3). */
        uint32_t inc = (uint32_t)((uint64_t)c->snd_mss * c->snd_mss / c->cwnd);
        c->cwnd += inc ? inc : 1;
    }
    if (c->cwnd > (1u << 30))
        c->cwnd = 1u << 30;
}

static void reno_on_fast_retransmit(struct tcp_conn *c, uint32_t flight, synack_time_us now)
{
    (void)now;
    c->ssthresh = max_u32(flight / 2, 2u * c->snd_mss);   /* RFC 5681 eq. 4 */
    c->cwnd = c->ssthresh + 3u * c->snd_mss;              /* RFC 5681 §3.2 step 3 */
}

static void reno_on_recovery_exit(struct tcp_conn *c, uint32_t flight, synack_time_us now)
{
    (void)now;
    /* RFC 6582 §3.2 step 3, option 1: min(ssthresh, max(FlightSize, SMSS) + SMSS). */
    uint32_t alt = max_u32(flight, c->snd_mss) + c->snd_mss;
    c->cwnd = c->ssthresh < alt ? c->ssthresh : alt;
}

static void reno_on_rto(struct tcp_conn *c, uint32_t flight, synack_time_us now)
{
    (void)now;
    c->ssthresh = max_u32(flight / 2, 2u * c->snd_mss);   /* RFC 5681 eq. 4 */
    c->cwnd = c->snd_mss;                                 /* loss window, RFC 5681 §3.1 */
}

const struct cc_ops cc_reno = {
    .name = "reno",
    .init = reno_init,
    .on_ack = reno_on_ack,
    .on_fast_retransmit = reno_on_fast_retransmit,
    .on_recovery_exit = reno_on_recovery_exit,
    .on_rto = reno_on_rto,
};
