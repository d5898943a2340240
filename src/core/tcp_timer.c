/*
 * tcp_timer.c — the connection timers, one deadline per purpose.
 *
 * Retransmission (RFC 6298 §5): runs whenever sequence space is
 * outstanding.  On expiry the segment at SND.UNA is sent again, the RTO
 * doubles (§5.5), the congestion window collapses to one segment (RFC 5681
 * §3.1), and the connection is abandoned with ETIMEDOUT after
 * syn_retries (in SYN-SENT/SYN-RECEIVED) or data_retries expiries in a row
 * (RFC 1122 §4.2.3.5, R2).  Repeated expiries of full-sized segments may
 * also mean a path MTU black hole (tcp_pmtu_on_rto, RFC 4821 §7.7).
 *
 * Persist (RFC 9293 §3.8.6.1): while the peer advertises a zero window and
 * we have data, a probe of one byte goes out at backed-off intervals, so
 * that a lost window update cannot deadlock the connection.  A peer that
 * keeps answering is never given up on (RFC 1122 §4.2.2.17); one that has
 * gone silent is, after data_retries unanswered probes in a row, as the
 * retransmission timer would (R2).  Otherwise a peer that shut its window
 * and vanished would pin the connection and its buffers forever (found by
 * fuzz/fuzz_conn.c; Linux gives up after tcp_retries2 such probes).
 *
 * Delayed ACK (RFC 9293 §3.8.6.3, RFC 1122 §4.2.3.2): an ACK held back in
 * the hope of riding on data is sent when this fires.
 *
 * 2*MSL (RFC 9293 §3.3.2, §3.6): how long TIME-WAIT lasts.  The same slot
 * bounds how long an orphaned connection may sit in FIN-WAIT-2 waiting for
 * a FIN that may never come (Linux's tcp_fin_timeout does the same).
 */
#include "cc.h"
#include "seq.h"
#include "stack_internal.h"
#include "tcp_conn.h"
#include "tcp_recovery.h"

static synack_time_us earliest(const struct tcp_conn *c)
{
    synack_time_us next = SYNACK_TIME_NEVER;
    for (int t = 0; t < TCP_TIMER_COUNT; t++)
        if (c->timer[t] < next)
            next = c->timer[t];
    return next;
}

/* The heap key may run early but never late: a deadline that moves later
 * (the RTO restarted by every ACK, a delayed ACK cleared by the segment
 * that carried it) leaves the entry where it is, and when it comes due
 * tcp_timer_run finds nothing expired and puts it at the true deadline.
 * Most changes then cost no heap operation at all; synack_poll may
 * return a deadline at which nothing happens, which its contract allows. */
static void reschedule(struct synack_stack *st, struct tcp_conn *c, bool exact)
{
    synack_time_us next = earliest(c);
    if (c->sched.index != TIMER_NOT_QUEUED &&
        (exact ? c->sched.deadline == next : c->sched.deadline <= next))
        return;
    timer_heap_set(&st->timers, &c->sched, next);   /* room reserved by tcp_conn_new */
}

void tcp_timer_set(struct synack_stack *st, struct tcp_conn *c, enum tcp_timer t, synack_time_us when)
{
    c->timer[t] = when;
    if (c->sched.index != TIMER_NOT_QUEUED && c->sched.deadline <= when)
        return;                                   /* the key stays early: see reschedule */
    reschedule(st, c, false);
}

void tcp_timer_clear(struct synack_stack *st, struct tcp_conn *c, enum tcp_timer t)
{
    if (c->timer[t] == SYNACK_TIME_NEVER)
        return;
    c->timer[t] = SYNACK_TIME_NEVER;
    if (c->sched.index != TIMER_NOT_QUEUED)
        return;                                   /* nothing got earlier: see reschedule */
    reschedule(st, c, false);
}

void tcp_rexmt_restart(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    if (c->snd_max == c->snd_una || tcp_timer_armed(c, TCP_TIMER_PERSIST)) {
        tcp_timer_clear(st, c, TCP_TIMER_REXMT);   /* RFC 6298 §5.2 */
        return;
    }
    /* RFC 6298 §5.3 (restart on new ACK) and §5.1 (start when sending). */
    tcp_timer_set(st, c, TCP_TIMER_REXMT, now + rtt_rto_backed_off(&c->rtt, c->backoff));
}

