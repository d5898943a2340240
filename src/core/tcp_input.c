/*
 * tcp_input.c — SEGMENT ARRIVES, in the order of RFC 9293 §3.10.7.
 *
 * Reading list: RFC 9293 §3.10.7.1 (CLOSED), §3.10.7.2 (LISTEN), §3.10.7.3
 * (SYN-SENT), §3.10.7.4 (other states: check sequence number, RST, SYN,
 * ACK, URG, text, FIN); RFC 5961 §3-§5, §7 (blind reset, SYN and data
 * injection; challenge ACKs and their rate limit); RFC 1337 (TIME-WAIT
 * assassination); RFC 4987 §3.6 (SYN cookies, with syncookie.c); RFC 5681
 * §3.2 and RFC 6582 §3.2 (fast retransmit, NewReno recovery); RFC 6298 §5
 * (timer on ACK); RFC 9293 §3.8.6.3 and RFC 5681 §4.2 (when to ACK).
 *
 * Call chain: tcp_input -> (conn found) segment_arrives -> syn_sent_input |
 * the eight steps; (listener) listen_input; (nothing) answer with RST.
 * Nothing here calls the application: sockets are only marked ready.
 */
#include <string.h>

#include "cc.h"
#include "seq.h"
#include "sock.h"
#include "stack_internal.h"
#include "syncookie.h"
#include "tcp_conn.h"
#include "tcp_recovery.h"

/* RFC 7323 §5.5: TS.Recent older than 24 days no longer guards PAWS. */
#define PAWS_IDLE_US (24ull * 24 * 3600 * 1000000)

/* How a processing step ends. */
enum step {
    STEP_CONTINUE,   /* go on to the next step */
    STEP_DONE,       /* stop here; output and timers still run */
    STEP_GONE,       /* the connection was closed and may be freed */
};

/* RFC 9293 §3.7.1: 536 when the option is absent. */
static uint16_t announced_mss(const struct tcp_segment *s) { return s->opt.has_mss ? s->opt.mss : 536; }

/* The peer's announced MSS, with a floor against absurd announcements;
 * what our path carries bounds it further (tcp_pmtu_sync_mss). */
static uint16_t peer_mss(uint32_t mss)
{
    return (uint16_t)(mss < 64 ? 64 : mss);
}

/* Receive window for acceptability: all the space the ring has, which is
 * never less than what we advertised. */
static uint32_t rcv_wnd(const struct tcp_conn *c) { return tcp_conn_rcv_space(c); }

/* What the peer's SYN offered (or, for a SYN cookie, what the SYN|ACK
 * accepted of it). */
struct syn_offer {
    bool sack_ok, ts_ok, wscale_ok;
    uint8_t wscale;
    uint32_t ts_val;
};

static struct syn_offer syn_offer_of(const struct tcp_segment *s)
{
    return (struct syn_offer){ .sack_ok = s->opt.sack_permitted, .ts_ok = s->opt.has_timestamp,
                               .wscale_ok = s->opt.has_wscale, .wscale = s->opt.wscale, .ts_val = s->opt.ts_val };
}

/* Keeps each option we offered only if the peer's SYN offers it too (RFC
 * 7323 §2.2, §3.2; RFC 2018 §2), and takes the peer's values. */
static void negotiate_options(struct tcp_conn *c, const struct syn_offer *o, synack_time_us now)
{
    c->sack_ok = c->sack_ok && o->sack_ok;
    c->ts_ok = c->ts_ok && o->ts_ok;
    c->wscale_ok = c->wscale_ok && o->wscale_ok;
    if (c->wscale_ok) {
        c->snd_wscale = o->wscale > 14 ? 14 : o->wscale;   /* RFC 7323 §2.3: at most 14 */
    } else {
        c->snd_wscale = 0;
        c->rcv_wscale = 0;
    }
    if (c->ts_ok) {
        c->ts_recent = o->ts_val;
        c->ts_recent_time = now;
    }
    /* RFC 9293 §3.7.1 (and RFC 6691): the MSS bounds payload plus TCP
     * options, so the timestamp option that every segment will carry comes
     * out of each segment's payload; and no segment is larger than the
     * path MTU allows (tcp_pmtu.c). */
    tcp_pmtu_sync_mss(c);
}

static void schedule_ack(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    /* RFC 9293 §3.8.6.3 / RFC 1122 §4.2.3.2: ACK at least every second
     * full-sized segment, and never delay more than the configured limit. */
    c->segs_since_ack++;
    if (c->segs_since_ack >= 2)
        c->ack_now = true;
    else if (!tcp_timer_armed(c, TCP_TIMER_DELACK))
        tcp_timer_set(st, c, TCP_TIMER_DELACK, now + st->cfg.delack_us);
}

static void syn_acknowledged(struct tcp_conn *c, uint32_t ack, synack_time_us now);

/* ---- LISTEN: RFC 9293 §3.10.7.2, with RFC 4987's SYN queue and cookies ---- */

static void segment_arrives(struct synack_stack *st, struct tcp_conn *c, struct tcp_segment *s, int iface,
                            const struct synack_addr *src, const struct synack_addr *dst, synack_time_us now);

/* A listener that sent SYN cookies this recently checks the cookies ACKs
 * bring back; otherwise no cookie of its can still be live (the oldest one
 * syncookie_check can still recognise is four ticks old), and an ACK is
 * simply bad. */
static bool cookies_live(const struct tcp_listener *l, synack_time_us now)
{
    return l->cookies_sent && now - l->cookie_time < 4 * SYNCOOKIE_PERIOD_US;
}

/* Whether a SYN may make an embryo: room in the listener's SYN queue, in
 * the stack-wide one, in the connection table, and in memory below the
 * pressure line (tcp_conn_room, which counts those two).  When not, *why
 * is the reason to drop it with. */
static bool syn_queue_has_room(struct synack_stack *st, const struct tcp_listener *l, enum synack_drop_reason *why)
{
    *why = SYNACK_DROP_TCP_SYN_QUEUE_FULL;
    return l->syn_count < st->cfg.syn_queue_len && st->stats.tcp_syn_queue_len < st->cfg.syn_queue_total &&
           tcp_conn_room(st, true, why);
}

