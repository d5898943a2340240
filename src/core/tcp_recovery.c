/*
 * tcp_recovery.c — what the sender learns from ACKs and timers.
 *
 * Reading list: RFC 6298 §2-§5 (RTT samples, timer on ACK); RFC 7323 §4
 * (RTT from timestamps); RFC 2018 §3 and RFC 6675 (SACK scoreboard, pipe,
 * recovery); RFC 2883 (D-SACK); RFC 8985 (RACK-TLP: time-based loss
 * detection §6, tail loss probes §7); RFC 6937 (Proportional Rate
 * Reduction: how much to send during recovery); RFC 5681 §3.2 and RFC
 * 6582 (duplicate ACKs and NewReno, for peers without SACK); RFC 3522 and
 * RFC 4015 (Eifel: undoing a spurious timeout); RFC 3708 (D-SACK shows
 * retransmissions were not needed); RFC 1191 §6.4 and RFC 4821 §7.6
 * (segments dropped for their size, and lost path MTU probes, are resent
 * without a congestion response: REC_PMTU, with tcp_pmtu.c).
 *
 * Call chain: ack_step (tcp_input.c) -> tcp_rec_on_ack: D-SACK, cumulative
 * ACK (scoreboard, send ring, RTT), SACK blocks, duplicate ACKs, loss
 * detection (RACK, or DupThresh/NewReno without SACK), recovery entry and
 * exit, PRR, TLP episode end, undo, timers.  Timers (tcp_timer.c) ->
 * tcp_rec_on_rto / on_reorder_timer / on_tlp_timer.  What is marked lost
 * is resent by tcp_output (lost records first, RFC 6675 NextSeg rule 1).
 */
#include "tcp_recovery.h"

#include <string.h>

#include "cc.h"
#include "seq.h"
#include "stack_internal.h"

#define DUP_THRESH 3                   /* RFC 5681 §3.2, RFC 6675 §2 */
#define REO_WND_PERSIST 16             /* RFC 8985 §6.2 step 4 */
/* A floor under the probe timeout: on a sub-millisecond path a busy
 * receiver's ACK is often later than 2*SRTT, and a probe then is only a
 * spurious retransmission.  Linux uses the same 10 ms. */
#define TLP_MIN_PTO_US 10000

static uint32_t max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }
static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }
static bool ts_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }

/* ---- RTT ---- */

static void take_rtt_sample(struct tcp_conn *c, uint32_t rtt_us)
{
    if (!rtt_us)
        rtt_us = 1;
    rtt_sample(&c->rtt, rtt_us);
    if (!c->min_rtt_us || rtt_us < c->min_rtt_us)
        c->min_rtt_us = rtt_us;
}

/* ---- undo (RFC 3522, RFC 4015, RFC 3708) ---- */

static void undo_save(struct tcp_conn *c, bool rto)
{
    /* A timeout inside fast recovery keeps the state from before it. */
    if (c->undo.armed && c->rec_state != REC_OPEN)
        return;
    memset(&c->undo, 0, sizeof c->undo);
    c->undo.armed = true;
    c->undo.rto = rto;
    c->undo.cwnd = c->cwnd;
    c->undo.ssthresh = c->ssthresh;
    c->undo.cc = c->cc_state;
}

void tcp_rec_on_retransmit(struct tcp_conn *c, struct txseg *s, uint32_t tsval)
{
    if (!c->undo.armed)
        return;
    if (!c->undo.have_retrans) {
        c->undo.have_retrans = true;
        c->undo.tsval = tsval;
        c->undo.retrans_seq = s->start;
    }
    c->undo.retrans_out++;
}

static void do_undo(struct synack_stack *st, struct tcp_conn *c)
{
    /* RFC 4015 §3 / RFC 3708 §3: the reduction was for nothing: restore
     * the window and forget what was judged lost. */
    c->cwnd = max_u32(c->cwnd, c->undo.cwnd);
    c->ssthresh = max_u32(c->ssthresh, c->undo.ssthresh);
    c->cc_state = c->undo.cc;
    for (uint32_t i = 0; i < c->txq.count; i++) {
        struct txseg *s = txq_at(&c->txq, i);
        if (s->flags & TXS_LOST) {
            s->flags &= (uint8_t)~TXS_LOST;
            c->txq.lost_bytes -= txseg_len(s);
        }
    }
    if (c->undo.rto) {
        c->spurious_rtos++;
        st->stats.tcp_spurious_rtos++;
    } else {
        c->spurious_retrans++;
        st->stats.tcp_undo_recoveries++;
    }
    c->rec_state = REC_OPEN;
    c->dupacks = 0;
    c->undo.armed = false;
}