void tcp_enter_time_wait(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    tcp_conn_set_state(st, c, SYNACK_TCP_TIME_WAIT, now);
    tcp_timer_clear(st, c, TCP_TIMER_REXMT);
    tcp_timer_clear(st, c, TCP_TIMER_PERSIST);
    tcp_timer_clear(st, c, TCP_TIMER_DELACK);
    tcp_timer_set(st, c, TCP_TIMER_2MSL, now + 2 * st->cfg.msl_us);
    /* Everything we sent is acknowledged: TIME-WAIT needs no send buffer,
     * and without an application no receive buffer either. */
    ringbuf_free(st, &c->sndbuf);
    tcp_conn_ooo_forget(st, c);                   /* nothing lies beyond the FIN */
    if (c->sock < 0)
        tcp_conn_free_rcvbuf(st, c);
}

/* A timer gives up on the peer: counted as a reset of an established
 * connection if it was one, and closed with ETIMEDOUT (RFC 9293 §3.8.3,
 * R2) — or rather with a soft ICMP error seen meanwhile, which says more
 * (RFC 1122 §4.2.3.9; Linux reports it the same way). */
static void give_up(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    if (c->state == SYNACK_TCP_ESTABLISHED || c->state == SYNACK_TCP_CLOSE_WAIT)
        st->stats.tcp_estab_resets++;
    tcp_conn_close(st, c, c->soft_error ? c->soft_error : -SYNACK_ETIMEDOUT, now);
}

/* Returns false when the connection was given up (and may be freed). */
static bool rexmt_expired(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    bool opening = c->state == SYNACK_TCP_SYN_SENT || c->state == SYNACK_TCP_SYN_RECEIVED;
    uint32_t limit = opening ? st->cfg.syn_retries : st->cfg.data_retries;
    st->stats.tcp_timeouts++;
    c->rto_expiries++;
    if (c->backoff >= limit) {
        if (opening)
            st->stats.tcp_attempt_fails++;
        give_up(st, c, now);                  /* RFC 9293 §3.8.3 (R2) */
        return false;
    }
    c->backoff++;
    if (tcp_state_synchronized(c->state) && c->snd_max != c->snd_una && !(c->snd_una == c->iss)) {
        /* RFC 6298 §5.4-§5.6 and RFC 5681 §3.1: resend the oldest segment
         * with a window of one, the timer backed off. */
        tcp_rec_on_rto(st, c, now);
        tcp_pmtu_on_rto(st, c, now);          /* RFC 4821 §7.7: a black hole? */
        c->rtt_timing = false;                /* Karn: never time a retransmission */
        tcp_output(st, c, now);
    } else {
        c->rtt_timing = false;
        tcp_retransmit_first(st, c, now);     /* our SYN (or SYN|ACK) again */
        if (c->snd_max != c->iss + 1 && tcp_state_synchronized(c->state)) {
            tcp_rec_on_rto(st, c, now);       /* a FIN sent after a close in SYN-RECEIVED */
            tcp_output(st, c, now);
        }
    }
    tcp_timer_set(st, c, TCP_TIMER_REXMT, now + rtt_rto_backed_off(&c->rtt, c->backoff));
    return true;
}

/* Returns false when the connection was given up (and may be freed). */
static bool persist_expired(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    c->timer[TCP_TIMER_PERSIST] = SYNACK_TIME_NEVER;
    if (c->snd_wnd != 0 || c->state == SYNACK_TCP_CLOSED)
        return true;
    if (c->persist_unanswered >= st->cfg.data_retries) {
        /* Nothing heard since the last data_retries probes (any segment
         * from the peer resets the count in tcp_input.c). */
        st->stats.tcp_timeouts++;
        give_up(st, c, now);
        return false;
    }
    c->persist_unanswered++;
    /* Re-arm first: with the persist timer running, sending the probe
     * does not start the retransmission timer, whose backoff and give-up
     * count must not apply to a peer that answers with a zero window. */
    if (c->persist_backoff < 16)
        c->persist_backoff++;
    uint32_t iv = rtt_rto_backed_off(&c->rtt, c->persist_backoff);
    tcp_timer_set(st, c, TCP_TIMER_PERSIST, now + iv);
    /* Probe with one byte (the first unacknowledged one if a probe is
     * already outstanding, else one new byte). */
    tcp_send_probe(st, c, true, now);
    return true;
}

