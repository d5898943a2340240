/*
 * tcp_output.c — deciding what to send and building segments in place.
 * Reading list: RFC 9293 §3.8.6 (windows), §3.8.6.2.1 (sender SWS
 * avoidance), §3.8.6.3 (ACK generation), §3.10.7.1 (resets for segments
 * with no connection), §3.10.5 (ABORT); RFC 5681 §3 (cwnd limits what is
 * sent); RFC 6298 §5.1 (start the timer when sending).
 *
 * Every segment is built straight into the stack's transmit buffer: IPv4
 * header, TCP header, payload copied from the send ring, checksum, then
 * the interface's transmit callback.  Nothing is allocated.
 */
#include <string.h>

#include "checksum.h"
#include "ipv4.h"
#include "seq.h"
#include "stack_internal.h"
#include "tcp_conn.h"

struct seg_plan {
    uint32_t seq;
    uint32_t len;       /* payload bytes, taken from the send ring */
    uint8_t flags;
};

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* Bytes of the send ring from sequence number seq to its end. */
static uint32_t bytes_after(const struct tcp_conn *c, uint32_t seq)
{
    uint32_t off = seq - c->snd_buf_seq;
    return seq_lt(seq, c->snd_buf_seq) || off >= c->sndbuf.len ? 0 : c->sndbuf.len - off;
}

static void transmit(struct synack_stack *st, struct tcp_conn *c, const struct seg_plan *p, synack_time_us now)
{
    uint8_t *tcp = st->txbuf + IPV4_HEADER_LEN;
    struct tcp_options opt;
    struct tcp_header_out h = {
        .src_port = c->local.port,
        .dst_port = c->remote.port,
        .seq = p->seq,
        .ack = (p->flags & TCP_ACK) ? c->rcv_nxt : 0,
        .flags = p->flags,
        .opt = NULL,
    };
    if (p->flags & TCP_SYN) {
        memset(&opt, 0, sizeof opt);
        opt.has_mss = true;              /* RFC 9293 §3.7.1: announce our MSS in the SYN */
        opt.mss = c->rcv_mss;
        h.opt = &opt;
    }
    h.window = (p->flags & TCP_RST) && !(p->flags & TCP_ACK) ? 0 : (uint16_t)tcp_conn_rcv_window(c);
    size_t hlen = tcp_write_header(tcp, &h);
    if (p->len)
        ringbuf_peek(&c->sndbuf, p->seq - c->snd_buf_seq, tcp + hlen, p->len);
    size_t seglen = hlen + p->len;
    tcp_fill_checksum(tcp, seglen, &c->local.addr, &c->remote.addr);

    uint32_t consumed = p->len + !!(p->flags & TCP_SYN) + !!(p->flags & TCP_FIN);
    bool retransmission = consumed && seq_lt(p->seq, c->snd_max);
    if (retransmission) {
        c->retrans_segs++;
        st->stats.tcp_retrans_segs++;
    } else {
        st->stats.tcp_out_segs++;
    }
    if (p->flags & TCP_RST)
        st->stats.tcp_out_rsts++;
    c->segs_out++;
    if (p->len)
        c->data_segs_out++;
    stack_ip_output(st, c->iface, &c->local.addr, &c->remote.addr, IP_PROTO_TCP, seglen, c->id, now);

    if (p->flags & TCP_ACK) {
        /* Any segment carrying ACK acknowledges everything received so far. */
        c->ack_now = false;
        c->segs_since_ack = 0;
        tcp_timer_clear(st, c, TCP_TIMER_DELACK);
    }
    if (!consumed)
        return;
    /* RFC 6298 §3 (Karn): time only segments sent for the first time. */
    if (!c->rtt_timing && !retransmission) {
        c->rtt_timing = true;
        c->rtt_seq = p->seq + consumed;
        c->rtt_start = now;
    }
    if (seq_gt(p->seq + consumed, c->snd_nxt))
        c->snd_nxt = p->seq + consumed;
    if (seq_gt(c->snd_nxt, c->snd_max))
        c->snd_max = c->snd_nxt;
    if (!tcp_timer_armed(c, TCP_TIMER_REXMT) && !tcp_timer_armed(c, TCP_TIMER_PERSIST))
        tcp_rexmt_restart(st, c, now);   /* RFC 6298 §5.1 */
}

