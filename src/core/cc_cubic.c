/*
 * cc_cubic.c — CUBIC congestion control (RFC 9438).
 *
 * Reading list:
 *   RFC 9438 §4.1  definitions; C = 0.4 (§5.1) and beta_cubic = 0.7 (§4.6)
 *            §4.2  the window increase function W_cubic(t), K, and target
 *            §4.3  the Reno-friendly region (W_est, alpha_cubic)
 *            §4.4, §4.5  concave and convex regions
 *            §4.6  multiplicative decrease
 *            §4.7  fast convergence
 *            §4.8  timeout
 *            §4.9  spurious congestion events (undo; see cc.h)
 *            §5.8  application-limited flows
 *   RFC 5681 §3.1 (slow start, loss window), §4.1 (restart window)
 *   RFC 3465 §2.2-§2.3 (byte counting in slow start, the limit L)
 *   RFC 7661 (cwnd grows only while it is what limits the sender)
 *
 * Units.  The RFC counts windows in segments and time in seconds.  This
 * module keeps windows in bytes, like the rest of the engine, and time in
 * microseconds, and converts with SMSS where a formula needs segments:
 *
 *     W_cubic(t) = C * (t - K)^3 * SMSS + W_max           (bytes; t, K in s)
 *     K          = cbrt((W_max - cwnd_epoch) / SMSS / C)
 *
 * One congestion-avoidance stage (an "epoch") after a loss at W_max:
 *
 *     cwnd
 *       ^                                     convex (§4.5):
 *       |                                 *   probing beyond W_max
 *       |                              *
 *  W_max|- - - - - - - - - - - * * * *
 *       |                *           :
 *       |           *                :
 *       |       *  concave (§4.4):   :
 *       |    *     racing back to    :
 *       |  *       the old maximum   :
 *  cwnd_epoch                        :
 *  = beta_cubic * W_max              :
 *       +--+-------------------------+------------> time
 *       t_epoch                 t_epoch + K
 *
 * Floating point is used for two things only: the cube (t - K)^3 and the
 * cube root K.  Both are computed with +, -, *, / and frexp/ldexp, which
 * IEEE 754 rounds identically everywhere (the build is ISO C, so nothing
 * is contracted into a fused multiply-add), so a simulation yields the same
 * windows on every machine.  Everything else is integer arithmetic whose
 * division remainders are carried to the next ACK.
 *
 * All state is in struct cc_cubic_state (cc.h); there are no statics.
 */
#include <math.h>
#include <string.h>

#include "cc.h"
#include "synack/stack.h"
#include "tcp_conn.h"

/* RFC 9438 §5.1: C SHOULD be 0.4 (segments / s^3). */
#define CUBIC_C 0.4
/* RFC 9438 §4.6: beta_cubic SHOULD be 0.7, kept as the ratio 7/10. */
#define BETA_NUM 7u
#define BETA_DEN 10u
/* RFC 9438 §4.7: fast convergence shrinks W_max to cwnd * (1 + beta_cubic) / 2
 * = 0.85 = 17/20. */
#define FC_NUM 17u
#define FC_DEN 20u
/* RFC 9438 §4.3: alpha_cubic = 3 * (1 - beta_cubic) / (1 + beta_cubic)
 * = 0.9 / 1.7 = 9/17 (about 0.5294 segments per RTT); 17/17 once W_est
 * has reached cwnd_prior. */
#define ALPHA_NUM 9u
#define ALPHA_DEN 17u
/* The largest window this module grants: 1 GiB, the largest send buffer. */
#define CWND_MAX (1u << 30)
/* RTT assumed for the target (§4.2) before the connection has a sample. */
#define RTT_FALLBACK_US 100000u

static uint32_t max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }
static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

static uint32_t smss(const struct tcp_conn *c) { return c->snd_mss ? c->snd_mss : 1; }

/* The real cube root of v by Newton's iteration x <- (2x + v/x^2) / 3,
 * started at a power of two near the root.  After the first step every
 * iterate lies at or above the root (the arithmetic-geometric mean
 * inequality) and falls monotonically, so the loop ends at the first step
 * that does not decrease.  Exactly rounded operations only: deterministic. */
