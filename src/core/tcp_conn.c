/*
 * tcp_conn.c — creating, changing and ending one connection.
 * Reading list: RFC 9293 §3.3.2 (states), §3.4.1 (ISN), §3.7.1 (MSS),
 * §3.8.6.2.2 (receiver window management).
 */
#include "tcp_conn.h"

#include <string.h>

#include "cc.h"
#include "seq.h"
#include "sock.h"
#include "stack_internal.h"
#include "tcp_recovery.h"

uint16_t tcp_conn_iface_mss(const struct synack_stack *st, int iface, int family)
{
    /* RFC 9293 §3.7.1: the MTU less the fixed IP and TCP headers (20 and
     * 20 for IPv4; 40 and 20 for IPv6, RFC 8200 §8.3). */
    uint32_t mtu = iface >= 0 && iface < st->iface_count ? st->ifaces[iface].mtu : 576;
    return (uint16_t)tcp_mtu_to_mss(family, mtu);
}

uint16_t tcp_conn_rcv_mss(const struct synack_stack *st, int iface, int family, const struct tcp_conn_params *p)
{
    uint16_t ifmss = tcp_conn_iface_mss(st, iface, family);
    return p->mss && p->mss < ifmss ? p->mss : ifmss;
}

bool tcp_conn_room(struct synack_stack *st, bool new_work, enum synack_drop_reason *why)
{
    if (st->tcp.count >= st->cfg.max_connections) {
        st->stats.tcp_conn_limit++;
        *why = SYNACK_DROP_TCP_CONN_LIMIT;
        return false;
    }
    /* New work is refused past the pressure line (mem.h). */
    if (new_work && !stack_mem_room(st, sizeof(struct tcp_conn))) {
        st->stats.mem_refused_opens++;
        *why = SYNACK_DROP_TCP_MEM_PRESSURE;
        return false;
    }
    return true;
}

struct tcp_conn *tcp_conn_new(struct synack_stack *st, const struct synack_endpoint *local,
                              const struct synack_endpoint *remote, int iface,
                              const struct tcp_conn_params *p, synack_time_us now)
{
    if (st->tcp.count >= st->cfg.max_connections)
        return NULL;                              /* the callers asked tcp_conn_room */
    /* Its timer entry's room in the heap comes with it (timer_heap.h):
     * every connection in the table, this one, and the reassembly
     * table's entry. */
    if (!timer_heap_reserve(st, &st->timers, st->tcp.count + 2))
        return NULL;
    struct tcp_conn *c = mem_zalloc(st, 1, sizeof *c);
    if (!c)
        return NULL;
    c->local = *local;
    c->remote = *remote;
    c->id = st->next_conn_id++;
    c->state = SYNACK_TCP_CLOSED;
    c->iface = (uint8_t)iface;
    c->sock = -1;
    tcp_conn_set_iss(c, isn_generate(st, local, remote, now));
    c->rcv_mss = tcp_conn_rcv_mss(st, iface, local->addr.family, p);
    /* RFC 9293 §3.7.1: without an MSS option the peer accepts 536 bytes;
     * the real value is set when the SYN or SYN-ACK arrives. */
    c->peer_mss = 536;
    tcp_pmtu_init(st, c, p->plpmtud, now);
    c->cwnd_limited = true;
    c->nodelay = p->nodelay;
    c->keepalive = p->keepalive;
    c->keep_idle_s = p->keep_idle_s;
    c->keep_intvl_s = p->keep_intvl_s;
    c->keep_cnt = (uint8_t)(p->keep_cnt > 255 ? 255 : p->keep_cnt);
    rtt_init(&c->rtt, (uint32_t)st->cfg.rto_initial_us, (uint32_t)st->cfg.rto_min_us,
             (uint32_t)st->cfg.rto_max_us);
    c->cc = cc_lookup(p->cc) ? cc_lookup(p->cc) : &cc_cubic;
    c->reordering = 3;
    c->rack.reo_wnd_mult = 1;          /* RFC 8985 §6.2 step 4: grows with each D-SACK round */
    /* What we offer in a SYN (RFC 7323, RFC 2018); the handshake keeps
     * each only if the peer offers it too. */
    c->sack_ok = st->cfg.sack;
    c->ts_ok = st->cfg.timestamps;
    c->wscale_ok = st->cfg.window_scaling;
    c->rcv_wscale = c->wscale_ok ? tcp_wscale_for(p->rcvbuf) : 0;
    c->ts_offset = tcp_ts_offset(st, local, remote);
    for (int t = 0; t < TCP_TIMER_COUNT; t++)
        c->timer[t] = SYNACK_TIME_NEVER;
    timer_entry_init(&c->sched);
    ringbuf_init(&c->sndbuf, p->sndbuf);
    ringbuf_init(&c->rcvbuf, p->rcvbuf);
    txq_init(&c->txq);
    reass_init(&c->ooo);
    return c;
}