/* ---- RACK (RFC 8985 §6) ---- */

static bool sent_after(synack_time_us t1, uint32_t seq1, synack_time_us t2, uint32_t seq2)
{
    return t1 > t2 || (t1 == t2 && seq_gt(seq1, seq2));
}

/* RFC 8985 §6.2 steps 2-3, for a record newly acknowledged or SACKed. */
static void rack_note_delivered(struct tcp_conn *c, const struct txseg *sg, const struct tcp_segment *ack,
                                synack_time_us now)
{
    uint32_t rtt = (uint32_t)(now - sg->xmit_time);
    if (sg->flags & TXS_RETRANS) {
        /* Which transmission was delivered?  With timestamps the echo says;
         * without, a sample shorter than min RTT must be the original's. */
        if (c->ts_ok && ack->opt.has_timestamp && ts_lt(ack->opt.ts_ecr, sg->tsval))
            return;
        if (rtt < c->min_rtt_us)
            return;
    }
    c->rack.rtt_us = rtt;
    if (sent_after(sg->xmit_time, sg->end, c->rack.xmit_time, c->rack.end_seq)) {
        c->rack.xmit_time = sg->xmit_time;
        c->rack.end_seq = sg->end;
    }
    /* Step 3: a segment never resent that ends below the highest one
     * delivered was reordered, not lost. */
    if (!(sg->flags & TXS_RETRANS) && seq_lt(sg->end, c->rack.fack)) {
        c->rack.reordering_seen = true;
        uint32_t dist = (c->rack.fack - sg->end) / (c->snd_mss ? c->snd_mss : 1) + 1;
        if (dist > c->reordering)
            c->reordering = dist;
    }
    if (seq_gt(sg->end, c->rack.fack))
        c->rack.fack = sg->end;
}

/* RFC 8985 §6.2 step 4. */
static uint32_t rack_reo_wnd(const struct tcp_conn *c)
{
    if (!c->rack.reordering_seen &&
        (c->rec_state != REC_OPEN || c->txq.sacked_bytes >= DUP_THRESH * (uint32_t)c->snd_mss))
        return 0;
    uint32_t wnd = c->min_rtt_us / 4 * (c->rack.reo_wnd_mult ? c->rack.reo_wnd_mult : 1);
    return c->rtt.srtt_us ? min_u32(wnd, c->rtt.srtt_us) : wnd;
}

/* RFC 8985 §6.2 step 5: marks lost every record sent before the newest
 * delivered one by more than RTT + reo_wnd; arms the reordering timer for
 * those not yet old enough.  Returns true if anything was marked. */
static bool rack_detect_loss(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    if (!c->rack.xmit_time)
        return false;
    uint64_t reo_wnd = rack_reo_wnd(c);
    uint64_t wait_us = 0;
    bool marked = false;
    for (uint32_t i = 0; i < c->txq.count; i++) {
        struct txseg *s = txq_at(&c->txq, i);
        if (!sent_after(c->rack.xmit_time, c->rack.end_seq, s->xmit_time, s->end)) {
            /* Records are in sequence order; a never-resent record sent
             * after RACK's is followed only by later-sent ones. */
            if (!(s->flags & TXS_RETRANS))
                break;
            continue;
        }
        if (s->flags & (TXS_SACKED | TXS_LOST))
            continue;
        uint64_t deadline = s->xmit_time + c->rack.rtt_us + reo_wnd;
        if (deadline <= now) {
            txq_mark_lost(&c->txq, s);
            marked = true;
        } else if (deadline - now > wait_us) {
            wait_us = deadline - now;
        }
    }
    if (wait_us)
        tcp_timer_set(st, c, TCP_TIMER_REORDER, now + wait_us);
    else
        tcp_timer_clear(st, c, TCP_TIMER_REORDER);
    return marked;
}

/* ---- recovery (RFC 6675 with PRR, RFC 6937) ---- */

