/*
 * tcp_recovery.h — the sending side's answer to ACKs and timers: RTT
 * samples, the SACK scoreboard, loss detection (RACK, RFC 8985; duplicate
 * ACKs without SACK, RFC 5681/6582), recovery (RFC 6675 with PRR, RFC
 * 6937), the timeout response, tail loss probes, and undoing a response
 * that proved spurious (RFC 3522 Eifel with timestamps, RFC 2883 D-SACK).
 */
#ifndef SYNACK_CORE_TCP_RECOVERY_H
#define SYNACK_CORE_TCP_RECOVERY_H

#include "tcp_conn.h"

/* RFC 6675 "pipe": bytes believed in the network.  Without SACK each
 * duplicate ACK stands for one segment that left it (dup_sacked, RFC
 * 5681 §3.2's inflation seen the other way round). */
static inline uint32_t tcp_rec_pipe(const struct tcp_conn *c)
{
    uint32_t out = (c->snd_max - c->snd_una) - c->txq.sacked_bytes - c->txq.lost_bytes;
    return out > c->dup_sacked ? out - c->dup_sacked : 0;
}

/* Processes the sender's side of an acceptable ACK (cumulative ACK, SACK
 * blocks, duplicate ACKs), in a synchronized state. */
void tcp_rec_on_ack(struct synack_stack *st, struct tcp_conn *c, const struct tcp_segment *s, synack_time_us now);
/* The retransmission timer expired with data outstanding. */
void tcp_rec_on_rto(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);
/* The RACK reordering timer expired. */
void tcp_rec_on_reorder_timer(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);
/* The probe timeout expired. */
void tcp_rec_on_tlp_timer(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);
/* Arms the probe timeout after new data or a new cumulative ACK. */
void tcp_rec_arm_tlp(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);
/* The first record marked lost (NULL if none). */
struct txseg *tcp_rec_first_lost(struct tcp_conn *c);
/* From REC_OPEN into REC_PMTU: what is marked lost is resent without a
 * congestion response (tcp_pmtu.c). */
void tcp_rec_enter_pmtu(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);
/* Bookkeeping for undo when a record is resent. */
void tcp_rec_on_retransmit(struct tcp_conn *c, struct txseg *s, uint32_t tsval);

#endif