uint32_t tcp_ts_offset(struct synack_stack *st, const struct synack_endpoint *local,
                       const struct synack_endpoint *remote)
{
    /* RFC 7323 §5.4: a per-connection offset, so that TSval reveals
     * nothing across connections; a function of the 4-tuple alone, so that
     * a SYN cookie's SYN|ACK (sent before the connection exists) uses the
     * clock the connection will use. */
    return (uint32_t)(isn_generate(st, local, remote, 0) * 2654435761u);
}

void tcp_conn_set_keepalive(struct synack_stack *st, struct tcp_conn *c, bool on, uint32_t idle_s,
                            uint32_t intvl_s, uint32_t cnt)
{
    c->keepalive = on;
    c->keep_idle_s = idle_s;
    c->keep_intvl_s = intvl_s;
    c->keep_cnt = (uint8_t)(cnt > 255 ? 255 : cnt);
    tcp_timer_clear(st, c, TCP_TIMER_KEEPALIVE);
    if (!c->last_recv_time)
        c->last_recv_time = st->now;
    tcp_keepalive_restart(st, c, st->now);
}

void tcp_conn_set_cc(struct tcp_conn *c, int cc, synack_time_us now)
{
    const struct cc_ops *ops = cc_lookup(cc);
    if (!ops || ops == c->cc)
        return;
    uint32_t cwnd = c->cwnd, ssthresh = c->ssthresh;
    c->cc = ops;
    memset(&c->cc_state, 0, sizeof c->cc_state);
    if (tcp_state_synchronized(c->state)) {
        ops->init(c, now);
        c->cwnd = cwnd;
        c->ssthresh = ssthresh;
    }
}

/* A trace event about connection c, with its identity filled in. */
static void conn_event(const struct synack_stack *st, const struct tcp_conn *c, enum synack_trace_kind kind,
                       synack_time_us now, struct synack_trace_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = kind;
    ev->now = now;
    ev->stack_name = st->name;
    ev->iface = c->iface;
    ev->conn_id = c->id;
    ev->local = c->local;
    ev->remote = c->remote;
}

void tcp_conn_trace_cc(struct synack_stack *st, const struct tcp_conn *c, synack_time_us now)
{
    if (!st->cfg.trace)
        return;
    struct synack_trace_event ev;
    conn_event(st, c, SYNACK_TRACE_CC, now, &ev);
    ev.cc.cwnd = c->cwnd;
    ev.cc.ssthresh = c->ssthresh;
    ev.cc.in_flight = tcp_rec_pipe(c);
    ev.cc.snd_una = c->snd_una;
    ev.cc.snd_max = c->snd_max;
    ev.cc.snd_wnd = c->snd_wnd;
    ev.cc.srtt_us = c->rtt.srtt_us;
    ev.cc.rto_us = rtt_rto_backed_off(&c->rtt, c->backoff);
    ev.cc.recovery = c->rec_state;
    st->cfg.trace(st->cfg.trace_ctx, &ev);
}