/* The accept queue is full: the SYN or handshake ACK is dropped silently,
 * so that the peer's retransmission may find room (as Linux does). */
static void accept_queue_overflow(struct synack_stack *st, int iface, synack_time_us now)
{
    st->stats.tcp_listen_overflows++;
    st->stats.tcp_listen_drops++;
    stack_drop(st, iface, SYNACK_DROP_TCP_BACKLOG_FULL, now);
}

/* A new embryo of listener l for the connection remote -> local whose
 * peer's ISN is irs, still in LISTEN (the caller moves it on, so that the
 * trace shows LISTEN -> SYN_RECEIVED), or NULL when the table is full. */
static struct tcp_conn *new_embryo(struct synack_stack *st, struct tcp_listener *l, int iface,
                                   const struct synack_endpoint *local, const struct synack_endpoint *remote,
                                   uint32_t irs, synack_time_us now)
{
    struct sock *ls = sock_get(st, l->sock);
    struct tcp_conn_params p = sock_conn_params(ls);
    struct tcp_conn *c = tcp_conn_new(st, local, remote, iface, &p, now);
    if (!c)
        return NULL;
    c->passive = true;
    c->listener = l;
    l->syn_count++;
    c->state = SYNACK_TCP_LISTEN;                 /* born from the listener, for the trace */
    c->irs = irs;
    c->rcv_nxt = irs + 1;                         /* SYN data, if any, is not taken: the peer resends it */
    c->rcv_adv = c->rcv_nxt;
    c->last_recv_time = now;
    return c;
}

/* RFC 4987 §3.6: the SYN queue is full, so the SYN|ACK carries everything
 * the embryo would have held (syncookie.h) and nothing is kept.  It offers
 * what the normal SYN|ACK would, except that window scaling and SACK need
 * timestamps to ride in. */
static void send_syn_cookie(struct synack_stack *st, struct tcp_listener *l, int iface,
                            const struct synack_endpoint *local, const struct synack_endpoint *remote,
                            const struct tcp_segment *s, synack_time_us now)
{
    struct tcp_conn_params p = sock_conn_params(sock_get(st, l->sock));
    uint16_t mss_used;
    uint32_t cookie = syncookie_make(&st->cookie_key, local, remote, s->seq, announced_mss(s), now, &mss_used);
    struct tcp_options opt;
    memset(&opt, 0, sizeof opt);
    opt.has_mss = true;
    opt.mss = tcp_conn_rcv_mss(st, iface, local->addr.family, &p);   /* as tcp_conn_new sets rcv_mss */
    if (st->cfg.timestamps && s->opt.has_timestamp) {
        struct syncookie_opts o = {
            .wscale_ok = st->cfg.window_scaling && s->opt.has_wscale,
            .wscale = s->opt.wscale,
            .sack_ok = st->cfg.sack && s->opt.sack_permitted,
        };
        uint32_t ts_now = tcp_ts_clock(tcp_ts_offset(st, local, remote), now);   /* the connection's clock */
        opt.has_timestamp = true;
        opt.ts_val = syncookie_ts_encode(ts_now, &o);
        opt.ts_ecr = s->opt.ts_val;
        opt.has_wscale = o.wscale_ok;
        opt.wscale = tcp_wscale_for(p.rcvbuf);
        opt.sack_permitted = o.sack_ok;
    }
    struct tcp_header_out h = {
        .src_port = s->dst_port,
        .dst_port = s->src_port,
        .seq = cookie,                            /* <SEQ=cookie><ACK=SEG.SEQ+1><CTL=SYN,ACK> */
        .ack = s->seq + 1,
        .flags = TCP_SYN | TCP_ACK,
        .window = (uint16_t)(p.rcvbuf > 65535 ? 65535 : p.rcvbuf),   /* never scaled in a SYN */
        .opt = &opt,
    };
    l->cookies_sent = true;
    l->cookie_time = now;
    st->stats.tcp_syncookies_sent++;
    tcp_send_stateless(st, iface, &local->addr, &remote->addr, &h, now);
}

/* An ACK for a listener with no embryo, while its cookies are live: if
 * SEG.ACK - 1 is a cookie made for this 4-tuple and SEG.SEQ - 1, the
 * connection is made from it, passes through SYN_RECEIVED and is then
 * handed this very segment, which completes the handshake as in
 * SYN-RECEIVED (RFC 9293 §3.10.7.4) and delivers its data.  A bad cookie
 * is a bad ACK: <SEQ=SEG.ACK><CTL=RST> (RFC 9293 §3.10.7.2). */
static void cookie_ack(struct synack_stack *st, struct tcp_listener *l, int iface,
                       const struct synack_endpoint *local, const struct synack_endpoint *remote,
                       struct tcp_segment *s, synack_time_us now)
{
    uint16_t mss = 0;
    enum syncookie_verdict v = syncookie_check(&st->cookie_key, local, remote, s->seq - 1, s->ack - 1, now, &mss);
    if (v != SYNCOOKIE_VALID) {
        st->stats.tcp_syncookies_failed++;
        stack_drop(st, iface, v == SYNCOOKIE_EXPIRED ? SYNACK_DROP_TCP_COOKIE_EXPIRED : SYNACK_DROP_TCP_COOKIE_INVALID,
                   now);
        tcp_send_reset_reply(st, iface, &remote->addr, &local->addr, s, now);
        return;
    }
    if (l->accept_count >= l->backlog) {
        accept_queue_overflow(st, iface, now);   /* the cookie stays good for the peer's retransmission */
        return;
    }
    enum synack_drop_reason why;
    if (!tcp_conn_room(st, false, &why)) {
        stack_drop(st, iface, why, now);         /* likewise */
        return;
    }
    struct tcp_conn *c = new_embryo(st, l, iface, local, remote, s->seq - 1, now);
    if (!c) {
        stack_drop(st, iface, SYNACK_DROP_TCP_NO_MEMORY, now);
        return;
    }
    st->stats.tcp_syncookies_recv++;
    /* As if this TCB had sent the SYN|ACK: ISS = the cookie, SND.NXT past it. */
    tcp_conn_set_iss(c, s->ack - 1);
    c->snd_nxt = c->snd_max = s->ack;
    c->last_ack_sent = c->rcv_nxt;
    c->snd_wl1 = c->irs;
    c->snd_wl2 = c->iss;
    c->peer_mss = peer_mss(mss);
    struct syn_offer offer = { .ts_ok = s->opt.has_timestamp, .ts_val = s->opt.ts_val };
    if (st->cfg.timestamps && s->opt.has_timestamp) {
        struct syncookie_opts o;
        syncookie_ts_decode(s->opt.ts_ecr, &o);
        offer.wscale_ok = o.wscale_ok;
        offer.wscale = o.wscale;
        offer.sack_ok = o.sack_ok;
    }
    negotiate_options(c, &offer, now);
    c->cc->init(c, now);
    tcp_table_insert(st, c);
    st->stats.tcp_passive_opens++;
    tcp_conn_set_state(st, c, SYNACK_TCP_SYN_RECEIVED, now);
    segment_arrives(st, c, s, iface, &remote->addr, &local->addr, now);
}