static void enter_fast_recovery(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    undo_save(c, false);
    /* FlightSize for RFC 5681 eq. 4, without what was sent after the first
     * sign of loss on the strength of SACKs or duplicate ACKs (RFC 5681
     * §3.2 step 2: data sent by limited transmit is not counted). */
    uint32_t flight = c->flight_marked ? c->flight_mark - c->snd_una : c->snd_max - c->snd_una;
    c->rec_state = REC_FAST;
    c->recover = c->snd_max;                      /* RFC 6582 §3.2 step 2, RFC 6675 §5 */
    c->recover_fs = flight;                       /* RFC 6937 RecoverFS */
    c->prr_delivered = 0;
    c->prr_out = 0;
    c->fast_retrans++;
    st->stats.tcp_fast_retrans++;
    st->stats.tcp_sack_recoveries++;
    c->cc->on_congestion(c, flight, now);
    tcp_timer_clear(st, c, TCP_TIMER_TLP);
    /* RFC 8985 §7.1: entering fast recovery resets the probe's episode;
     * this recovery is the congestion response to whatever it found. */
    c->tlp_out = false;
    c->tlp_dsacked = false;
}

/* RFC 6937 §3: cwnd for this ACK = pipe + sndcnt (PRR-SSRB). */
static void prr_update(struct tcp_conn *c, uint32_t delivered, bool entering)
{
    c->prr_delivered += delivered;
    uint32_t pipe = tcp_rec_pipe(c);
    int64_t sndcnt;
    if (pipe > c->ssthresh) {
        uint64_t fs = c->recover_fs ? c->recover_fs : 1;
        uint64_t target = ((uint64_t)c->prr_delivered * c->ssthresh + fs - 1) / fs;
        sndcnt = (int64_t)target - c->prr_out;
    } else {
        int64_t limit = (int64_t)c->prr_delivered - c->prr_out;
        if (limit < (int64_t)delivered)
            limit = delivered;
        limit += c->snd_mss;
        sndcnt = (int64_t)c->ssthresh - pipe;
        if (sndcnt > limit)
            sndcnt = limit;
    }
    if (sndcnt < 0)
        sndcnt = 0;
    /* RFC 6675 §5 step 4.2: the first retransmission goes out at once. */
    if (entering && sndcnt < c->snd_mss)
        sndcnt = c->snd_mss;
    c->cwnd = pipe + (uint32_t)sndcnt;
}

static void exit_recovery(struct tcp_conn *c, synack_time_us now)
{
    bool loss = c->rec_state != REC_PMTU;
    if (c->rec_state == REC_FAST)
        c->cc->on_recovery_exit(c, c->snd_max - c->snd_una, now);
    c->rec_state = REC_OPEN;
    c->dupacks = 0;
    c->dup_sacked = 0;
    c->flight_marked = false;
    /* RFC 8985 §6.2 step 4: a reordering window widened by D-SACKs goes
     * back to min_RTT/4 after 16 recoveries without one (not 16 ACKs). */
    if (loss && c->rack.reo_wnd_persist && --c->rack.reo_wnd_persist == 0)
        c->rack.reo_wnd_mult = 1;
}

void tcp_rec_enter_pmtu(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    /* Records marked lost for their size (tcp_pmtu.c) go out again first,
     * as in any recovery, but nothing here touches cwnd or ssthresh: the
     * path dropped them for their size, not for congestion (RFC 1191
     * §6.4, RFC 4821 §7.6).  Ends when SND.UNA passes what was in flight. */
    if (c->rec_state != REC_OPEN)
        return;
    c->rec_state = REC_PMTU;
    c->recover = c->snd_max;
    tcp_timer_clear(st, c, TCP_TIMER_TLP);
    tcp_conn_trace_cc(st, c, now);
}

/* ---- the ACK ---- */

static bool is_dsack(const struct tcp_segment *s)
{
    /* RFC 2883 §4: the first block is a D-SACK when it lies below the
     * cumulative ACK, or inside the second block. */
    const struct tcp_sack_block *b = &s->opt.sack[0];
    if (seq_leq(b->right, s->ack))
        return true;
    return s->opt.sack_count > 1 && seq_geq(b->left, s->opt.sack[1].left) &&
           seq_leq(b->right, s->opt.sack[1].right);
}

