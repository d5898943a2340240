/*
 * tcp_output.c — deciding what to send and building segments in place.
 * Reading list: RFC 9293 §3.7.4 (Nagle), §3.8.6 (windows), §3.8.6.2.1
 * (sender SWS avoidance), §3.8.6.3 (ACK generation), §3.10.7.1 (resets for
 * segments with no connection), §3.10.5 (ABORT); RFC 5681 §3 and RFC 6675
 * §5 (what cwnd and pipe allow, lost segments first); RFC 6937 (PRR
 * accounting); RFC 7323 (window scale and timestamp options); RFC 2018 §4
 * and RFC 2883 (which SACK blocks to send); RFC 6298 §5.1 (start the timer
 * when sending); RFC 8985 §7 (tail loss probes); RFC 1191 §6.4 and RFC
 * 4821 §7.5 (segments no larger than the path MTU, resends cut to it, path
 * MTU probes: tcp_pmtu.c decides, this file builds).
 *
 * Every segment is built straight into the stack's transmit buffer: IPv4
 * header, TCP header, payload copied from the send ring, checksum, then
 * the interface's transmit callback.  Nothing is allocated per segment.
 */
#include <string.h>

#include "checksum.h"
#include "ipv4.h"
#include "seq.h"
#include "stack_internal.h"
#include "tcp_conn.h"
#include "tcp_recovery.h"

/* Why a segment is being resent, for the statistics. */
enum retx_cause { RETX_NONE, RETX_RECOVERY, RETX_RTO, RETX_TLP, RETX_PROBE, RETX_PMTU };

struct seg_plan {
    uint32_t seq;
    uint32_t len;            /* payload bytes, taken from the send ring */
    uint8_t flags;
    uint8_t cause;           /* enum retx_cause */
    struct txseg *rexmit;    /* the record being resent, or NULL */
    bool pmtu_probe;         /* new data larger than snd_mss: a path MTU probe (tcp_pmtu.c) */
};

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* Bytes of the send ring from sequence number seq to its end. */
static uint32_t bytes_after(const struct tcp_conn *c, uint32_t seq)
{
    uint32_t off = seq - c->snd_buf_seq;
    return seq_lt(seq, c->snd_buf_seq) || off >= c->sndbuf.len ? 0 : c->sndbuf.len - off;
}

/* The window field: what the receive side may advertise, scaled (RFC 7323
 * §2.3; never scaled in a SYN). */
static uint16_t window_field(struct synack_stack *st, struct tcp_conn *c, bool syn)
{
    uint32_t adv = tcp_conn_rcv_window(st, c);
    uint32_t field = syn ? adv : adv >> c->rcv_wscale;
    return (uint16_t)(field > 65535 ? 65535 : field);
}

/* RFC 2018 §4: the first block holds the segment that triggered this ACK
 * (here: the most recently changed range), then the other most recent
 * ones; RFC 2883 §4: a D-SACK goes first of all. */
static void fill_sack_blocks(struct tcp_conn *c, struct tcp_options *opt, unsigned most)
{
    unsigned n = 0;
    if (most > TCP_SACK_BLOCKS_MAX)
        most = TCP_SACK_BLOCKS_MAX;
    if (c->dsack_pending && most) {
        opt->sack[n].left = c->dsack_left;
        opt->sack[n].right = c->dsack_right;
        n++;
    }
    uint32_t taken = 0;   /* bitmap of ranges already reported */
    while (n < most) {
        int best = -1;
        for (unsigned i = 0; i < c->ooo.count; i++)
            if (!(taken & (1u << i)) && (best < 0 || c->ooo.r[i].stamp > c->ooo.r[best].stamp))
                best = (int)i;
        if (best < 0)
            break;
        taken |= 1u << best;
        opt->sack[n].left = c->ooo.r[best].start;
        opt->sack[n].right = c->ooo.r[best].end;
        n++;
    }
    opt->sack_count = (uint8_t)n;
}

static void count_transmission(struct synack_stack *st, struct tcp_conn *c, const struct seg_plan *p,
                               uint32_t consumed, bool retransmission)
{
    if (retransmission) {
        c->retrans_segs++;
        c->bytes_retrans += p->len;
        st->stats.tcp_retrans_segs++;
        switch (p->cause) {
        case RETX_RTO: c->retrans_rto++; break;
        case RETX_TLP: c->retrans_tlp++; st->stats.tcp_loss_probes++; break;
        case RETX_RECOVERY: c->retrans_fast++; break;
        default: break;
        }
    } else {
        st->stats.tcp_out_segs++;
        if (p->cause == RETX_TLP)
            st->stats.tcp_loss_probes++;
    }
    if (p->cause == RETX_PROBE)
        c->zero_window_probes++;
    if (p->flags & TCP_RST)
        st->stats.tcp_out_rsts++;
    c->segs_out++;
    if (p->len)
        c->data_segs_out++;
    (void)consumed;
}