static double cube_root(double v)
{
    if (!(v > 0))
        return 0;
    int e;
    (void)frexp(v, &e);                        /* v = m * 2^e, 0.5 <= m < 1 */
    double x = ldexp(1.0, e / 3 + 1);
    x = (2 * x + v / (x * x)) / 3;
    for (int i = 0; i < 200; i++) {            /* ~60 steps at worst (v near 2^1023) */
        double next = (2 * x + v / (x * x)) / 3;
        if (!(next < x))
            break;
        x = next;
    }
    return x;
}

/* K of RFC 9438 §4.2 Figure 2, rounded to the microsecond:
 * K = cbrt((W_max - cwnd_epoch) / C), the windows in segments. */
static uint32_t cubic_k_us(uint32_t w_max_minus_cwnd_epoch, uint32_t mss)
{
    double k_s = cube_root((double)w_max_minus_cwnd_epoch / mss / CUBIC_C);
    double k_us = k_s * 1e6 + 0.5;
    return k_us >= (double)UINT32_MAX ? UINT32_MAX : (uint32_t)k_us;
}

/* W_cubic(t) of RFC 9438 §4.2 Figure 1 in bytes, for t microseconds into
 * the epoch; clamped to [0, 2 * CWND_MAX]. */
static uint64_t w_cubic(const struct cc_cubic_state *cs, uint64_t t_us, uint32_t mss)
{
    double d = ((double)t_us - (double)cs->k_us) / 1e6;    /* t - K, seconds */
    double w = (double)cs->w_max + CUBIC_C * d * d * d * mss;
    if (!(w > 0))
        return 0;
    if (w >= 2.0 * CWND_MAX)
        return 2ull * CWND_MAX;
    return (uint64_t)w;
}

static void end_epoch(struct cc_cubic_state *cs)
{
    cs->epoch = false;
    cs->app_limited = false;
}

/* RFC 9438 §4.2: the first ACK in congestion avoidance starts an epoch.
 * t_epoch = now, cwnd_epoch = cwnd, and K from Figure 2.  When the window
 * already stands at or above W_max — the first stage after a timeout, where
 * §4.8 asks for K = 0 and W_max = cwnd_epoch, the first stage of a
 * connection that never saw a loss (§4.10 does the same after HyStart++),
 * or a cwnd_epoch above the last W_max — the curve starts at its plateau:
 * K = 0 and W_max = cwnd_epoch.  §4.3: W_est starts at cwnd_epoch. */
static void start_epoch(struct tcp_conn *c, struct cc_cubic_state *cs, synack_time_us now)
{
    cs->epoch = true;
    cs->app_limited = false;
    cs->t_epoch = now;
    cs->cwnd_epoch = c->cwnd;
    cs->w_est = c->cwnd;
    cs->w_est_rem = 0;
    cs->cwnd_rem = 0;
    if (c->cwnd >= cs->w_max) {
        cs->w_max = c->cwnd;
        cs->k_us = 0;
    } else {
        cs->k_us = cubic_k_us(cs->w_max - c->cwnd, smss(c));
    }
    cs->after_rto = false;
}

static void cubic_init(struct tcp_conn *c, synack_time_us now)
{
    (void)now;
    memset(&c->cc_state.u.cubic, 0, sizeof c->cc_state.u.cubic);   /* no epoch, W_max unknown */
    c->cwnd = cc_initial_window(c->snd_mss);    /* RFC 6928 */
    c->ssthresh = UINT32_MAX / 2;               /* RFC 5681 §3.1: arbitrarily high */
}

/* RFC 5681 §3.1 slow start with RFC 3465 §2.2 byte counting: cwnd grows by
 * the bytes acknowledged, at most L per ACK.  L = 2*SMSS (§2.3), except in
 * the slow start that follows a timeout, where §2.3 limits L to 1*SMSS: one
 * ACK there may cover much data that the receiver held out of order. */
static void slow_start(struct tcp_conn *c, struct cc_cubic_state *cs, const struct cc_ack *a)
{
    end_epoch(cs);                              /* an epoch only runs in congestion avoidance */
    uint32_t limit = (cs->after_rto ? 1u : 2u) * smss(c);
    c->cwnd += min_u32(a->acked, limit);
}

