/*
 * cc_newreno.c — the window arithmetic of NewReno:
 *   RFC 5681 §3.1  slow start (eq. 2), congestion avoidance (eq. 3),
 *                  ssthresh after a loss (eq. 4), the loss window after a
 *                  timeout; §4.1 the restart window after idle
 *   RFC 3465 §2.1  byte counting in congestion avoidance; §2.2-§2.3 in
 *                  slow start, with the limit L = 2*SMSS
 *   RFC 6582 §3.2  step 3: the window when recovery ends (option 1)
 *   RFC 6928 §2    the initial window
 *   RFC 7661       no growth while the sender is not cwnd-limited
 * NewReno's recovery itself (RFC 6582, RFC 6675) is driven by the loss
 * recovery code; this file only sizes the window.  Also home of what every
 * module shares: cc_initial_window, cc_lookup and the names.
 *
 * Not done yet: RFC 3465 §2.3 limits L to 1*SMSS in the slow start that
 * follows a retransmission timeout.  NewReno keeps no state of its own in
 * struct cc_state, so it cannot tell that slow start from any other; the
 * recovery code knows (REC_RTO) and could say so in struct cc_ack.
 */
#include <string.h>

#include "cc.h"
#include "synack/stack.h"
#include "tcp_conn.h"

static uint32_t max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }

uint32_t cc_initial_window(uint32_t mss)
{
    uint32_t iw = 10u * mss;
    uint32_t cap = max_u32(2u * mss, 14600);
    return iw < cap ? iw : cap;
}

static void newreno_init(struct tcp_conn *c, synack_time_us now)
{
    (void)now;
    c->cwnd = cc_initial_window(c->snd_mss);
    c->ssthresh = UINT32_MAX / 2;          /* RFC 5681 §3.1: arbitrarily high */
}

static void newreno_on_ack(struct tcp_conn *c, const struct cc_ack *a)
{
    if (!a->cwnd_limited)
        return;                            /* RFC 7661 §4.3: no growth while application-limited */
    if (c->cwnd < c->ssthresh) {
        /* Slow start: RFC 5681 §3.1 eq. 2, with RFC 3465's limit L = 2*SMSS. */
        uint32_t inc = a->acked < 2u * c->snd_mss ? a->acked : 2u * c->snd_mss;
        c->cwnd += inc;
    } else {
        /* Congestion avoidance, RFC 3465 §2.1: one SMSS per cwnd of bytes
         * acknowledged (about one SMSS per RTT, RFC 5681 eq. 3). */
        c->cc_bytes_acked += a->acked;
        if (c->cc_bytes_acked >= c->cwnd) {
            c->cc_bytes_acked -= c->cwnd;
            c->cwnd += c->snd_mss;
        }
    }
    if (c->cwnd > (1u << 30))
        c->cwnd = 1u << 30;
}

static void newreno_on_congestion(struct tcp_conn *c, uint32_t flight, synack_time_us now)
{
    (void)now;
    c->ssthresh = max_u32(flight / 2, 2u * c->snd_mss);   /* RFC 5681 eq. 4 */
    c->cwnd = c->ssthresh;                                /* recovery adds its own allowance */
    c->cc_bytes_acked = 0;
}

static void newreno_on_recovery_exit(struct tcp_conn *c, uint32_t flight, synack_time_us now)
{
    (void)now;
    (void)flight;
    /* Recovery here is RFC 6675 paced by PRR, which ends with cwnd =
     * ssthresh (RFC 6937 §3; RFC 6582 §3.2 step 3's second option).  The
     * first option, min(ssthresh, FlightSize + SMSS), answers the burst an
     * inflated window would release; PRR has none to release, and after a
     * full ACK it would leave a bulk sender at two segments. */
    c->cwnd = c->ssthresh;
}

static void newreno_on_rto(struct tcp_conn *c, uint32_t flight, synack_time_us now)
{
    (void)now;
    c->ssthresh = max_u32(flight / 2, 2u * c->snd_mss);   /* RFC 5681 eq. 4 */
    c->cwnd = c->snd_mss;                                 /* loss window, RFC 5681 §3.1 */
    c->cc_bytes_acked = 0;
}

static void newreno_on_idle_restart(struct tcp_conn *c, synack_time_us now)
{
    (void)now;
    /* RFC 5681 §4.1: cwnd = min(RW, cwnd) with RW = the initial window. */
    uint32_t rw = cc_initial_window(c->snd_mss);
    if (c->cwnd > rw) {
        c->cwnd = rw;
        c->cc_bytes_acked = 0;             /* counted against a window that is gone */
    }
}

const struct cc_ops cc_newreno = {
    .name = "newreno",
    .id = SYNACK_CC_NEWRENO,
    .init = newreno_init,
    .on_ack = newreno_on_ack,
    .on_congestion = newreno_on_congestion,
    .on_recovery_exit = newreno_on_recovery_exit,
    .on_rto = newreno_on_rto,
    .on_idle_restart = newreno_on_idle_restart,
};

const struct cc_ops *cc_lookup(int id)
{
    switch (id) {
    case SYNACK_CC_CUBIC:
        return &cc_cubic;
    case SYNACK_CC_NEWRENO:
        return &cc_newreno;
    default:
        return NULL;
    }
}

const char *synack_cc_name(int id)
{
    const struct cc_ops *ops = cc_lookup(id);
    return ops ? ops->name : NULL;
}

int synack_cc_from_name(const char *name)
{
    for (int id = 0; id < SYNACK_CC_COUNT; id++)
        if (name && strcmp(name, cc_lookup(id)->name) == 0)
            return id;
    return -SYNACK_EINVAL;
}