/* A segment for listener l from remote to local (RFC 9293 §3.10.7.2). */
static void listen_input(struct synack_stack *st, struct tcp_listener *l, int iface,
                         const struct synack_endpoint *local, const struct synack_endpoint *remote,
                         struct tcp_segment *s, synack_time_us now)
{
    if (s->flags & TCP_RST) {                     /* first: an incoming RST is ignored */
        stack_drop(st, iface, SYNACK_DROP_TCP_NO_CONNECTION_RST, now);
        return;
    }
    if (s->flags & TCP_ACK) {                     /* second: any ACK is bad: <SEQ=SEG.ACK><CTL=RST> */
        if (!(s->flags & TCP_SYN) && cookies_live(l, now)) {
            cookie_ack(st, l, iface, local, remote, s, now);   /* ... unless it brings back a cookie */
            return;
        }
        stack_drop(st, iface, SYNACK_DROP_TCP_LISTEN_BAD_FLAGS, now);
        tcp_send_reset_reply(st, iface, &remote->addr, &local->addr, s, now);
        return;
    }
    if (!(s->flags & TCP_SYN)) {                  /* fourth: anything else is dropped */
        stack_drop(st, iface, SYNACK_DROP_TCP_LISTEN_BAD_FLAGS, now);
        return;
    }
    /* Third: SYN.  The accept queue (the listen backlog) full: nothing more
     * could be accepted now.  The SYN queue full: a cookie instead of an
     * embryo (RFC 4987 §3.6), or, with cookies off, a silent drop so that
     * the client's retransmission may succeed. */
    if (l->accept_count >= l->backlog) {
        accept_queue_overflow(st, iface, now);
        return;
    }
    enum synack_drop_reason why;
    if (!syn_queue_has_room(st, l, &why)) {
        if (st->cfg.syn_cookies) {
            send_syn_cookie(st, l, iface, local, remote, s, now);
            return;
        }
        st->stats.tcp_listen_drops++;
        stack_drop(st, iface, why, now);
        return;
    }
    struct tcp_conn *c = new_embryo(st, l, iface, local, remote, s->seq, now);
    if (!c) {
        stack_drop(st, iface, SYNACK_DROP_TCP_NO_MEMORY, now);
        return;
    }
    c->snd_wnd = s->window;                       /* never scaled in a SYN (RFC 7323 §2.2) */
    c->max_snd_wnd = s->window;
    c->snd_wl1 = s->seq;
    c->snd_wl2 = c->iss;
    c->peer_mss = peer_mss(announced_mss(s));
    struct syn_offer offer = syn_offer_of(s);
    negotiate_options(c, &offer, now);
    c->cc->init(c, now);
    c->segs_in++;
    tcp_table_insert(st, c);
    st->stats.tcp_passive_opens++;
    tcp_conn_set_state(st, c, SYNACK_TCP_SYN_RECEIVED, now);
    tcp_output(st, c, now);                       /* <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> */
}

/* ---- SYN-SENT: RFC 9293 §3.10.7.3 ---- */

static void become_established(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    if (c->passive && c->listener) {
        struct tcp_listener *l = c->listener;
        l->syn_count--;
        l->accept_count++;
        c->accept_ready = true;
        c->accept_next = NULL;
        if (l->accept_tail)
            l->accept_tail->accept_next = c;
        else
            l->accept_head = c;
        l->accept_tail = c;
    }
    if (c->rto_expiries)
        rtt_after_syn_timeout(&c->rtt);           /* RFC 6298 §5.7 */
    tcp_pmtu_established(st, c, now);
    /* A close requested during the handshake takes effect in tcp_output,
     * which moves on to FIN-WAIT-1 (RFC 9293 §3.10.4). */
    tcp_conn_set_state(st, c, SYNACK_TCP_ESTABLISHED, now);
}

