/*
 * cc_cubic.c — placeholder until CUBIC (RFC 9438) lands: Reno growth with
 * CUBIC's multiplicative decrease (beta 0.7).
 */
#include "cc.h"
#include "synack/stack.h"
#include "tcp_conn.h"

static uint32_t at_least_two(const struct tcp_conn *c, uint32_t w)
{
    return w > 2u * c->snd_mss ? w : 2u * c->snd_mss;
}

static void cubic_init(struct tcp_conn *c, synack_time_us now)
{
    (void)now;
    c->cwnd = cc_initial_window(c->snd_mss);
    c->ssthresh = UINT32_MAX / 2;
}

static void cubic_on_ack(struct tcp_conn *c, const struct cc_ack *a)
{
    if (!a->cwnd_limited)
        return;
    if (c->cwnd < c->ssthresh) {
        c->cwnd += a->acked < 2u * c->snd_mss ? a->acked : 2u * c->snd_mss;
        return;
    }
    c->cc_bytes_acked += a->acked;
    if (c->cc_bytes_acked >= c->cwnd) {
        c->cc_bytes_acked -= c->cwnd;
        c->cwnd += c->snd_mss;
    }
}

static void cubic_on_congestion(struct tcp_conn *c, uint32_t flight, synack_time_us now)
{
    (void)flight;
    (void)now;
    c->ssthresh = at_least_two(c, (uint32_t)((uint64_t)c->cwnd * 7 / 10));
    c->cwnd = c->ssthresh;
}

static void cubic_on_recovery_exit(struct tcp_conn *c, uint32_t flight, synack_time_us now)
{
    (void)flight;
    (void)now;
    c->cwnd = c->ssthresh;
}

static void cubic_on_rto(struct tcp_conn *c, uint32_t flight, synack_time_us now)
{
    (void)flight;
    (void)now;
    c->ssthresh = at_least_two(c, (uint32_t)((uint64_t)c->cwnd * 7 / 10));
    c->cwnd = c->snd_mss;
}

static void cubic_on_idle_restart(struct tcp_conn *c, synack_time_us now)
{
    (void)now;
    uint32_t rw = cc_initial_window(c->snd_mss);
    if (c->cwnd > rw)
        c->cwnd = rw;
}

const struct cc_ops cc_cubic = {
    .name = "cubic",
    .id = SYNACK_CC_CUBIC,
    .init = cubic_init,
    .on_ack = cubic_on_ack,
    .on_congestion = cubic_on_congestion,
    .on_recovery_exit = cubic_on_recovery_exit,
    .on_rto = cubic_on_rto,
    .on_idle_restart = cubic_on_idle_restart,
};