static bool may_send_data(int state)
{
    return state == SYNACK_TCP_ESTABLISHED || state == SYNACK_TCP_CLOSE_WAIT || state == SYNACK_TCP_FIN_WAIT_1 ||
           state == SYNACK_TCP_CLOSING || state == SYNACK_TCP_LAST_ACK;
}

/* Fills *p with the next segment worth sending; false if there is none. */
static bool plan_next(const struct tcp_conn *c, struct seg_plan *p)
{
    p->seq = c->snd_nxt;
    p->len = 0;
    p->flags = 0;
    /* Our SYN is due (again): it is unacknowledged and SND.NXT is back at
     * ISS.  Besides SYN-SENT and SYN-RECEIVED this happens in FIN-WAIT-1
     * after a CLOSE in SYN-RECEIVED (see apply_user_requests). */
    if (c->snd_una == c->iss && c->snd_nxt == c->iss) {
        p->flags = c->state == SYNACK_TCP_SYN_SENT ? TCP_SYN : TCP_SYN | TCP_ACK;
        return true;
    }
    if (c->state == SYNACK_TCP_SYN_SENT)
        return false;
    p->flags = TCP_ACK;
    if (may_send_data(c->state)) {
        uint32_t avail = bytes_after(c, c->snd_nxt);
        uint32_t win = min_u32(c->snd_wnd, c->cwnd);
        uint32_t inflight = c->snd_nxt - c->snd_una;
        uint32_t usable = win > inflight ? win - inflight : 0;
        uint32_t len = min_u32(min_u32(avail, c->snd_mss), usable);
        /* RFC 9293 §3.8.6.2.1 (sender SWS avoidance): send a full segment,
         * or all that is queued, or at least half the largest window the
         * peer has offered; otherwise wait for the window to open (an
         * empty pipe never waits, so nothing can deadlock here). */
        if (len && len < c->snd_mss && len < avail && len < c->max_snd_wnd / 2 && inflight)
            len = 0;
        p->len = len;
        if (len && len == avail)
            p->flags |= TCP_PSH;
        if (c->fin_queued && c->snd_nxt + len == tcp_conn_fin_seq(c))
            p->flags |= TCP_FIN;
    }
    return p->len || (p->flags & TCP_FIN) || c->ack_now;
}

static void arm_persist_if_stalled(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    if (!may_send_data(c->state) || c->snd_wnd != 0 || c->snd_max != c->snd_una ||
        !bytes_after(c, c->snd_nxt) || tcp_timer_armed(c, TCP_TIMER_PERSIST))
        return;
    tcp_timer_clear(st, c, TCP_TIMER_REXMT);
    tcp_timer_set(st, c, TCP_TIMER_PERSIST, now + rtt_rto_backed_off(&c->rtt, c->persist_backoff));
}

/* Carries out what socket calls asked for since the last poll, so that
 * the resulting state changes and segments bear the poll's time. */
static void apply_user_requests(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    if (c->open_pending) {
        /* RFC 9293 §3.10.1 OPEN (active): choose the ISS (RFC 6528 needs
         * the clock, which socket calls do not have) and enter SYN-SENT. */
        c->open_pending = false;
        tcp_conn_set_iss(c, isn_generate(st, &c->local, &c->remote, now));
        tcp_conn_set_state(st, c, SYNACK_TCP_SYN_SENT, now);
    }
    if (c->fin_queued) {
        /* RFC 9293 §3.10.4 CLOSE: ESTABLISHED -> FIN-WAIT-1, CLOSE-WAIT
         * -> LAST-ACK; the FIN itself follows the queued data. */
        if (c->state == SYNACK_TCP_ESTABLISHED)
            tcp_conn_set_state(st, c, SYNACK_TCP_FIN_WAIT_1, now);
        else if (c->state == SYNACK_TCP_CLOSE_WAIT)
            tcp_conn_set_state(st, c, SYNACK_TCP_LAST_ACK, now);
        else if (c->state == SYNACK_TCP_SYN_RECEIVED && !c->sndbuf.len)
            /* SYN-RECEIVED with nothing queued to send: "form a FIN
             * segment and send it, and enter FIN-WAIT-1 state" (a SYN|ACK
             * not yet sent goes first, see plan_next).  With data queued,
             * the FIN waits until ESTABLISHED. */
            tcp_conn_set_state(st, c, SYNACK_TCP_FIN_WAIT_1, now);
    }
}