void tcp_conn_set_iss(struct tcp_conn *c, uint32_t iss)
{
    c->iss = iss;
    c->snd_una = c->snd_nxt = c->snd_max = iss;
    c->snd_buf_seq = iss + 1;
    c->recover = iss;    /* RFC 6582 §3.2 step 1: "recover" starts at the ISS */
}

void tcp_conn_set_state(struct synack_stack *st, struct tcp_conn *c, int state, synack_time_us now)
{
    int old = c->state;
    if (old == state)
        return;
    bool was_estab = old == SYNACK_TCP_ESTABLISHED || old == SYNACK_TCP_CLOSE_WAIT;
    bool is_estab = state == SYNACK_TCP_ESTABLISHED || state == SYNACK_TCP_CLOSE_WAIT;
    if (was_estab && !is_estab)
        st->stats.tcp_curr_estab--;
    if (!was_estab && is_estab)
        st->stats.tcp_curr_estab++;
    /* The SYN queue, stack-wide: passive connections in SYN_RECEIVED. */
    if (c->passive && old == SYNACK_TCP_SYN_RECEIVED)
        st->stats.tcp_syn_queue_len--;
    if (c->passive && state == SYNACK_TCP_SYN_RECEIVED)
        st->stats.tcp_syn_queue_len++;
    c->state = (uint8_t)state;
    if (state == SYNACK_TCP_ESTABLISHED)
        c->was_established = true;
    if (st->cfg.trace) {
        struct synack_trace_event ev;
        conn_event(st, c, SYNACK_TRACE_STATE, now, &ev);
        ev.old_state = old;
        ev.new_state = state;
        st->cfg.trace(st->cfg.trace_ctx, &ev);
    }
    tcp_conn_notify(st, c);
}

static void listener_forget(struct tcp_conn *c)
{
    struct tcp_listener *l = c->listener;
    if (!l)
        return;
    if (c->accept_ready) {
        struct tcp_conn **pp = &l->accept_head;
        struct tcp_conn *prev = NULL;
        while (*pp && *pp != c) {
            prev = *pp;
            pp = &(*pp)->accept_next;
        }
        if (*pp) {
            *pp = c->accept_next;
            if (l->accept_tail == c)
                l->accept_tail = prev;
            l->accept_count--;
        }
        c->accept_ready = false;
    } else {
        l->syn_count--;
    }
    c->listener = NULL;
    c->accept_next = NULL;
}

void tcp_conn_close(struct synack_stack *st, struct tcp_conn *c, int err, synack_time_us now)
{
    if (err && !c->error)
        c->error = err;
    listener_forget(c);
    tcp_conn_ooo_forget(st, c);                   /* nothing more will arrive to fill its holes */
    tcp_conn_set_state(st, c, SYNACK_TCP_CLOSED, now);
    tcp_table_remove(st, c);
    for (int t = 0; t < TCP_TIMER_COUNT; t++)
        c->timer[t] = SYNACK_TIME_NEVER;
    timer_heap_remove(&st->timers, &c->sched);
    tcp_conn_unqueue_output(st, c);
    if (c->sock < 0) {
        tcp_conn_destroy(st, c);
        return;
    }
    /* The socket keeps the CLOSED connection so that the application can
     * still read what arrived and learn how it ended.  The send buffer is
     * of no further use. */
    ringbuf_free(st, &c->sndbuf);
    c->sndbuf.cap = 0;
}

void tcp_conn_destroy(struct synack_stack *st, struct tcp_conn *c)
{
    tcp_conn_ooo_forget(st, c);
    ringbuf_free(st, &c->sndbuf);
    ringbuf_free(st, &c->rcvbuf);
    txq_free(st, &c->txq);
    mem_free(st, c, sizeof *c);
}