/* Builds and sends the planned segment; updates the scoreboard, the send
 * variables and the timers.  Returns false if it could not be recorded
 * (out of memory for the scoreboard), in which case nothing was sent. */
static bool transmit(struct synack_stack *st, struct tcp_conn *c, const struct seg_plan *p, synack_time_us now)
{
    uint32_t consumed = p->len + !!(p->flags & TCP_SYN) + !!(p->flags & TCP_FIN);
    bool syn = (p->flags & TCP_SYN) != 0;
    bool new_data = consumed && !syn && !p->rexmit && p->seq == c->snd_max;
    uint32_t tsval = tcp_ts_now(c, now);
    if (new_data && !txq_push(st, &c->txq, p->seq, p->seq + consumed, (p->flags & TCP_FIN) != 0, now, tsval))
        return false;                             /* the scoreboard is full: wait for ACKs (tcp_txq.h) */
    if (p->pmtu_probe)
        tcp_pmtu_probe_sent(st, c, p->seq, p->len);

    uint8_t *tcp = stack_tx_l4(st);
    struct tcp_options opt;
    memset(&opt, 0, sizeof opt);
    struct tcp_header_out h = {
        .src_port = c->local.port,
        .dst_port = c->remote.port,
        .seq = p->seq,
        .ack = (p->flags & TCP_ACK) ? c->rcv_nxt : 0,
        .flags = p->flags,
        .opt = &opt,
    };
    if (syn) {
        /* RFC 9293 §3.7.1: our MSS.  RFC 7323 §2.2, §3.2 and RFC 2018 §2:
         * offered in our SYN, answered in a SYN|ACK only when offered. */
        opt.has_mss = true;
        opt.mss = c->rcv_mss;
        opt.sack_permitted = c->sack_ok;
        opt.has_wscale = c->wscale_ok;
        opt.wscale = c->rcv_wscale;
    }
    if (c->ts_ok && !(p->flags & TCP_RST)) {
        opt.has_timestamp = true;                 /* RFC 7323 §3.2: on every segment */
        opt.ts_val = tsval;
        opt.ts_ecr = (p->flags & TCP_ACK) ? c->ts_recent : 0;
    }
    bool dsack = false;
    if (!syn && c->sack_ok && (p->flags & TCP_ACK) && !(p->flags & TCP_RST) && (c->dsack_pending || c->ooo.count)) {
        /* Blocks take 4 bytes (NOP, NOP, kind, length) and 8 each.  They
         * must fit in the 40 bytes of option space — at most 4, or 3 beside
         * a timestamp (RFC 2018 §3) — so that the writer drops none and the
         * count below is what was sent; with data, also beside the payload
         * within the MSS (RFC 9293 §3.7.1). */
        uint32_t ts_len = c->ts_ok ? TCP_TS_OPTION_LEN : 0;
        uint32_t most = (TCP_HEADER_MAX - TCP_HEADER_MIN - ts_len - 4) / 8;
        uint32_t used = p->len + ts_len;
        uint32_t room = c->mss_wire > used + 4 ? c->mss_wire - used - 4 : 0;
        if (p->len && room / 8 < most)
            most = room / 8;
        fill_sack_blocks(c, &opt, most);
        dsack = c->dsack_pending && opt.sack_count;
    }
    h.window = (p->flags & TCP_RST) && !(p->flags & TCP_ACK) ? 0 : window_field(st, c, syn);
    size_t hlen = tcp_write_header(tcp, &h);
    size_t seglen = hlen + p->len;
    if (st->ifaces[c->iface].tx_csum_offload) {
        if (p->len)
            ringbuf_peek(&c->sndbuf, p->seq - c->snd_buf_seq, tcp + hlen, p->len);
    } else {
        /* The payload is summed as it is copied: one pass over its bytes. */
        uint64_t payload_sum = 0;
        if (p->len)
            payload_sum = ringbuf_peek_csum(&c->sndbuf, p->seq - c->snd_buf_seq, tcp + hlen, p->len);
        tcp_fill_checksum_parts(tcp, hlen, payload_sum, p->len, &c->local.addr, &c->remote.addr);
    }

    bool retransmission = consumed && seq_lt(p->seq, c->snd_max);
    count_transmission(st, c, p, consumed, retransmission);
    if (opt.sack_count) {
        c->sack_blocks_out += opt.sack_count;
        if (dsack) {
            c->dsack_out++;
            st->stats.tcp_dsack_sent++;
            c->dsack_pending = false;
        }
    }
    stack_ip_output(st, c->iface, &c->local.addr, &c->remote.addr, IP_PROTO_TCP, seglen, c->id, now);

    if (p->flags & TCP_ACK) {
        /* Any segment carrying ACK acknowledges everything received so far. */
        c->ack_now = false;
        c->segs_since_ack = 0;
        c->last_ack_sent = c->rcv_nxt;
        tcp_timer_clear(st, c, TCP_TIMER_DELACK);
    }
    if (!consumed)
        return true;
    if (p->rexmit) {
        txq_sent_again(&c->txq, p->rexmit, now, tsval);
        if (p->cause == RETX_TLP)
            p->rexmit->flags |= TXS_TLP;
        tcp_rec_on_retransmit(c, p->rexmit, tsval);
    }
    if (c->rec_state == REC_FAST)
        c->prr_out += consumed;                   /* RFC 6937 */
    if (syn) {
        /* RFC 6298 §3 (Karn): time the SYN only when sent for the first time. */
        if (!c->rtt_timing && !retransmission) {
            c->rtt_timing = true;
            c->rtt_seq = p->seq + 1;
            c->rtt_start = now;
        }
    } else {
        c->last_send_time = now;
    }
    if (seq_gt(p->seq + consumed, c->snd_max))
        c->snd_max = p->seq + consumed;
    c->snd_nxt = c->snd_max;
    if (!tcp_timer_armed(c, TCP_TIMER_REXMT) && !tcp_timer_armed(c, TCP_TIMER_PERSIST))
        tcp_rexmt_restart(st, c, now);            /* RFC 6298 §5.1 */
    if (new_data)
        tcp_rec_arm_tlp(st, c, now);              /* RFC 8985 §7.2 */
    return true;
}