static void syn_sent_input(struct synack_stack *st, struct tcp_conn *c, const struct tcp_segment *s, int iface,
                           const struct synack_addr *src, const struct synack_addr *dst, synack_time_us now)
{
    bool ack_ok = false;
    if (s->flags & TCP_ACK) {
        /* First: the ACK must cover our SYN and nothing beyond it. */
        if (seq_leq(s->ack, c->iss) || seq_gt(s->ack, c->snd_max)) {
            stack_drop(st, iface, SYNACK_DROP_TCP_SYN_SENT_BAD, now);
            tcp_send_reset_reply(st, iface, src, dst, s, now);   /* no reply to a RST: handled inside */
            return;
        }
        ack_ok = true;
    }
    if (s->flags & TCP_RST) {
        /* Second: a RST is believed only with an acceptable ACK (RFC 5961 §3.2). */
        if (!ack_ok) {
            stack_drop(st, iface, SYNACK_DROP_TCP_RST_IGNORED, now);
            return;
        }
        st->stats.tcp_attempt_fails++;
        tcp_conn_close(st, c, -SYNACK_ECONNREFUSED, now);
        return;
    }
    if (!(s->flags & TCP_SYN)) {                  /* fifth: neither SYN nor RST */
        stack_drop(st, iface, SYNACK_DROP_TCP_SYN_SENT_BAD, now);
        return;
    }
    /* Fourth: SYN. */
    c->segs_in++;
    c->irs = s->seq;
    c->rcv_nxt = s->seq + 1;
    c->rcv_adv = c->rcv_nxt;
    c->peer_mss = peer_mss(announced_mss(s));
    struct syn_offer offer = syn_offer_of(s);
    negotiate_options(c, &offer, now);
    c->last_recv_time = now;
    c->cc->init(c, now);
    c->snd_wnd = s->window;                       /* never scaled in a SYN (RFC 7323 §2.2) */
    c->max_snd_wnd = s->window;
    c->snd_wl1 = s->seq;
    c->snd_wl2 = s->ack;
    if (ack_ok) {
        syn_acknowledged(c, s->ack, now);
        c->snd_una = s->ack;
        c->backoff = 0;
        c->soft_error = 0;                        /* our SYN got through after all */
        tcp_rexmt_restart(st, c, now);
        c->ack_now = true;                        /* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
        become_established(st, c, now);
        tcp_keepalive_restart(st, c, now);
        tcp_output(st, c, now);
    } else {
        /* Simultaneous open: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>. */
        tcp_conn_set_state(st, c, SYNACK_TCP_SYN_RECEIVED, now);
        tcp_retransmit_first(st, c, now);
    }
}

/* ---- Other states: RFC 9293 §3.10.7.4 ---- */

/* RFC 2883 §4: data received twice is reported in the first SACK block
 * of the next ACK (a D-SACK), so the sender can tell its retransmission
 * was not needed. */
static void note_dsack(struct tcp_conn *c, uint32_t left, uint32_t right)
{
    if (!c->sack_ok)
        return;
    c->dsack_pending = true;
    c->dsack_left = left;
    c->dsack_right = right;
}

/* First step: trims the segment to the receive window.  Returns false when
 * nothing of it is acceptable (the caller then ACKs and drops it). */
static bool trim_to_window(struct synack_stack *st, struct tcp_conn *c, struct tcp_segment *s)
{
    uint32_t wnd = rcv_wnd(c);
    int32_t todrop = seq_diff(c->rcv_nxt, s->seq);
    if (todrop > 0) {
        /* Simultaneous open (RFC 9293 §3.5, Figure 7, line 6): in
         * SYN-RECEIVED after an active OPEN, the peer's SYN|ACK repeats the
         * SYN we already hold.  Only that SYN is old: the rest of the
         * segment starts at RCV.NXT, and its ACK of our SYN completes the
         * handshake.  (Read strictly, the acceptability test of §3.10.7.4
         * would drop the segment, which the figure contradicts.) */
        bool syn_ack_of_simultaneous_open = todrop == 1 && (s->flags & TCP_SYN) && (s->flags & TCP_ACK) &&
                                            c->state == SYNACK_TCP_SYN_RECEIVED && !c->passive;
        if (s->flags & TCP_SYN) {                 /* an old SYN: drop its sequence number */
            s->flags &= (uint8_t)~TCP_SYN;
            s->seq++;
            todrop--;
        }
        if (!syn_ack_of_simultaneous_open &&
            ((uint32_t)todrop > s->payload_len || ((uint32_t)todrop == s->payload_len && !(s->flags & TCP_FIN)))) {
            if (s->payload_len) {
                st->stats.tcp_dup_segs++;
                note_dsack(c, s->seq, s->seq + s->payload_len);
            }
            return false;                         /* wholly old: a duplicate */
        }
        if (todrop) {
            st->stats.tcp_dup_segs++;
            note_dsack(c, s->seq, s->seq + (uint32_t)todrop);
        }
        s->payload += todrop;
        s->payload_len -= (uint32_t)todrop;
        s->seq += (uint32_t)todrop;
    }
    if (seq_geq(s->seq, c->rcv_nxt + wnd)) {
        /* Starts beyond the window.  With a zero window, a segment at
         * exactly RCV.NXT still carries a valid ACK (RFC 9293 §3.10.7.4:
         * "special allowance should be made to accept valid ACKs"). */
        if (s->seq != c->rcv_nxt)
            return false;
        /* Its text is not acceptable, and "an acknowledgment should be
         * sent in reply": this is how a zero-window probe learns that the
         * window is still shut (RFC 9293 §3.8.6.1). */
        if (s->payload_len || (s->flags & TCP_FIN))
            c->ack_now = true;
        s->payload_len = 0;
        s->flags &= (uint8_t)~TCP_FIN;
        return true;
    }
    if (seq_gt(s->seq + s->payload_len, c->rcv_nxt + wnd)) {
        s->payload_len = c->rcv_nxt + wnd - s->seq;
        s->flags &= (uint8_t)~TCP_FIN;            /* the FIN lies beyond what we keep */
        c->ack_now = true;                        /* the sender overran the window: tell it at once */
    }
    return true;
}