static void on_dsack(struct synack_stack *st, struct tcp_conn *c)
{
    c->dsack_in++;
    st->stats.tcp_dsack_recv++;
    if (c->undo.armed && c->undo.retrans_out)
        c->undo.retrans_out--;
    if (c->tlp_out)
        c->tlp_dsacked = true;
    /* RFC 8985 §6.2 step 4: a D-SACK means the reordering window was too
     * small; widen it, once per round trip, and keep it wide a while. */
    c->rack.reordering_seen = true;
    if (seq_geq(c->snd_una, c->rack.dsack_round) || !c->rack.reo_wnd_persist) {
        if (c->rack.reo_wnd_mult < 255)
            c->rack.reo_wnd_mult++;
        c->rack.dsack_round = c->snd_max;
        c->rack.reo_wnd_persist = REO_WND_PERSIST;
    }
}

/* RFC 5681 §2: a duplicate ACK carries no data, no SYN or FIN, does not
 * move the window, and arrives while data is outstanding.  A zero window
 * is excluded: the peer is answering persist probes, not reporting loss. */
static bool is_duplicate_ack(const struct tcp_conn *c, const struct tcp_segment *s)
{
    return s->ack == c->snd_una && s->payload_len == 0 && !(s->flags & (TCP_SYN | TCP_FIN)) &&
           ((uint32_t)s->window << c->snd_wscale) == c->snd_wnd && c->snd_max != c->snd_una && s->window != 0;
}

/* The cumulative part: returns the RTT sample it gives (0 if none). */
static uint32_t take_cumulative_ack(struct tcp_conn *c, const struct tcp_segment *s, synack_time_us now)
{
    uint32_t ack = s->ack;
    uint32_t rtt = 0;
    for (uint32_t i = 0; i < c->txq.count; i++) {
        struct txseg *sg = txq_at(&c->txq, i);
        if (seq_gt(sg->end, ack))
            break;
        if (!(sg->flags & TXS_SACKED))
            rack_note_delivered(c, sg, s, now);
        if (!(sg->flags & TXS_RETRANS))
            rtt = (uint32_t)(now - sg->xmit_time);   /* Karn: only from first transmissions */
    }
    uint32_t sacked_before = c->txq.sacked_bytes;
    txq_ack(&c->txq, ack);
    /* Bytes SACKed earlier were counted as delivered then. */
    c->delivered += (ack - c->snd_una) - (sacked_before - c->txq.sacked_bytes);
    uint32_t data_acked = 0;
    if (seq_gt(ack, c->snd_buf_seq)) {
        data_acked = min_u32(ack - c->snd_buf_seq, c->sndbuf.len);   /* the rest is our FIN */
        ringbuf_consume(&c->sndbuf, data_acked);
        c->snd_buf_seq += data_acked;
    }
    c->bytes_acked += data_acked;
    c->snd_una = ack;
    if (seq_lt(c->snd_nxt, c->snd_una))
        c->snd_nxt = c->snd_una;
    c->backoff = 0;
    c->soft_error = 0;                  /* new data acknowledged: the path works (tcp_icmp.c) */
    return rtt;
}

struct sack_ctx {
    struct tcp_conn *c;
    const struct tcp_segment *s;
    synack_time_us now;
};

static void sacked_cb(void *ctx, struct txseg *sg)
{
    struct sack_ctx *x = ctx;
    rack_note_delivered(x->c, sg, x->s, x->now);
}

static uint32_t take_sack_blocks(struct synack_stack *st, struct tcp_conn *c, const struct tcp_segment *s,
                                 synack_time_us now)
{
    if (!c->sack_ok || !s->opt.sack_count)
        return 0;
    c->sack_blocks_in += s->opt.sack_count;
    unsigned first = 0;
    if (is_dsack(s)) {
        on_dsack(st, c);
        first = 1;
    }
    struct sack_ctx x = { c, s, now };
    uint32_t newly = 0;
    for (unsigned i = first; i < s->opt.sack_count; i++) {
        uint32_t l = s->opt.sack[i].left, r = s->opt.sack[i].right;
        /* RFC 2018 §3: ignore blocks that are not within what we sent. */
        if (!seq_lt(l, r) || seq_leq(r, c->snd_una) || seq_gt(r, c->snd_max))
            continue;
        if (seq_lt(l, c->snd_una))
            l = c->snd_una;
        newly += txq_sack(&c->txq, l, r, sacked_cb, &x);
    }
    return newly;
}

/* Without SACK: DupThresh duplicate ACKs mean the first segment is lost
 * (RFC 5681 §3.2), and in recovery each partial ACK means the next one is
 * (RFC 6582 §3.2 step 4). */
