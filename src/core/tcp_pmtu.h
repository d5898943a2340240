/*
 * tcp_pmtu.h — the path MTU of one connection: what ICMP says (RFC 1191,
 * RFC 8201) and what probing finds (RFC 4821, in RFC 8899's terms where
 * they fit).  tcp_pmtu.c explains the rules; this is what the rest of TCP
 * calls.
 *
 *   tcp_conn_new       -> tcp_pmtu_init       start from the interface MTU or the cache
 *   negotiate_options  -> tcp_pmtu_sync_mss   snd_mss and mss_wire from the path MTU
 *   become_established -> tcp_pmtu_established   ALWAYS mode starts searching
 *   tcp_icmp_error     -> tcp_pmtu_icmp       fragmentation needed / packet too big
 *   tcp_output         -> tcp_pmtu_due, tcp_pmtu_tick     aging, re-probing
 *   plan_next          -> tcp_pmtu_probe_len  the next segment is a probe?
 *   transmit           -> tcp_pmtu_probe_sent
 *   tcp_rec_on_ack, the reordering timer -> tcp_pmtu_probe_check   delivered, or lost alone
 *   a record is cut    -> tcp_pmtu_record_cut
 *   rexmt_expired      -> tcp_pmtu_on_rto     probe void; black-hole detection
 */
#ifndef SYNACK_CORE_TCP_PMTU_H
#define SYNACK_CORE_TCP_PMTU_H

#include <stdbool.h>
#include <stdint.h>

#include "synack/stack.h"

struct synack_stack;
struct tcp_conn;
struct txseg;
struct icmp_err;

/* Where packetization-layer discovery stands (RFC 8899 §5.2's states,
 * BASE and ERROR folded into SEARCHING). */
enum tcp_pl_state {
    PL_DISABLED,       /* not searching: mode off, or blackhole mode before a black hole */
    PL_SEARCHING,      /* probes may go out */
    PL_COMPLETE,       /* converged; searching again at next_check */
};

struct tcp_pmtu {
    uint32_t mtu;              /* the path MTU in use: snd_mss and mss_wire follow from it */
    uint32_t if_mtu;           /* the first hop's (the interface's) */
    uint32_t ptb_mtu;          /* the most ICMP (or the cache) allows; if_mtu when it said nothing */
    uint32_t search_low;       /* RFC 4821 §7.1: largest size confirmed (0 before a search) */
    uint32_t search_high;      /* largest size not yet ruled out */
    uint32_t probe_mtu;        /* size of the probe in flight, 0: none */
    uint32_t probe_seq, probe_end;  /* its sequence range */
    uint32_t retry_mtu;        /* size the last probe failed at, tried again up to MAX_PROBES times */
    synack_time_us next_check; /* RFC 1191 §6.3 aging, RFC 4821 §7.3 re-probing; NEVER: nothing due */
    uint8_t mode;              /* enum synack_plpmtud */
    uint8_t state;             /* enum tcp_pl_state */
    uint8_t probe_fails;       /* consecutive probes of retry_mtu lost alone */
    uint32_t probes, probes_ok, probes_failed, black_holes;
};

/* MTU <-> MSS (the family's IP header, stack_ip_header_len, plus the
 * 20-byte TCP header without options): every conversion goes through
 * these two. */
uint32_t tcp_mtu_to_mss(int family, uint32_t mtu);
uint32_t tcp_mss_to_mtu(int family, uint32_t mss);
/* The smallest path MTU synack accepts or falls back to: 552 for IPv4,
 * 1280 for IPv6 (tcp_pmtu.c says why). */
uint32_t tcp_pmtu_floor(int family);

void tcp_pmtu_init(struct synack_stack *st, struct tcp_conn *c, uint8_t mode, synack_time_us now);
/* mss_wire = min(the peer's MSS, the path MTU's) and snd_mss = mss_wire
 * less the options on every segment (RFC 9293 §3.7.1, RFC 6691); in
 * ALWAYS mode, once the peer's MSS is known, the search starts. */
void tcp_pmtu_sync_mss(struct tcp_conn *c);
/* The connection is established: in ALWAYS mode the search starts. */
void tcp_pmtu_established(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);
void tcp_pmtu_set_mode(struct synack_stack *st, struct tcp_conn *c, uint8_t mode, synack_time_us now);
/* A validated fragmentation needed / packet too big quoting sequence
 * number seq of c (tcp_icmp.c checked it is in flight, RFC 5927 §4.1). */
void tcp_pmtu_icmp(struct synack_stack *st, struct tcp_conn *c, const struct icmp_err *e, uint32_t seq,
                   synack_time_us now);
/* Aging and re-probing, looked at when c sends. */
static inline bool tcp_pmtu_due(const struct tcp_pmtu *pm, synack_time_us now) { return pm->next_check <= now; }
void tcp_pmtu_tick(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);
/* The payload of a probe to send now at SND.MAX, or 0 (RFC 4821 §7.4),
 * in a state that sends data: avail is what the send buffer holds beyond
 * SND.MAX, room what the windows allow.  Enough data must follow it, so a
 * probe never carries the FIN. */
uint32_t tcp_pmtu_probe_len(const struct tcp_conn *c, uint32_t avail, uint32_t room);
void tcp_pmtu_probe_sent(struct synack_stack *st, struct tcp_conn *c, uint32_t seq, uint32_t len);
/* After loss detection on an ACK or the reordering timer: a probe in
 * flight that was delivered raises the path MTU; one lost alone lowers
 * search_high and is resent without a congestion response (RFC 4821
 * §7.6).  Returns true when it took the loss in hand (c is in REC_PMTU),
 * false when what is lost is the caller's to handle. */
bool tcp_pmtu_probe_check(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);
/* Record s is about to be cut for a resend: a probe in it was not
 * delivered (inconclusively). */
void tcp_pmtu_record_cut(struct synack_stack *st, struct tcp_conn *c, const struct txseg *s);
/* The retransmission timer expired (after tcp_rec_on_rto marked the
 * flight lost, before the resend). */
void tcp_pmtu_on_rto(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);

#endif