/* Second step: RST (RFC 9293 §3.10.7.4 with RFC 5961 §3.2). */
static enum step rst_step(struct synack_stack *st, struct tcp_conn *c, const struct tcp_segment *s, int iface,
                          synack_time_us now)
{
    if (c->state == SYNACK_TCP_TIME_WAIT) {
        /* RFC 1337 §3 (TIME-WAIT assassination): ignore RST in TIME-WAIT,
         * exact or not (a challenge ACK would only invite the exact RST
         * that is ignored anyway). */
        st->stats.tcp_tw_rst_ignored++;
        stack_drop(st, iface, SYNACK_DROP_TCP_RST_TIME_WAIT, now);
        return STEP_DONE;
    }
    uint32_t wnd = rcv_wnd(c);
    if (s->seq != c->rcv_nxt) {
        /* In the window but not exact: a challenge ACK lets a genuine peer
         * send an exact RST; a blind attacker learns nothing.  Outside the
         * window: silently dropped. */
        if (seq_in_range(s->seq, c->rcv_nxt, c->rcv_nxt + (wnd ? wnd : 1))) {
            st->stats.tcp_rst_challenged++;
            stack_drop(st, iface, SYNACK_DROP_TCP_RST_CHALLENGED, now);
            tcp_send_challenge_ack(st, c, now);
        } else {
            st->stats.tcp_rst_out_of_window++;
            stack_drop(st, iface, SYNACK_DROP_TCP_RST_IGNORED, now);
        }
        return STEP_DONE;
    }
    switch (c->state) {
    case SYNACK_TCP_SYN_RECEIVED:
        if (c->passive) {                         /* back to LISTEN: forget the embryo */
            tcp_conn_close(st, c, 0, now);
            return STEP_GONE;
        }
        st->stats.tcp_attempt_fails++;
        tcp_conn_close(st, c, -SYNACK_ECONNREFUSED, now);
        return STEP_GONE;
    case SYNACK_TCP_ESTABLISHED:
    case SYNACK_TCP_CLOSE_WAIT:
        st->stats.tcp_estab_resets++;
        /* fall through */
    case SYNACK_TCP_FIN_WAIT_1:
    case SYNACK_TCP_FIN_WAIT_2:
        tcp_conn_close(st, c, -SYNACK_ECONNRESET, now);
        return STEP_GONE;
    default:                                      /* CLOSING, LAST-ACK */
        tcp_conn_close(st, c, 0, now);
        return STEP_GONE;
    }
}

static bool our_fin_acked(const struct tcp_conn *c)
{
    return c->fin_queued && seq_gt(c->snd_una, tcp_conn_fin_seq(c));
}

/* The ACK of our SYN: an RTT sample if the SYN went once (RFC 6298 §3),
 * and a connection closed in SYN-RECEIVED (which went to FIN-WAIT-1
 * without passing ESTABLISHED, RFC 9293 §3.10.4) is now synchronized. */
static void syn_acknowledged(struct tcp_conn *c, uint32_t ack, synack_time_us now)
{
    if (c->rtt_timing && seq_geq(ack, c->rtt_seq)) {
        rtt_sample(&c->rtt, (uint32_t)(now - c->rtt_start));
        if (!c->min_rtt_us || c->rtt.srtt_us < c->min_rtt_us)
            c->min_rtt_us = c->rtt.srtt_us;
        c->rtt_timing = false;
    }
    if (c->snd_una == c->iss && tcp_state_synchronized(c->state))
        c->was_established = true;
}

/* Fifth step: ACK. */
static enum step ack_step(struct synack_stack *st, struct tcp_conn *c, const struct tcp_segment *s,
                          synack_time_us now)
{
    if (c->state == SYNACK_TCP_SYN_RECEIVED) {
        if (!(seq_lt(c->snd_una, s->ack) && seq_leq(s->ack, c->snd_max))) {
            struct synack_endpoint *r = &c->remote, *l = &c->local;
            tcp_send_reset_reply(st, c->iface, &r->addr, &l->addr, s, now);   /* <SEQ=SEG.ACK><CTL=RST> */
            return STEP_DONE;
        }
        if (c->passive && c->listener && c->listener->accept_count >= c->listener->backlog) {
            /* No room in the accept queue: drop the ACK (and its data) and
             * stay in SYN-RECEIVED; the peer repeats it when our SYN|ACK
             * is retransmitted, by when the application may have made
             * room (Linux does the same). */
            accept_queue_overflow(st, c->iface, now);
            return STEP_DONE;
        }
        c->snd_wnd = (uint32_t)s->window << c->snd_wscale;   /* RFC 7323 §2.3: scaled from now on */
        c->max_snd_wnd = c->snd_wnd > c->max_snd_wnd ? c->snd_wnd : c->max_snd_wnd;
        c->snd_wl1 = s->seq;
        c->snd_wl2 = s->ack;
        become_established(st, c, now);
        tcp_keepalive_restart(st, c, now);
    }
    /* RFC 5961 §5.2: SEG.ACK is acceptable only within
     * SND.UNA - MAX.SND.WND .. SND.NXT; any other segment is dropped and
     * answered with a (rate-limited, §7) challenge ACK.  Beyond SND.NXT it
     * acknowledges something never sent; below the range it is too old to
     * be anything but an injection attempt. */
    if (seq_gt(s->ack, c->snd_max)) {
        st->stats.tcp_ack_unsent++;
        stack_drop(st, c->iface, SYNACK_DROP_TCP_BAD_ACK, now);
        tcp_send_challenge_ack(st, c, now);
        return STEP_DONE;
    }
    uint32_t max_wnd = c->max_snd_wnd ? c->max_snd_wnd : 1;
    if (seq_lt(s->ack, c->snd_una - max_wnd)) {
        st->stats.tcp_ack_too_old++;
        stack_drop(st, c->iface, SYNACK_DROP_TCP_ACK_TOO_OLD, now);
        tcp_send_challenge_ack(st, c, now);
        return STEP_DONE;
    }
    uint32_t una_before = c->snd_una;
    if (seq_gt(s->ack, c->snd_una))
        syn_acknowledged(c, s->ack, now);
    /* The sender's side: scoreboard, RTT, loss detection, recovery,
     * congestion control (tcp_recovery.c). */
    tcp_rec_on_ack(st, c, s, now);

    /* Window update: RFC 9293 §3.10.7.4, only from an ACK that is not old
     * (SND.UNA =< SEG.ACK: "if the ACK is a duplicate (SEG.ACK < SND.UNA),
     * it can be ignored"), using SND.WL1/SND.WL2 so that an old segment
     * cannot shrink the window.  An ACK that moves SND.UNA updates it
     * whatever its SEG.SEQ (as Linux does): the window is counted from
     * SEG.ACK, so keeping an older one while SND.UNA slides forward would
     * let us send past the right edge the peer offered — after the peer's
     * out-of-order segment raised SND.WL1, its retransmission of older
     * data carries the newest window.  (Both found by fuzz/fuzz_conn.c.) */
    bool ack_moved = seq_gt(s->ack, una_before);
    if (seq_geq(s->ack, una_before) &&
        (ack_moved || seq_lt(c->snd_wl1, s->seq) || (c->snd_wl1 == s->seq && seq_leq(c->snd_wl2, s->ack)))) {
        c->snd_wnd = (uint32_t)s->window << c->snd_wscale;   /* RFC 7323 §2.3 */
        c->snd_wl1 = s->seq;
        c->snd_wl2 = s->ack;
        if (c->snd_wnd > c->max_snd_wnd)
            c->max_snd_wnd = c->snd_wnd;
        if (c->snd_wnd && tcp_timer_armed(c, TCP_TIMER_PERSIST)) {
            tcp_timer_clear(st, c, TCP_TIMER_PERSIST);   /* the window opened: resume at once */
            c->persist_backoff = 0;
            /* Persist starts only with nothing in flight, so whatever lies
             * beyond SND.UNA now is probe bytes the peer did not take (RFC
             * 9293 §3.8.6.1): sending resumes from SND.UNA, as if they had
             * never been sent (they were not lost to congestion). */
            txq_ack(&c->txq, c->snd_max);
            c->snd_max = c->snd_nxt = c->snd_una;
            tcp_rexmt_restart(st, c, now);
        }
    }

    switch (c->state) {
    case SYNACK_TCP_FIN_WAIT_1:
        if (our_fin_acked(c)) {
            tcp_conn_set_state(st, c, SYNACK_TCP_FIN_WAIT_2, now);
            if (c->sock < 0)    /* orphan: do not wait forever for the peer's FIN */
                tcp_timer_set(st, c, TCP_TIMER_2MSL, now + 2 * st->cfg.msl_us);
            /* Keepalive watches FIN-WAIT-2 again (it stops in FIN-WAIT-1,
             * and a peer that vanished would leave us waiting here for
             * good: found by tests/hostile/test_alloc_failure.c). */
            tcp_keepalive_restart(st, c, now);
        }
        break;
    case SYNACK_TCP_CLOSING:
        if (our_fin_acked(c))
            tcp_enter_time_wait(st, c, now);
        break;
    case SYNACK_TCP_LAST_ACK:
        if (our_fin_acked(c)) {
            tcp_conn_close(st, c, 0, now);
            return STEP_GONE;
        }
        break;
    default:
        break;
    }
    return STEP_CONTINUE;
}