/* RFC 9438 §4.2-§4.5: one ACK in congestion avoidance. */
static void congestion_avoidance(struct tcp_conn *c, struct cc_cubic_state *cs, const struct cc_ack *a)
{
    uint32_t mss = smss(c);
    if (!cs->epoch) {
        start_epoch(c, cs, a->now);
    } else if (cs->app_limited) {
        /* §4.2, §5.8: t excludes the time the flow was application-limited,
         * so the curve resumes where it paused instead of jumping ahead. */
        if (a->now > cs->app_limited_since)
            cs->t_epoch += a->now - cs->app_limited_since;
        cs->app_limited = false;
    }
    uint32_t cwnd = c->cwnd;
    uint64_t t_us = a->now > cs->t_epoch ? a->now - cs->t_epoch : 0;
    /* §4.2: RTT in the target is the smoothed RTT. */
    uint32_t rtt_us = c->rtt.srtt_us ? c->rtt.srtt_us : a->rtt_us ? a->rtt_us : RTT_FALLBACK_US;

    /* §4.3 Figure 4: W_est += alpha_cubic * segments_acked / cwnd, in bytes
     * alpha_cubic * SMSS * bytes_acked / cwnd.  Once W_est has reached
     * cwnd_prior, alpha_cubic is 1 (Reno's own rate). */
    uint32_t alpha_num = cs->w_est >= cs->cwnd_prior ? ALPHA_DEN : ALPHA_NUM;
    uint64_t num = (uint64_t)alpha_num * mss * a->acked + cs->w_est_rem;
    uint64_t den = (uint64_t)ALPHA_DEN * cwnd;
    uint64_t w_est = cs->w_est + num / den;
    cs->w_est = (uint32_t)(w_est < CWND_MAX ? w_est : CWND_MAX);
    cs->w_est_rem = num % den;

    uint64_t next;
    if (w_cubic(cs, t_us, mss) < cs->w_est) {
        /* §4.3: the Reno-friendly region: cwnd SHOULD be W_est (never
         * lowered: cwnd may have run ahead of W_cubic(t) towards the target). */
        next = max_u32(cwnd, cs->w_est);
    } else {
        /* §4.2: target = W_cubic(t + RTT), held within [cwnd, 1.5 * cwnd].
         * §4.4 (concave, cwnd < W_max) and §4.5 (convex, cwnd >= W_max)
         * share the rule: cwnd grows by (target - cwnd) / cwnd per ACKed
         * segment, in bytes (target - cwnd) * bytes_acked / cwnd. */
        uint64_t target = w_cubic(cs, t_us + rtt_us, mss);
        if (target < cwnd)
            target = cwnd;
        if (target > (uint64_t)cwnd + cwnd / 2)
            target = (uint64_t)cwnd + cwnd / 2;
        uint64_t inc = (target - cwnd) * a->acked + cs->cwnd_rem;
        next = cwnd + inc / cwnd;
        cs->cwnd_rem = (uint32_t)(inc % cwnd);
    }
    c->cwnd = (uint32_t)(next < CWND_MAX ? next : CWND_MAX);
}

static void cubic_on_ack(struct tcp_conn *c, const struct cc_ack *a)
{
    struct cc_cubic_state *cs = &c->cc_state.u.cubic;
    cs->reduced = false;                        /* new data acknowledged: the loss episode is over */
    if (!a->cwnd_limited) {
        /* RFC 7661, RFC 9438 §5.8: no growth while the application (or the
         * peer's window) holds the sender back; the epoch's clock stops. */
        if (cs->epoch && !cs->app_limited) {
            cs->app_limited = true;
            cs->app_limited_since = a->now;
        }
    } else if (c->cwnd < c->ssthresh) {
        slow_start(c, cs, a);
    } else if (c->cwnd > 0) {
        congestion_avoidance(c, cs, a);
    }
    if (c->cwnd > CWND_MAX)
        c->cwnd = CWND_MAX;
    cs->last_ack = a->now;
}