void tcp_conn_reclaim(struct synack_stack *st, struct tcp_conn *c)
{
    if (!stack_mem_pressure(st))
        return;
    if (!c->sndbuf.len)
        ringbuf_free(st, &c->sndbuf);
    if (!c->rcvbuf.len && !c->ooo.count)
        ringbuf_free(st, &c->rcvbuf);
}

void tcp_conn_free_rcvbuf(struct synack_stack *st, struct tcp_conn *c)
{
    tcp_conn_ooo_forget(st, c);
    ringbuf_free(st, &c->rcvbuf);
}

/* ---- Out-of-order data and receive memory ----
 *
 * Out-of-order bytes sit in the receive ring at their offset past RCV.NXT
 * (reass.h), so what they cost is the ring's storage up to the far end of
 * the last range: the span.  Each connection's span is kept in ooo_span and
 * the sum over all connections in the stats gauge tcp_ooo_span_bytes, so
 * that both limits are O(1) checks. */

static uint32_t ooo_span_now(const struct tcp_conn *c)
{
    return c->ooo.count ? c->ooo.r[c->ooo.count - 1].end - c->rcv_nxt : 0;
}

void tcp_conn_ooo_update(struct synack_stack *st, struct tcp_conn *c)
{
    uint32_t span = ooo_span_now(c);
    st->stats.tcp_ooo_span_bytes = st->stats.tcp_ooo_span_bytes - c->ooo_span + span;
    c->ooo_span = span;
}

void tcp_conn_ooo_forget(struct synack_stack *st, struct tcp_conn *c)
{
    bool fin_known = c->ooo.fin_known;
    uint32_t fin_seq = c->ooo.fin_seq;
    reass_init(&c->ooo);
    c->ooo.fin_known = fin_known;                 /* a FIN costs nothing to remember */
    c->ooo.fin_seq = fin_seq;
    tcp_conn_ooo_update(st, c);
}

static uint32_t advertised_now(const struct tcp_conn *c);

enum synack_drop_reason tcp_conn_rcv_admit(struct synack_stack *st, struct tcp_conn *c, uint32_t off, uint32_t len,
                                           bool held)
{
    uint32_t end = off + len;
    if (off && !held) {
        /* New out-of-order data: the span it would make, against both
         * limits; and if the ring must grow for it, that is new work,
         * taken only below the memory pressure line. */
        uint32_t span = end > c->ooo_span ? end : c->ooo_span;
        if (st->cfg.ooo_max_bytes && span > st->cfg.ooo_max_bytes)
            return SYNACK_DROP_TCP_OOO_CONN_LIMIT;
        if (st->cfg.ooo_stack_max_bytes &&
            st->stats.tcp_ooo_span_bytes - c->ooo_span + span > st->cfg.ooo_stack_max_bytes)
            return SYNACK_DROP_TCP_OOO_STACK_LIMIT;
        if (!stack_mem_room(st, ringbuf_growth(&c->rcvbuf, c->rcvbuf.len + end)))
            return SYNACK_DROP_TCP_OOO_MEMORY;
        if (!reass_can_add(&c->ooo, c->rcv_nxt + off, c->rcv_nxt + end))
            return SYNACK_DROP_TCP_OOO_LIMIT;
        return SYNACK_DROP_COUNT;
    }
    /* In order (or out-of-order bytes held already).  Inside the window
     * advertised, the data was invited and storage grows for it up to the
     * hard cap; beyond it, as new work, only below the pressure line. */
    if (end > advertised_now(c) && !stack_mem_room(st, ringbuf_growth(&c->rcvbuf, c->rcvbuf.len + end)))
        return SYNACK_DROP_TCP_RCV_MEMORY;
    return SYNACK_DROP_COUNT;
}

void tcp_conn_notify(struct synack_stack *st, struct tcp_conn *c)
{
    if (c->sock >= 0)
        sock_notify(st, c->sock);
    else if (c->listener && c->accept_ready)
        sock_notify(st, c->listener->sock);
}