static void detect_loss_without_sack(struct tcp_conn *c, bool dupack, bool una_advanced)
{
    if (!c->txq.count)
        return;
    struct txseg *head = txq_at(&c->txq, 0);
    /* RFC 6582 §3.2 step 2: only if the cumulative ACK covers more than
     * "recover", the highest sequence number sent before the last
     * recovery or timeout (recover - 1 here, recover holding SND.MAX):
     * duplicates at exactly SND.MAX-then may come from needless
     * retransmissions of that window (§6). */
    bool probe_first = c->pm.probe_mtu && c->snd_una == c->pm.probe_seq;   /* sent after "recover" */
    if (dupack && c->rec_state == REC_OPEN && c->dupacks == DUP_THRESH &&
        (seq_gt(c->snd_una, c->recover) || probe_first))
        txq_mark_lost(&c->txq, head);
    else if (una_advanced && c->rec_state == REC_FAST && seq_lt(c->snd_una, c->recover) &&
             !(head->flags & TXS_RETRANS))
        txq_mark_lost(&c->txq, head);
}

/* RFC 8985 §7.4.2 (TLP_process_ack), for an ACK at or beyond the
 * probe's TLP.end_seq.  A probe of new data, or one whose original a
 * D-SACK (case 1) or a duplicate ACK without SACK (case 2) shows
 * arrived too, ends the episode quietly.  An ACK beyond TLP.end_seq with
 * neither seen first means the probe repaired a loss, and congestion
 * control responds, once.  An ACK exactly at TLP.end_seq cannot tell yet:
 * the episode stays open for the D-SACK that may follow. */
static void end_tlp_episode(struct synack_stack *st, struct tcp_conn *c, const struct tcp_segment *s,
                            bool una_advanced, synack_time_us now)
{
    bool quiet = !c->tlp_retrans || c->tlp_dsacked ||
                 (!una_advanced && !s->payload_len && !s->opt.sack_count);
    if (!quiet && !seq_gt(s->ack, c->tlp_high_seq))
        return;
    bool repaired = !quiet;
    c->tlp_out = false;
    c->tlp_dsacked = false;
    if (repaired && c->rec_state == REC_OPEN) {
        /* The flight the probe's window had, not what is left after the
         * ACK that repaired it (which is often nothing). */
        c->cc->on_congestion(c, c->cwnd, now);
        st->stats.tcp_loss_probe_recovery++;
    }
}

/* Delivery rate for TCP_INFO: bytes delivered (cumulatively or by SACK)
 * over at least one smoothed round trip, in bits per second. */
static void sample_delivery_rate(struct tcp_conn *c, uint32_t newly_sacked, synack_time_us now)
{
    c->delivered += newly_sacked;
    if (!c->rate_mark_time) {
        c->rate_mark_time = now;
        c->rate_mark_delivered = c->delivered;
        return;
    }
    synack_time_us span = now - c->rate_mark_time;
    if (!c->rtt.srtt_us || span < c->rtt.srtt_us)
        return;
    c->delivery_rate_bps = (c->delivered - c->rate_mark_delivered) * 8ull * 1000000ull / span;
    c->rate_mark_time = now;
    c->rate_mark_delivered = c->delivered;
}