static bool may_send_data(int state)
{
    return state == SYNACK_TCP_ESTABLISHED || state == SYNACK_TCP_CLOSE_WAIT || state == SYNACK_TCP_FIN_WAIT_1 ||
           state == SYNACK_TCP_CLOSING || state == SYNACK_TCP_LAST_ACK;
}

static bool our_syn_unacked(const struct tcp_conn *c)
{
    return (c->state == SYNACK_TCP_SYN_SENT || c->state == SYNACK_TCP_SYN_RECEIVED ||
            c->state == SYNACK_TCP_FIN_WAIT_1) &&
           c->snd_una == c->iss;
}

/* Why lost records are being resent in the current recovery state. */
static enum retx_cause recovery_cause(const struct tcp_conn *c)
{
    return c->rec_state == REC_RTO ? RETX_RTO : c->rec_state == REC_PMTU ? RETX_PMTU : RETX_RECOVERY;
}

/* Record s made to fit the segments the path takes now, before it is
 * resent: a record larger than snd_mss — sent before the path MTU fell,
 * or a path MTU probe — is cut (tcp_txq.h), and the piece to resend is
 * returned, the first or, with `last`, the last.  NULL when the scoreboard
 * cannot grow: the resend waits for an ACK or the timer. */
static struct txseg *fit_record(struct synack_stack *st, struct tcp_conn *c, struct txseg *s, bool last)
{
    uint32_t payload = txseg_len(s) - !!(s->flags & TXS_FIN);
    if (payload <= c->snd_mss)
        return s;
    tcp_pmtu_record_cut(st, c, s);
    uint32_t i = txq_index(&c->txq, s);
    uint32_t at = last ? s->start + payload - c->snd_mss : s->start + c->snd_mss;
    if (!txq_split(st, &c->txq, i, at))
        return NULL;
    return txq_at(&c->txq, last ? i + 1 : i);
}

/* Fills *p to resend record s. */
static void plan_record(const struct tcp_conn *c, struct txseg *s, enum retx_cause cause, struct seg_plan *p)
{
    p->seq = s->start;
    p->len = txseg_len(s) - !!(s->flags & TXS_FIN);
    p->flags = TCP_ACK | ((s->flags & TXS_FIN) ? TCP_FIN : 0);
    if (p->len && p->seq + p->len == c->snd_buf_seq + c->sndbuf.len)
        p->flags |= TCP_PSH;
    p->cause = (uint8_t)cause;
    p->rexmit = s;
}