/* Seventh step: segment text. */
static enum step text_step(struct synack_stack *st, struct tcp_conn *c, struct tcp_segment *s, int iface, synack_time_us now)
{
    bool receiving = c->state == SYNACK_TCP_ESTABLISHED || c->state == SYNACK_TCP_FIN_WAIT_1 ||
                     c->state == SYNACK_TCP_FIN_WAIT_2;   /* after a FIN: ignore text */
    if (!s->payload_len) {
        if (!receiving || !(s->flags & TCP_FIN) || s->seq == c->rcv_nxt)
            return STEP_CONTINUE;
        /* A bare FIN beyond a hole is held like one that ends out-of-order
         * data (RFC 9293 §3.10.7.4: segments beyond RCV.NXT wait for
         * later processing) and answered at once with the duplicate ACK
         * (RFC 5681 §4.2). */
        c->ooo.fin_known = true;
        c->ooo.fin_seq = s->seq;
        c->ack_now = true;
        s->flags &= (uint8_t)~TCP_FIN;
        return STEP_DONE;
    }
    if (!receiving)
        return STEP_CONTINUE;
    c->data_segs_in++;
    if (c->sock < 0 && !c->listener) {
        /* RFC 1122 §4.2.2.13: data arriving after the application closed
         * cannot be delivered; a reset tells the peer it was lost. */
        tcp_send_rst_for_conn(st, c, now);
        tcp_conn_close(st, c, -SYNACK_ECONNABORTED, now);
        return STEP_GONE;
    }
    uint32_t off = s->seq - c->rcv_nxt;
    /* Limits on out-of-order data and memory (tcp_conn_rcv_admit), then
     * the allocation itself: what cannot be kept is as if lost, and the
     * sender will repeat it; the ACK tells it where we stand. */
    bool held = off && reass_holds(&c->ooo, s->seq, s->seq + s->payload_len);
    enum synack_drop_reason why = tcp_conn_rcv_admit(st, c, off, s->payload_len, held);
    bool placed = s->placed && off == 0;          /* tcp_input copied it there already */
    if (why == SYNACK_DROP_COUNT && !placed && !ringbuf_write_at(st, &c->rcvbuf, off, s->payload, s->payload_len))
        why = SYNACK_DROP_TCP_NO_MEMORY;
    if (why != SYNACK_DROP_COUNT) {
        if (off)
            st->stats.tcp_ooo_drops++;
        stack_drop(st, iface, why, now);
        c->ack_now = true;
        s->flags &= (uint8_t)~TCP_FIN;
        return STEP_DONE;
    }
    if (off == 0) {
        /* RFC 5681 §4.2: a segment that fills all or part of a gap (while
         * anything is held beyond RCV.NXT) is ACKed at once. */
        bool fills_gap = c->ooo.count || c->ooo.fin_known;
        ringbuf_commit(&c->rcvbuf, s->payload_len);
        c->rcv_nxt += s->payload_len;
        c->bytes_received += s->payload_len;
        uint32_t gained = reass_advance(&c->ooo, c->rcv_nxt);
        if (gained) {
            ringbuf_commit(&c->rcvbuf, gained);
            c->rcv_nxt += gained;
            c->bytes_received += gained;
        }
        tcp_conn_ooo_update(st, c);
        /* After shutdown(SHUT_RD) nobody will read: what arrives is
         * acknowledged and discarded (as BSD does), so that recv() keeps
         * returning end of stream and the window stays open.  (Found by
         * fuzz/fuzz_conn.c: the bytes were queued and recv returned them.) */
        if (c->user_read_shut)
            ringbuf_consume(&c->rcvbuf, c->rcvbuf.len);
        if (fills_gap)
            c->ack_now = true;
        schedule_ack(st, c, now);
        tcp_conn_notify(st, c);
        return STEP_CONTINUE;
    }
    /* Out of order: now in place in the ring; remember the range.  The ACK
     * goes out at once (RFC 5681 §4.2, RFC 9293 §3.8.6.3) as the duplicate
     * ACK the sender's fast retransmit counts on. */
    if (held)
        note_dsack(c, s->seq, s->seq + s->payload_len);   /* RFC 2883 §4: held already */
    if (!reass_add(&c->ooo, s->seq, s->seq + s->payload_len)) {
        st->stats.tcp_ooo_drops++;                /* tcp_conn_rcv_admit checked: not expected */
        stack_drop(st, iface, SYNACK_DROP_TCP_OOO_LIMIT, now);
    } else {
        tcp_conn_ooo_update(st, c);
        st->stats.tcp_ooo_queued++;
        if (s->flags & TCP_FIN) {
            c->ooo.fin_known = true;
            c->ooo.fin_seq = s->seq + s->payload_len;
        }
    }
    c->ack_now = true;
    s->flags &= (uint8_t)~TCP_FIN;                /* a FIN beyond a hole waits */
    return STEP_DONE;
}