void tcp_output(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    if (c->state == SYNACK_TCP_LISTEN || (c->state == SYNACK_TCP_CLOSED && !c->open_pending))
        return;
    if (c->abort_pending) {
        /* RFC 9293 §3.10.5 ABORT: a reset, and the connection is gone.  No
         * RST from SYN-SENT: the peer has nothing to reset. */
        if (c->state != SYNACK_TCP_SYN_SENT && c->state != SYNACK_TCP_TIME_WAIT)
            tcp_send_rst_for_conn(st, c, now);
        if (c->state == SYNACK_TCP_ESTABLISHED || c->state == SYNACK_TCP_CLOSE_WAIT)
            st->stats.tcp_estab_resets++;
        tcp_conn_close(st, c, -SYNACK_ECONNABORTED, now);
        return;
    }
    apply_user_requests(st, c, now);
    struct seg_plan p;
    /* Each pass sends one segment and moves snd_nxt or clears ack_now, so
     * the loop ends; the bound is a guard against a broken invariant. */
    for (unsigned i = 0; i < 65536 && plan_next(c, &p); i++) {
        uint32_t before = c->snd_nxt;
        transmit(st, c, &p, now);
        if (c->snd_nxt == before && !p.len && !(p.flags & (TCP_SYN | TCP_FIN)))
            break;
    }
    arm_persist_if_stalled(st, c, now);
}

void tcp_retransmit_first(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    struct seg_plan p = { .seq = c->snd_una, .len = 0, .flags = TCP_ACK };
    if (c->snd_una == c->iss) {                   /* our SYN is unacknowledged: resend it */
        p.flags = c->state == SYNACK_TCP_SYN_SENT ? TCP_SYN : TCP_SYN | TCP_ACK;
    } else {
        uint32_t avail = bytes_after(c, c->snd_una);
        /* A zero-window probe carries one byte (RFC 9293 §3.8.6.1). */
        uint32_t most = c->snd_wnd == 0 ? 1 : c->snd_mss;
        p.len = min_u32(avail, most);
        if (p.len && p.len == avail)
            p.flags |= TCP_PSH;
        if (c->fin_queued && c->snd_una + p.len == tcp_conn_fin_seq(c))
            p.flags |= TCP_FIN;
        if (!p.len && !(p.flags & TCP_FIN))
            return;
    }
    c->rtt_timing = c->rtt_timing && seq_gt(c->rtt_seq, c->snd_una + p.len);
    transmit(st, c, &p, now);
}

void tcp_send_ack_now(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    struct seg_plan p = { .seq = c->snd_nxt, .len = 0, .flags = TCP_ACK };
    transmit(st, c, &p, now);
}

void tcp_send_rst_for_conn(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    /* RFC 9293 §3.10.5: <SEQ=SND.NXT><CTL=RST>; the ACK bit is added when
     * synchronized so the peer can match it to its state. */
    struct seg_plan p = { .seq = c->snd_nxt, .len = 0, .flags = TCP_RST };
    if (c->state != SYNACK_TCP_SYN_SENT)
        p.flags |= TCP_ACK;
    transmit(st, c, &p, now);
}

void tcp_send_reset_reply(struct synack_stack *st, int iface, const struct synack_addr *src,
                          const struct synack_addr *dst, const struct tcp_segment *seg, synack_time_us now)
{
    if (seg->flags & TCP_RST)
        return;   /* RFC 9293 §3.10.7.1: never answer a reset */
    struct tcp_header_out h = { .src_port = seg->dst_port, .dst_port = seg->src_port, .window = 0 };
    if (seg->flags & TCP_ACK) {
        h.seq = seg->ack;                        /* <SEQ=SEG.ACK><CTL=RST> */
        h.flags = TCP_RST;
    } else {
        h.seq = 0;                               /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
        h.ack = seg->seq + tcp_seg_len(seg);
        h.flags = TCP_RST | TCP_ACK;
    }
    uint8_t *tcp = st->txbuf + IPV4_HEADER_LEN;
    size_t hlen = tcp_write_header(tcp, &h);
    tcp_fill_checksum(tcp, hlen, dst, src);
    st->stats.tcp_out_rsts++;
    st->stats.tcp_out_segs++;
    int out = stack_route(st, src);
    stack_ip_output(st, out >= 0 ? out : iface, dst, src, IP_PROTO_TCP, hlen, 0, now);
}