/* New data from SND.MAX: at most `room` bytes (the windows' allowance). */
static bool plan_new_data(const struct tcp_conn *c, uint32_t room, struct seg_plan *p)
{
    uint32_t avail = bytes_after(c, c->snd_max);
    uint32_t len = min_u32(min_u32(avail, c->snd_mss), room);
    uint32_t inflight = c->snd_max - c->snd_una;
    /* RFC 9293 §3.8.6.2.1 (sender SWS avoidance): send a full segment, or
     * all that is queued, or at least half the largest window the peer has
     * offered; otherwise wait (an empty pipe never waits). */
    if (len && len < c->snd_mss && len < avail && len < c->max_snd_wnd / 2 && inflight)
        len = 0;
    /* RFC 9293 §3.7.4 (Nagle): with data unacknowledged, hold a small
     * segment back until the ACK comes or a full segment can go; closing
     * flushes. */
    if (len && len < c->snd_mss && inflight && !c->nodelay && !c->fin_queued)
        len = 0;
    p->seq = c->snd_max;
    p->len = len;
    p->flags = TCP_ACK;
    p->cause = RETX_NONE;
    p->rexmit = NULL;
    if (len && len == avail)
        p->flags |= TCP_PSH;
    /* The FIN follows the last byte; it needs no window (RFC 9293 §3.10.4). */
    if (c->fin_queued && c->snd_max + len == tcp_conn_fin_seq(c) && len == avail)
        p->flags |= TCP_FIN;
    return len || (p->flags & TCP_FIN);
}

/* A path MTU probe (RFC 4821 §7.5): the next new data, larger than
 * snd_mss, when tcp_pmtu.c says one is due and `room` takes it. */
static bool plan_pmtu_probe(const struct tcp_conn *c, uint32_t room, struct seg_plan *p)
{
    uint32_t len = tcp_pmtu_probe_len(c, bytes_after(c, c->snd_max), room);
    if (!len)
        return false;
    p->seq = c->snd_max;
    p->len = len;
    p->flags = TCP_ACK;
    p->cause = RETX_NONE;
    p->rexmit = NULL;
    p->pmtu_probe = true;
    return true;
}

/* The sequence number for a segment that carries no data (a pure ACK, a
 * RST): SND.NXT, unless that lies beyond the window the peer offers — as
 * after a zero-window probe byte it refused, or when it shrank its window
 * — in which case the right edge, so that the peer finds it acceptable
 * (RFC 9293 §3.10.7.4; Linux's tcp_acceptable_seq does the same). */
static uint32_t bare_seq(const struct tcp_conn *c)
{
    if (!tcp_state_synchronized(c->state) || our_syn_unacked(c))
        return c->snd_nxt;
    uint32_t edge = c->snd_una + c->snd_wnd;
    return seq_gt(c->snd_nxt, edge) ? edge : c->snd_nxt;
}

/* Fills *p with the next segment worth sending; false if there is none. */
static bool plan_next(struct synack_stack *st, struct tcp_conn *c, struct seg_plan *p)
{
    memset(p, 0, sizeof *p);
    p->seq = c->snd_nxt;
    if (our_syn_unacked(c) && c->snd_max == c->iss) {
        p->flags = c->state == SYNACK_TCP_SYN_SENT ? TCP_SYN : TCP_SYN | TCP_ACK;
        return true;
    }
    if (c->state == SYNACK_TCP_SYN_SENT)
        return false;
    if (c->state == SYNACK_TCP_SYN_RECEIVED) {
        p->flags = TCP_ACK;
        return c->ack_now;                        /* data waits for ESTABLISHED */
    }
    p->flags = TCP_ACK;
    if (may_send_data(c->state)) {
        uint32_t pipe = tcp_rec_pipe(c);
        uint32_t cwnd_room = c->cwnd > pipe ? c->cwnd - pipe : 0;
        /* RFC 6675 §5 NextSeg rule 1 (and after a timeout): what is judged
         * lost goes before new data, and only when cwnd - pipe has room for
         * it (RFC 6675 §5 (C): at least one SMSS; RFC 6937 §3: what an ACK
         * releases never exceeds sndcnt).  Until then nothing new jumps
         * ahead of it. */
        if (c->txq.lost_bytes) {
            struct txseg *s = tcp_rec_first_lost(c);
            if (s) {
                if (cwnd_room >= min_u32(txseg_len(s), c->snd_mss) && (s = fit_record(st, c, s, false))) {
                    plan_record(c, s, recovery_cause(c), p);
                    return true;
                }
                cwnd_room = 0;
            }
        }
        uint32_t wnd_edge = c->snd_una + c->snd_wnd;
        uint32_t rwnd_room = seq_gt(wnd_edge, c->snd_max) ? wnd_edge - c->snd_max : 0;
        uint32_t room = min_u32(rwnd_room, cwnd_room);
        if (c->pm.state == PL_SEARCHING && plan_pmtu_probe(c, room, p))
            return true;
        if (plan_new_data(c, room, p))
            return true;
        p->flags = TCP_ACK;
        p->len = 0;
    }
    p->seq = bare_seq(c);
    return c->ack_now;
}