/* W_max, cwnd_prior and ssthresh for a congestion event or a timeout.
 *
 * §4.7 fast convergence: a loss below the last W_max means a competing flow
 * has arrived; release bandwidth sooner by remembering less than we had.
 *
 * §4.6 Figure 5 computes ssthresh = flight_size * beta_cubic.  Like Linux,
 * this module uses cwnd instead; §4.6 allows that to an implementation that
 * keeps cwnd from growing while bytes in flight stay below it, and on_ack
 * does (RFC 7661).  Never below 2*SMSS (§4.6). */
static void reduce(struct tcp_conn *c, struct cc_cubic_state *cs)
{
    uint32_t cwnd = c->cwnd;
    if (cwnd < cs->w_max)
        cs->w_max = (uint32_t)((uint64_t)cwnd * FC_NUM / FC_DEN);
    else
        cs->w_max = cwnd;
    cs->cwnd_prior = cwnd;
    c->ssthresh = max_u32((uint32_t)((uint64_t)cwnd * BETA_NUM / BETA_DEN), 2u * smss(c));
}

static void cubic_on_congestion(struct tcp_conn *c, uint32_t flight, synack_time_us now)
{
    (void)flight;
    (void)now;
    struct cc_cubic_state *cs = &c->cc_state.u.cubic;
    reduce(c, cs);
    c->cwnd = c->ssthresh;                      /* §4.6: cwnd = max(ssthresh, 2) */
    end_epoch(cs);                              /* the next CA stage starts a new curve */
    cs->after_rto = false;                      /* this loss sets W_max afresh */
    cs->reduced = true;
}

static void cubic_on_recovery_exit(struct tcp_conn *c, uint32_t flight, synack_time_us now)
{
    (void)flight;
    struct cc_cubic_state *cs = &c->cc_state.u.cubic;
    c->cwnd = c->ssthresh;                      /* RFC 6675 §5: leave recovery at ssthresh */
    cs->reduced = false;
    cs->last_ack = now;
}

/* RFC 9438 §4.8: after a timeout CUBIC follows Reno (RFC 5681 §3.1: cwnd
 * falls to the loss window, one SMSS) but sets ssthresh with beta_cubic as
 * in §4.6.  The first congestion-avoidance stage afterwards starts with
 * K = 0 and W_max = cwnd_epoch: W_max is forgotten here and start_epoch
 * sets it.
 *
 * ssthresh is lowered once per loss episode.  RFC 5681 §3.1 reduces it for
 * a segment "not yet resent by way of the retransmission timer", so a
 * second timeout of the same data keeps it; and a timeout during fast
 * recovery keeps the ssthresh that recovery's congestion event chose
 * (cwnd is inflated then, and would give a larger one). */
static void cubic_on_rto(struct tcp_conn *c, uint32_t flight, synack_time_us now)
{
    (void)flight;
    (void)now;
    struct cc_cubic_state *cs = &c->cc_state.u.cubic;
    if (!cs->reduced)
        reduce(c, cs);
    cs->w_max = 0;
    c->cwnd = smss(c);
    end_epoch(cs);
    cs->after_rto = true;
    cs->reduced = true;
}

/* RFC 5681 §4.1: after an idle period longer than the RTO, sending restarts
 * from RW = min(IW, cwnd).  RFC 9438 §5.8: the idle time must not count in
 * t, or W_cubic(t) would be far ahead when sending resumes.  If the restart
 * window cuts cwnd, slow start follows and the next congestion-avoidance
 * stage starts a fresh epoch from W_max; otherwise the running epoch is
 * moved later by the idle time, so its curve continues where it stopped. */
static void cubic_on_idle_restart(struct tcp_conn *c, synack_time_us now)
{
    struct cc_cubic_state *cs = &c->cc_state.u.cubic;
    uint32_t rw = cc_initial_window(c->snd_mss);
    if (c->cwnd > rw) {
        c->cwnd = rw;
        end_epoch(cs);
    } else if (cs->epoch) {
        synack_time_us idle_from = cs->app_limited ? cs->app_limited_since : cs->last_ack;
        if (now > idle_from)
            cs->t_epoch += now - idle_from;
        if (cs->t_epoch > now)
            cs->t_epoch = now;
        cs->app_limited = false;
    }
    cs->last_ack = now;                         /* a second call for the same idle shifts nothing */
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