void tcp_conn_want_output(struct synack_stack *st, struct tcp_conn *c)
{
    if (c->out_queued || (c->state == SYNACK_TCP_CLOSED && !c->open_pending))
        return;
    c->out_queued = true;
    c->out_prev = NULL;
    c->out_next = st->out_head;
    if (st->out_head)
        st->out_head->out_prev = c;
    st->out_head = c;
}

void tcp_conn_unqueue_output(struct synack_stack *st, struct tcp_conn *c)
{
    if (!c->out_queued)
        return;
    if (c->out_prev)
        c->out_prev->out_next = c->out_next;
    else
        st->out_head = c->out_next;
    if (c->out_next)
        c->out_next->out_prev = c->out_prev;
    c->out_next = c->out_prev = NULL;
    c->out_queued = false;
}

uint8_t tcp_wscale_for(uint32_t rcvbuf)
{
    /* RFC 7323 §2.3: the smallest shift that lets the 16-bit field cover
     * the buffer, at most 14. */
    uint8_t shift = 0;
    while (shift < 14 && (rcvbuf >> shift) > 65535)
        shift++;
    return shift;
}

uint32_t tcp_conn_rcv_space(const struct tcp_conn *c)
{
    /* Space the receive ring has beyond RCV.NXT, capped by what the window
     * field can carry at our scale. */
    uint32_t space = ringbuf_free_space(&c->rcvbuf);
    uint32_t most = (uint32_t)65535 << c->rcv_wscale;
    return space > most ? most : space;
}

/* The space a window may offer now, out of `space` (tcp_conn_rcv_space):
 * under memory pressure, growing the receive ring is new work, so no more
 * than the storage it has. */
static uint32_t rcv_space(const struct synack_stack *st, const struct tcp_conn *c, uint32_t space)
{
    if (stack_mem_pressure(st)) {
        uint32_t room = ringbuf_room(&c->rcvbuf);
        if (room < space)
            space = room;
    }
    return space;
}

static uint32_t sws_threshold(const struct tcp_conn *c)
{
    uint32_t half = c->rcvbuf.cap / 2;
    uint32_t t = half < c->rcv_mss ? half : c->rcv_mss;
    return t ? t : 1;
}

static uint32_t advertised_now(const struct tcp_conn *c)
{
    return seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
}

uint32_t tcp_conn_rcv_window(struct synack_stack *st, struct tcp_conn *c)
{
    /* advertised_now() <= tcp_conn_rcv_space(): in-order data shrinks
     * both by the same amount, out-of-order data neither, reads only grow
     * the space.  Under memory pressure rcv_space() may be smaller than
     * what was advertised; the edge then stays where it is. */
    uint32_t full = tcp_conn_rcv_space(c);
    uint32_t space = rcv_space(st, c, full);
    uint32_t adv = advertised_now(c);
    /* RFC 9293 §3.8.6.2.2 (receiver SWS avoidance): move the right edge
     * only when it gains at least min(RCV.BUFF/2, Eff.snd.MSS); never move
     * it left. */
    uint32_t opens_at = adv + sws_threshold(c);
    if (space < full && full >= opens_at)
        st->stats.mem_window_clamped++;           /* it would have opened further */
    if (space >= opens_at)
        adv = space;
    c->rcv_adv = c->rcv_nxt + adv;
    return adv;
}

bool tcp_conn_window_update_due(const struct synack_stack *st, const struct tcp_conn *c)
{
    /* After a read: a pure window update is worth a segment when the
     * window grows by two segments or by half the buffer, whichever is
     * less (the rule BSD and Linux apply). */
    uint32_t two_segs = 2u * c->rcv_mss, half = c->rcvbuf.cap / 2;
    uint32_t gain = two_segs < half ? two_segs : half;
    if (gain < sws_threshold(c))
        gain = sws_threshold(c);
    return rcv_space(st, c, tcp_conn_rcv_space(c)) >= advertised_now(c) + gain;
}