static void arm_persist_if_stalled(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    if (!may_send_data(c->state) || c->snd_wnd != 0 || c->snd_max != c->snd_una ||
        !bytes_after(c, c->snd_max) || tcp_timer_armed(c, TCP_TIMER_PERSIST))
        return;
    tcp_timer_clear(st, c, TCP_TIMER_REXMT);
    tcp_timer_clear(st, c, TCP_TIMER_TLP);
    tcp_timer_set(st, c, TCP_TIMER_PERSIST, now + rtt_rto_backed_off(&c->rtt, c->persist_backoff));
}

/* RFC 7661 §4.3 in spirit: cwnd may grow only while it is what limits the
 * sender; an application that leaves the window half empty does not earn
 * a larger one. */
static void note_cwnd_limited(struct tcp_conn *c)
{
    uint32_t pipe = tcp_rec_pipe(c);
    if (pipe + c->snd_mss > c->cwnd)
        c->cwnd_limited = true;
    else if (pipe < c->cwnd / 2 && !bytes_after(c, c->snd_max))
        c->cwnd_limited = false;
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
         * -> LAST-ACK; in SYN-RECEIVED with nothing queued, the FIN goes
         * out at once and the state is FIN-WAIT-1.  The FIN itself follows
         * the queued data. */
        if (c->state == SYNACK_TCP_ESTABLISHED)
            tcp_conn_set_state(st, c, SYNACK_TCP_FIN_WAIT_1, now);
        else if (c->state == SYNACK_TCP_CLOSE_WAIT)
            tcp_conn_set_state(st, c, SYNACK_TCP_LAST_ACK, now);
        else if (c->state == SYNACK_TCP_SYN_RECEIVED && c->sndbuf.len == 0)
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
        if (c->state != SYNACK_TCP_SYN_SENT && c->state != SYNACK_TCP_TIME_WAIT && !c->open_pending)
            tcp_send_rst_for_conn(st, c, now);
        if (c->state == SYNACK_TCP_ESTABLISHED || c->state == SYNACK_TCP_CLOSE_WAIT)
            st->stats.tcp_estab_resets++;
        tcp_conn_close(st, c, -SYNACK_ECONNABORTED, now);
        return;
    }
    apply_user_requests(st, c, now);
    if (tcp_pmtu_due(&c->pm, now))
        tcp_pmtu_tick(st, c, now);                /* RFC 1191 §6.3 aging, RFC 4821 §7.3 re-probing */
    /* RFC 5681 §4.1 (restart after idle): after more than an RTO without
     * sending, the old cwnd no longer reflects the path. */
    if (c->snd_max == c->snd_una && c->last_send_time && tcp_state_synchronized(c->state) &&
        now - c->last_send_time > rtt_rto_backed_off(&c->rtt, 0) && bytes_after(c, c->snd_max))
        c->cc->on_idle_restart(c, now);
    struct seg_plan p;
    /* Each pass sends one segment and moves SND.MAX, resends a record, or
     * clears ack_now, so the loop ends; the bound guards a broken invariant. */
    for (unsigned i = 0; i < 65536 && plan_next(st, c, &p); i++) {
        if (!transmit(st, c, &p, now))
            break;
        if (!p.len && !(p.flags & (TCP_SYN | TCP_FIN)) && !p.rexmit)
            break;
    }
    note_cwnd_limited(c);
    arm_persist_if_stalled(st, c, now);
}