void tcp_rec_on_ack(struct synack_stack *st, struct tcp_conn *c, const struct tcp_segment *s, synack_time_us now)
{
    uint32_t prev_una = c->snd_una;
    bool una_advanced = seq_gt(s->ack, c->snd_una);
    bool dupack = !una_advanced && is_duplicate_ack(c, s);
    uint32_t rtt = una_advanced ? take_cumulative_ack(c, s, now) : 0;
    uint32_t newly_sacked = take_sack_blocks(st, c, s, now);

    /* RTT (RFC 6298 §2, §3; RFC 7323 §4): from the newest segment the ACK
     * covers when it was sent once, else from the timestamp echo. */
    if (rtt)
        take_rtt_sample(c, rtt);
    else if (una_advanced && c->ts_ok && s->opt.has_timestamp && s->opt.ts_ecr &&
             !ts_lt(tcp_ts_now(c, now), s->opt.ts_ecr))
        take_rtt_sample(c, (tcp_ts_now(c, now) - s->opt.ts_ecr) * 1000u);

    if (dupack) {
        c->dup_acks_in++;
        c->dupacks++;
    } else if (una_advanced && c->rec_state == REC_OPEN) {
        c->dupacks = 0;
    }
    if (!c->sack_ok) {
        /* Without SACK, duplicate ACKs are all we know of what left the
         * network; a cumulative ACK accounts for that many of them. */
        uint32_t acked = c->snd_una - prev_una;
        c->dup_sacked = c->dup_sacked > acked ? c->dup_sacked - acked : 0;
        if (dupack && c->dup_sacked + c->snd_mss < c->snd_max - c->snd_una)
            c->dup_sacked += c->snd_mss;
    }

    /* Where SND.MAX stood at the first duplicate ACK or SACK of a possible
     * loss episode: the FlightSize a congestion response is based on. */
    if (c->rec_state == REC_OPEN) {
        if (!c->flight_marked && (dupack || c->txq.sacked_bytes)) {
            c->flight_marked = true;
            c->flight_mark = c->snd_max;
        } else if (c->flight_marked && !c->dupacks && !c->txq.sacked_bytes) {
            c->flight_marked = false;
        }
    }

    /* Loss detection. */
    bool entering = false, exiting = false;
    uint32_t lost_before = c->txq.lost_bytes;
    if (c->sack_ok)
        rack_detect_loss(st, c, now);
    else
        detect_loss_without_sack(c, dupack, una_advanced);
    bool newly_lost = c->txq.lost_bytes > lost_before;

    /* Recovery: end, or begin.  The ACK that ends it sets the window
     * (RFC 6582 §3.2 step 3) and does not also grow it.  A path MTU probe
     * delivered or lost alone is tcp_pmtu.c's (no congestion response);
     * any other loss is congestion, also while resending for the path MTU. */
    if (c->rec_state != REC_OPEN && seq_geq(c->snd_una, c->recover)) {
        exiting = c->rec_state == REC_FAST;
        exit_recovery(c, now);
    }
    bool pmtu_before = c->rec_state == REC_PMTU;
    if (c->pm.probe_mtu)
        tcp_pmtu_probe_check(st, c, now);
    if ((c->rec_state == REC_OPEN && c->txq.lost_bytes) || (pmtu_before && newly_lost)) {
        enter_fast_recovery(st, c, now);
        entering = true;
    }
    if (c->rec_state == REC_FAST) {
        /* RFC 6937: DeliveredData = change in SND.UNA + change in SACKed
         * bytes; without SACK a duplicate ACK stands for one segment. */
        uint32_t delivered = (c->snd_una - prev_una) + newly_sacked;
        if (!c->sack_ok && dupack)
            delivered += c->snd_mss;
        prr_update(c, delivered, entering);
    } else if (una_advanced && !exiting && tcp_state_synchronized(c->state)) {
        struct cc_ack a = { .now = now, .acked = c->snd_una - prev_una, .flight = c->snd_max - prev_una,
                            .rtt_us = rtt, .cwnd_limited = c->cwnd_limited };
        c->cc->on_ack(c, &a);
    }

    if (c->tlp_out && seq_geq(s->ack, c->tlp_high_seq))
        end_tlp_episode(st, c, s, una_advanced, now);

    /* Undo (RFC 3522 §3.2 Eifel): the ACK for the first retransmission
     * echoes a timestamp older than that retransmission: the original got
     * through, the response was spurious. */
    if (c->undo.armed && c->undo.have_retrans && !c->undo.eifel_checked && una_advanced &&
        seq_gt(s->ack, c->undo.retrans_seq)) {
        c->undo.eifel_checked = true;
        if (c->ts_ok && s->opt.has_timestamp && ts_lt(s->opt.ts_ecr, c->undo.tsval))
            do_undo(st, c);
    }
    /* RFC 3708 §3: every retransmission of the episode came back as a
     * D-SACK: none was needed. */
    if (c->undo.armed && c->undo.have_retrans && c->undo.retrans_out == 0 && c->rec_state == REC_OPEN)
        do_undo(st, c);
    if (c->undo.armed && c->rec_state == REC_OPEN && !c->undo.have_retrans)
        c->undo.armed = false;

    sample_delivery_rate(c, newly_sacked, now);

    if (una_advanced) {
        tcp_rexmt_restart(st, c, now);            /* RFC 6298 §5.2-§5.3 */
        tcp_rec_arm_tlp(st, c, now);
        tcp_conn_notify(st, c);                   /* send space freed */
        tcp_conn_reclaim(st, c);                  /* ... and, under memory pressure, its storage */
    }
    if (c->snd_una == c->snd_max) {
        /* Nothing outstanding; a probe's episode may still be open (RFC
         * 8985 §7.4.2: the ACK beyond it, or a D-SACK, settles it). */
        tcp_timer_clear(st, c, TCP_TIMER_REORDER);
        tcp_timer_clear(st, c, TCP_TIMER_TLP);
    }
    if (una_advanced || newly_sacked || dupack)
        tcp_conn_trace_cc(st, c, now);
}