/* Eighth step: FIN. */
static enum step fin_step(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    c->rcv_nxt++;
    c->fin_received = true;
    tcp_conn_ooo_forget(st, c);                   /* nothing lies beyond a FIN */
    c->ooo.fin_known = false;
    tcp_conn_notify(st, c);
    switch (c->state) {
    case SYNACK_TCP_SYN_RECEIVED:
    case SYNACK_TCP_ESTABLISHED:
        /* The ACK may wait: if the application closes promptly, it rides
         * on our FIN (the "three-way close"). */
        schedule_ack(st, c, now);
        tcp_conn_set_state(st, c, SYNACK_TCP_CLOSE_WAIT, now);
        break;
    case SYNACK_TCP_FIN_WAIT_1:
        c->ack_now = true;
        if (our_fin_acked(c))
            tcp_enter_time_wait(st, c, now);
        else
            tcp_conn_set_state(st, c, SYNACK_TCP_CLOSING, now);   /* simultaneous close */
        break;
    case SYNACK_TCP_FIN_WAIT_2:
        c->ack_now = true;
        tcp_enter_time_wait(st, c, now);
        break;
    default:
        c->ack_now = true;
        break;
    }
    return STEP_CONTINUE;
}

static bool fin_is_next(const struct tcp_conn *c, const struct tcp_segment *s)
{
    if (s->flags & TCP_FIN)
        return s->seq + s->payload_len == c->rcv_nxt;
    /* A FIN that arrived early becomes due when the data before it has. */
    return c->ooo.fin_known && c->ooo.fin_seq == c->rcv_nxt && !c->fin_received;
}

/* RFC 5961 §4.2: a SYN in a synchronized state is dropped and answered
 * with a challenge ACK (rate-limited, §7). */
static void challenge_syn(struct synack_stack *st, struct tcp_conn *c, int iface, synack_time_us now)
{
    st->stats.tcp_syn_challenged++;
    stack_drop(st, iface, SYNACK_DROP_TCP_SYN_CHALLENGED, now);
    tcp_send_challenge_ack(st, c, now);
}