void tcp_retransmit_first(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    if (our_syn_unacked(c)) {
        struct seg_plan p = { .seq = c->iss, .flags = c->state == SYNACK_TCP_SYN_SENT ? TCP_SYN : TCP_SYN | TCP_ACK };
        c->rtt_timing = false;
        transmit(st, c, &p, now);
        return;
    }
    struct txseg *s = c->txq.count ? fit_record(st, c, txq_at(&c->txq, 0), false) : NULL;
    if (s) {
        struct seg_plan p;
        plan_record(c, s, recovery_cause(c), &p);
        transmit(st, c, &p, now);
    }
}

void tcp_send_probe(struct synack_stack *st, struct tcp_conn *c, bool zero_window, synack_time_us now)
{
    struct seg_plan p;
    memset(&p, 0, sizeof p);
    if (zero_window) {
        /* RFC 9293 §3.8.6.1: a probe carries one byte of new data; if one
         * is already out, the same byte again. */
        if (c->txq.count) {
            struct txseg *s = fit_record(st, c, txq_at(&c->txq, 0), false);
            if (!s)
                return;
            plan_record(c, s, RETX_PROBE, &p);
        } else {
            if (!plan_new_data(c, 1, &p))
                return;
            p.cause = RETX_PROBE;
        }
        transmit(st, c, &p, now);
        return;
    }
    /* RFC 8985 §7.3: a tail loss probe sends one new segment if the
     * receive window allows, else resends the last one. */
    uint32_t wnd_edge = c->snd_una + c->snd_wnd;
    uint32_t rwnd_room = seq_gt(wnd_edge, c->snd_max) ? wnd_edge - c->snd_max : 0;
    if (plan_new_data(c, min_u32(rwnd_room, c->snd_mss), &p)) {
        p.cause = RETX_TLP;
        if (!transmit(st, c, &p, now))
            return;                               /* the scoreboard is full: no probe went out */
        c->tlp_retrans = false;
    } else if (c->txq.count) {
        struct txseg *s = fit_record(st, c, txq_last(&c->txq), true);
        if (!s)
            return;
        plan_record(c, s, RETX_TLP, &p);
        transmit(st, c, &p, now);
        c->tlp_retrans = true;
    } else {
        return;
    }
    c->tlp_out = true;
    c->tlp_high_seq = c->snd_max;
}

void tcp_send_keepalive(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    /* RFC 1122 §4.2.3.6: SEG.SEQ = SND.NXT - 1, no data: any live peer
     * answers with an ACK. */
    struct seg_plan p = { .seq = c->snd_una - 1, .flags = TCP_ACK };
    c->keepalive_probes++;
    transmit(st, c, &p, now);
}

void tcp_send_ack_now(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    struct seg_plan p = { .seq = bare_seq(c), .flags = TCP_ACK };
    transmit(st, c, &p, now);
}

void tcp_send_rst_for_conn(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    /* RFC 9293 §3.10.5: <SEQ=SND.NXT><CTL=RST>; the ACK bit is added when
     * synchronized so the peer can match it to its state. */
    struct seg_plan p = { .seq = bare_seq(c), .flags = TCP_RST };
    if (c->state != SYNACK_TCP_SYN_SENT)
        p.flags |= TCP_ACK;
    transmit(st, c, &p, now);
}

bool tcp_send_challenge_ack(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    /* RFC 5961 §7: challenge ACKs are rate-limited, per stack (see
     * struct synack_config for why the limit may be turned off). */
    if (!token_bucket_take(&st->challenge_acks, st->cfg.challenge_ack_rate, st->cfg.challenge_ack_burst, now)) {
        st->stats.tcp_challenge_acks_limited++;
        return false;
    }
    st->stats.tcp_challenge_acks++;
    tcp_send_ack_now(st, c, now);
    return true;
}

void tcp_send_stateless(struct synack_stack *st, int iface, const struct synack_addr *src,
                        const struct synack_addr *dst, const struct tcp_header_out *h, synack_time_us now)
{
    uint8_t *tcp = stack_tx_l4(st);
    size_t hlen = tcp_write_header(tcp, h);
    tcp_fill_checksum(tcp, hlen, src, dst);
    if (h->flags & TCP_RST)
        st->stats.tcp_out_rsts++;
    st->stats.tcp_out_segs++;
    stack_ip_output(st, stack_reply_iface(st, dst, iface), src, dst, IP_PROTO_TCP, hlen, 0, now);
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
    tcp_send_stateless(st, iface, dst, src, &h, now);
}