/* ---- timers ---- */

void tcp_rec_on_rto(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    uint32_t flight = c->snd_max - c->snd_una;
    if (c->rec_state != REC_RTO) {
        undo_save(c, true);
        c->cc->on_rto(c, flight, now);            /* RFC 5681 eq. 4 and the loss window */
    } else {
        c->cwnd = c->snd_mss;                     /* a further expiry: stay at one segment */
    }
    c->rec_state = REC_RTO;
    c->recover = c->snd_max;
    c->dupacks = 0;
    c->dup_sacked = 0;
    c->tlp_out = false;
    tcp_timer_clear(st, c, TCP_TIMER_TLP);
    tcp_timer_clear(st, c, TCP_TIMER_REORDER);
    /* RFC 6675 §5.1, RFC 8985 §6.3: everything not SACKed is lost.  The
     * first record is resent even if SACKed: the peer may have reneged
     * (RFC 2018 §8). */
    if (c->txq.count) {
        struct txseg *head = txq_at(&c->txq, 0);
        if (head->flags & TXS_SACKED) {
            head->flags &= (uint8_t)~TXS_SACKED;
            c->txq.sacked_bytes -= txseg_len(head);
        }
    }
    for (uint32_t i = 0; i < c->txq.count; i++)
        txq_mark_lost(&c->txq, txq_at(&c->txq, i));
    tcp_conn_trace_cc(st, c, now);
}

void tcp_rec_on_reorder_timer(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    bool pmtu_before = c->rec_state == REC_PMTU;
    bool marked = rack_detect_loss(st, c, now);
    if (c->pm.probe_mtu)
        tcp_pmtu_probe_check(st, c, now);         /* as in tcp_rec_on_ack */
    if (marked && ((c->rec_state == REC_OPEN && c->txq.lost_bytes) || pmtu_before)) {
        enter_fast_recovery(st, c, now);
        prr_update(c, 0, true);
    }
    tcp_output(st, c, now);
}

void tcp_rec_arm_tlp(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    /* RFC 8985 §7.2: only with SACK, outside recovery, one probe at a time. */
    if (!c->sack_ok || c->rec_state != REC_OPEN || c->tlp_out || c->snd_max == c->snd_una ||
        tcp_timer_armed(c, TCP_TIMER_PERSIST)) {
        tcp_timer_clear(st, c, TCP_TIMER_TLP);
        return;
    }
    uint64_t pto = c->rtt.srtt_us ? 2ull * c->rtt.srtt_us : 1000000;
    if (pto < TLP_MIN_PTO_US)
        pto = TLP_MIN_PTO_US;
    if (c->snd_max - c->snd_una <= c->snd_mss)
        pto += st->cfg.delack_us;                 /* the peer may be delaying its ACK */
    synack_time_us at = now + pto;
    /* "If Now() + PTO > TCP_RTO_expiration(): PTO = TCP_RTO_expiration() -
     * Now()": the probe then goes in the RTO's place (tcp_timer_run runs
     * it first, and it rearms the RTO). */
    if (tcp_timer_armed(c, TCP_TIMER_REXMT) && at > c->timer[TCP_TIMER_REXMT])
        at = c->timer[TCP_TIMER_REXMT];
    tcp_timer_set(st, c, TCP_TIMER_TLP, at);
}

void tcp_rec_on_tlp_timer(struct synack_stack *st, struct tcp_conn *c, synack_time_us now)
{
    if (c->rec_state != REC_OPEN || c->tlp_out || c->snd_max == c->snd_una)
        return;
    c->tlp_dsacked = false;
    tcp_send_probe(st, c, false, now);
    tcp_rexmt_restart(st, c, now);                /* RFC 8985 §7.3: the RTO follows the probe */
}

struct txseg *tcp_rec_first_lost(struct tcp_conn *c)
{
    for (uint32_t i = 0; i < c->txq.count; i++) {
        struct txseg *s = txq_at(&c->txq, i);
        if ((s->flags & (TXS_LOST | TXS_SACKED)) == TXS_LOST)
            return s;
    }
    return NULL;
}