static void segment_arrives(struct synack_stack *st, struct tcp_conn *c, struct tcp_segment *s, int iface,
                            const struct synack_addr *src, const struct synack_addr *dst, synack_time_us now)
{
    if (c->state == SYNACK_TCP_SYN_SENT) {
        syn_sent_input(st, c, s, iface, src, dst, now);
        return;
    }
    if (c->state == SYNACK_TCP_CLOSED) {
        /* connect() was called but the owner has not polled yet: the SYN
         * is not out, so nothing can legitimately arrive for it. */
        stack_drop(st, iface, SYNACK_DROP_TCP_NO_CONNECTION, now);
        return;
    }
    c->segs_in++;
    /* Second step first: RFC 5961 §3.2 judges a RST by its unmodified
     * sequence number, before any trimming. */
    if (s->flags & TCP_RST) {
        if (rst_step(st, c, s, iface, now) == STEP_GONE)
            return;
        tcp_output(st, c, now);
        return;
    }
    /* Fourth step ahead of the first: RFC 5961 §4.2 answers a SYN in a
     * synchronized state with a challenge ACK "irrespective of the
     * sequence number", and drops it. */
    if ((s->flags & TCP_SYN) && tcp_state_synchronized(c->state)) {
        challenge_syn(st, c, iface, now);
        return;
    }
    /* The peer's SYN again, while our SYN|ACK is unacknowledged: the
     * SYN|ACK was probably lost, so send it again now rather than a bare
     * ACK the peer in SYN-SENT would ignore (Linux does the same; RFC 9293
     * §3.10.7.4 would ACK it as an old duplicate). */
    if (c->state == SYNACK_TCP_SYN_RECEIVED && c->passive && (s->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
        s->seq == c->irs) {
        tcp_retransmit_first(st, c, now);
        return;
    }
    /* PAWS (RFC 7323 §5.3 R1): a timestamp older than TS.Recent marks an
     * old duplicate from an earlier life of the sequence space; drop it
     * and ACK.  After 24 days of silence TS.Recent is stale (§5.5). */
    if (c->ts_ok && s->opt.has_timestamp && (int32_t)(s->opt.ts_val - c->ts_recent) < 0) {
        if (now - c->ts_recent_time > PAWS_IDLE_US) {
            c->ts_recent = s->opt.ts_val;
            c->ts_recent_time = now;
        } else {
            st->stats.tcp_paws_drops++;
            stack_drop(st, iface, SYNACK_DROP_TCP_PAWS, now);
            tcp_send_ack_now(st, c, now);
            return;
        }
    }
    uint32_t seg_seq = s->seq;
    /* First step: sequence number. */
    if (!trim_to_window(st, c, s)) {
        if (c->state == SYNACK_TCP_TIME_WAIT && (s->flags & TCP_FIN))
            tcp_enter_time_wait(st, c, now);      /* a retransmitted FIN restarts 2*MSL */
        stack_drop(st, iface, SYNACK_DROP_TCP_OUT_OF_WINDOW, now);
        tcp_send_ack_now(st, c, now);             /* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
        return;
    }
    /* RFC 7323 §4.3: remember the peer's timestamp from a segment that is
     * acceptable and covers Last.ACK.sent, for our echoes. */
    if (c->ts_ok && s->opt.has_timestamp && seq_leq(seg_seq, c->last_ack_sent) &&
        (int32_t)(s->opt.ts_val - c->ts_recent) >= 0) {
        c->ts_recent = s->opt.ts_val;
        c->ts_recent_time = now;
    }
    c->last_recv_time = now;                      /* the peer is alive (keepalive) */
    c->keep_probes = 0;
    c->persist_unanswered = 0;                    /* ... and answers (persist) */
    /* Fourth step: SYN in SYN-RECEIVED (synchronized states were handled
     * above). */
    if (s->flags & TCP_SYN) {
        if (c->passive) {
            tcp_conn_close(st, c, 0, now);        /* RFC 9293: return to LISTEN */
            return;
        }
        challenge_syn(st, c, iface, now);         /* after an active OPEN: as synchronized */
        return;
    }
    /* Fifth step: ACK. */
    if (!(s->flags & TCP_ACK)) {
        stack_drop(st, iface, SYNACK_DROP_TCP_NO_ACK, now);
        return;
    }
    enum step r = ack_step(st, c, s, now);
    if (r == STEP_GONE)
        return;
    if (r == STEP_CONTINUE) {
        /* Sixth step, URG: the urgent pointer is not supported; urgent
         * data is delivered inline like any other (RFC 6093 §4 advises
         * new applications not to use it). */
        r = text_step(st, c, s, iface, now);
        if (r == STEP_GONE)
            return;
        if (r == STEP_CONTINUE && fin_is_next(c, s) && c->state != SYNACK_TCP_TIME_WAIT)
            fin_step(st, c, now);
        else if (c->state == SYNACK_TCP_TIME_WAIT && (s->flags & TCP_FIN))
            tcp_enter_time_wait(st, c, now);
    }
    tcp_output(st, c, now);
}

/* The common case of bulk data: the next bytes expected, nothing held out
 * of order, inside the window, on a connection whose application reads.
 * The payload is copied to RCV.NXT in the receive ring while it is summed,
 * so verifying the checksum costs no pass of its own; the bytes are made
 * readable only later, by text_step, if the segment is accepted at all.
 * Until then they lie beyond the readable end, where nothing reads them.
 * Only storage already there is used (room for the payload means the ring
 * has storage): nothing is allocated for a segment
 * not yet known to be intact.  Whether the bytes may be kept is text_step's
 * judgement (tcp_conn_rcv_admit), made once, there.  Returns false when the
 * segment is not such a case: the caller then verifies the checksum the
 * ordinary way. */
static bool place_payload(struct synack_stack *st, struct tcp_conn *c, struct tcp_segment *s,
                          const struct synack_addr *src, const struct synack_addr *dst,
                          const uint8_t *raw, size_t len, bool *csum_ok)
{
    if (!c || !s->payload_len || s->seq != c->rcv_nxt || (s->flags & ~(TCP_ACK | TCP_PSH)) ||
        c->state != SYNACK_TCP_ESTABLISHED || c->sock < 0 || c->user_read_shut || c->ooo.count ||
        c->ooo.fin_known || s->payload_len > ringbuf_room(&c->rcvbuf) ||
        s->payload_len > ringbuf_free_space(&c->rcvbuf))
        return false;
    uint32_t extent = c->rcvbuf.extent;
    uint64_t sum;
    if (!ringbuf_write_at_csum(st, &c->rcvbuf, 0, s->payload, s->payload_len, &sum))
        return false;
    *csum_ok = tcp_checksum_ok_parts(src, dst, raw, s->header_len, sum, len);
    if (*csum_ok)
        s->placed = true;
    else
        c->rcvbuf.extent = extent;        /* nothing of it stays */
    return true;
}

void tcp_input(struct synack_stack *st, int iface, const struct synack_addr *src, const struct synack_addr *dst,
               const uint8_t *raw, size_t len, synack_time_us now)
{
    st->stats.tcp_in_segs++;
    struct tcp_segment s;
    enum synack_drop_reason why;
    if (!tcp_parse(raw, len, &s, &why)) {
        st->stats.tcp_in_errs++;
        stack_drop(st, iface, why, now);
        return;
    }
    s.placed = false;
    /* The lookup uses the ports before the checksum is known good: it
     * changes nothing, and nothing acts on the segment before the check. */
    struct synack_endpoint local = {.addr = *dst, .port = s.dst_port};   /* padding zeroed */
    struct synack_endpoint remote = {.addr = *src, .port = s.src_port};
    struct tcp_conn *c = s.src_port && s.dst_port ? tcp_table_lookup(st, &local, &remote) : NULL;
    bool csum_ok = true;
    if (!st->rx_csum_valid && !place_payload(st, c, &s, src, dst, raw, len, &csum_ok))
        csum_ok = tcp_checksum_ok(src, dst, raw, len);
    if (!csum_ok) {
        st->stats.tcp_in_errs++;
        stack_drop(st, iface, SYNACK_DROP_TCP_CHECKSUM, now);
        return;
    }
    if (s.src_port == 0 || s.dst_port == 0) {
        st->stats.tcp_in_errs++;
        stack_drop(st, iface, SYNACK_DROP_TCP_BAD_PORT, now);
        return;
    }
    if (c) {
        segment_arrives(st, c, &s, iface, src, dst, now);
        return;
    }
    struct tcp_listener *l = tcp_listener_lookup(st, &local);
    if (l) {
        listen_input(st, l, iface, &local, &remote, &s, now);
        return;
    }
    /* RFC 9293 §3.10.7.1: no connection: answer with a reset, except to a reset. */
    stack_drop(st, iface, (s.flags & TCP_RST) ? SYNACK_DROP_TCP_NO_CONNECTION_RST
                                                         : SYNACK_DROP_TCP_NO_CONNECTION, now);
    tcp_send_reset_reply(st, iface, src, dst, &s, now);
}