void tcp_keepalive_restart(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    bool wanted = c->keepalive && (c->state == SYNACK_TCP_ESTABLISHED || c->state == SYNACK_TCP_CLOSE_WAIT ||
                                   c->state == SYNACK_TCP_FIN_WAIT_2);
    if (!wanted) {
        tcp_timer_clear(st, c, TCP_TIMER_KEEPALIVE);
        return;
    }
    /* Lazily: the timer is set for the idle time after the last segment
     * received, and re-aimed when it fires early. */
    if (!tcp_timer_armed(c, TCP_TIMER_KEEPALIVE))
        tcp_timer_set(st, c, TCP_TIMER_KEEPALIVE, c->last_recv_time + (synack_time_us)c->keep_idle_s * 1000000);
    (void)now;
}

/* RFC 1122 §4.2.3.6: after keep_idle of silence, probe every keep_intvl;
 * after keep_cnt unanswered probes the connection is dead.  Returns false
 * when it was given up (and may be freed). */
static bool keepalive_expired(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    if (!c->keepalive || (c->state != SYNACK_TCP_ESTABLISHED && c->state != SYNACK_TCP_CLOSE_WAIT &&
                          c->state != SYNACK_TCP_FIN_WAIT_2))
        return true;
    synack_time_us idle = (synack_time_us)c->keep_idle_s * 1000000;
    synack_time_us intvl = (synack_time_us)c->keep_intvl_s * 1000000;
    if (c->keep_probes == 0 && now < c->last_recv_time + idle) {
        tcp_timer_set(st, c, TCP_TIMER_KEEPALIVE, c->last_recv_time + idle);   /* heard from since */
        return true;
    }
    if (c->snd_max != c->snd_una || tcp_timer_armed(c, TCP_TIMER_PERSIST)) {
        tcp_timer_set(st, c, TCP_TIMER_KEEPALIVE, now + idle);   /* the RTO or persist timer watches */
        return true;
    }
    if (c->keep_probes >= c->keep_cnt) {
        st->stats.tcp_keepalive_drops++;
        give_up(st, c, now);
        return false;
    }
    c->keep_probes++;
    st->stats.tcp_keepalive_probes++;
    tcp_send_keepalive(st, c, now);
    tcp_timer_set(st, c, TCP_TIMER_KEEPALIVE, now + intvl);
    return true;
}

void tcp_timer_run(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    if (c->timer[TCP_TIMER_2MSL] <= now) {
        c->timer[TCP_TIMER_2MSL] = SYNACK_TIME_NEVER;
        if (c->state == SYNACK_TCP_TIME_WAIT)
            st->stats.tcp_time_wait_expired++;
        tcp_conn_close(st, c, 0, now);
        return;   /* c may be freed */
    }
    /* A probe due with the RTO goes first and, if sent, rearms the RTO in
     * its stead (RFC 8985 §7.2-§7.3). */
    if (c->timer[TCP_TIMER_TLP] <= now) {
        c->timer[TCP_TIMER_TLP] = SYNACK_TIME_NEVER;
        tcp_rec_on_tlp_timer(st, c, now);
    }
    if (c->timer[TCP_TIMER_REXMT] <= now) {
        c->timer[TCP_TIMER_REXMT] = SYNACK_TIME_NEVER;
        if (!rexmt_expired(st, c, now))
            return;   /* gave up: c may be freed */
    }
    if (c->timer[TCP_TIMER_PERSIST] <= now && !persist_expired(st, c, now))
        return;   /* gave up: c may be freed */
    if (c->timer[TCP_TIMER_REORDER] <= now) {
        c->timer[TCP_TIMER_REORDER] = SYNACK_TIME_NEVER;
        tcp_rec_on_reorder_timer(st, c, now);
    }
    if (c->timer[TCP_TIMER_KEEPALIVE] <= now) {
        c->timer[TCP_TIMER_KEEPALIVE] = SYNACK_TIME_NEVER;
        if (!keepalive_expired(st, c, now))
            return;   /* gave up: c may be freed */
    }
    if (c->timer[TCP_TIMER_DELACK] <= now) {
        c->timer[TCP_TIMER_DELACK] = SYNACK_TIME_NEVER;
        st->stats.tcp_delayed_acks++;
        c->ack_now = true;
        tcp_output(st, c, now);
    }
    reschedule(st, c, true);   /* the timers ran: the key exactly at the earliest deadline */
}
