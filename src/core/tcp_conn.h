/*
 * tcp_conn.h — the transmission control block (RFC 9293 §3.3.1) and the
 * operations on one connection that the rest of the engine shares.
 *
 * Send sequence space (RFC 9293 §3.3.1, Figure 4), as this TCB holds it:
 *
 *          snd_una          snd_nxt                     snd_una + window
 *   --------|================|===========================|---------------
 *   acked   | sent, unacked  | may be sent                | beyond window
 *
 *   snd_buf_seq is the sequence number of the first byte in sndbuf: it
 *   equals snd_una except while our SYN is unacknowledged (then ISS+1).
 *   snd_max is the highest sequence number ever sent; after a timeout
 *   snd_nxt is pulled back to snd_una and climbs towards snd_max again,
 *   and every segment below snd_max is a retransmission.
 *
 * Receive sequence space: rcv_nxt is the next byte expected; the receive
 * ring holds bytes not yet read by the application ending at rcv_nxt, and
 * out-of-order bytes beyond it (tracked by `ooo`).  rcv_adv is the right
 * edge of the window last advertised; it never moves left (RFC 9293
 * §3.8.6.2.2, RFC 1122 §4.2.2.16: a receiver must not shrink the window).
 */
#ifndef SYNACK_CORE_TCP_CONN_H
#define SYNACK_CORE_TCP_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "synack/stack.h"
#include "cc.h"
#include "reass.h"
#include "ringbuf.h"
#include "rtt.h"
#include "tcp_pmtu.h"
#include "tcp_txq.h"
#include "tcp_wire.h"
#include "timer_heap.h"

struct synack_stack;
struct tcp_listener;
struct cc_ops;

/* One deadline per purpose; the connection's heap entry is keyed by the
 * earliest (tcp_timer.c). */
enum tcp_timer {
    TCP_TIMER_REXMT,     /* retransmission, RFC 6298 §5 */
    TCP_TIMER_PERSIST,   /* zero-window probe, RFC 9293 §3.8.6.1 */
    TCP_TIMER_DELACK,    /* delayed ACK, RFC 9293 §3.8.6.3 */
    TCP_TIMER_2MSL,      /* TIME_WAIT, and the orphaned FIN_WAIT_2 limit */
    TCP_TIMER_KEEPALIVE, /* RFC 1122 §4.2.3.6 */
    TCP_TIMER_REORDER,   /* RACK reordering window, RFC 8985 §6.2 step 5 */
    TCP_TIMER_TLP,       /* tail loss probe (PTO), RFC 8985 §7.2 */
    TCP_TIMER_COUNT
};

/* Where the sender stands in loss recovery (tcp_recovery.c). */
enum tcp_recovery_state {
    REC_OPEN,            /* no recovery */
    REC_FAST,            /* fast recovery: RFC 6675 with PRR (RFC 6937) */
    REC_RTO,             /* after a timeout: slow start over the lost records */
    REC_PMTU,            /* resending what outgrew the path MTU, or a lost probe: not
                          * congestion, cwnd untouched (RFC 1191 §6.4, RFC 4821 §7.6) */
};

struct tcp_conn {
    struct tcp_conn *hash_next;        /* connection table chain */
    struct synack_endpoint local, remote;
    uint64_t id;                       /* unique within the stack, for traces */
    uint8_t state;                     /* enum synack_tcp_state */
    uint8_t iface;                     /* where our packets leave */
    bool in_table;                     /* reachable by 4-tuple lookup */
    bool passive;                      /* created by a listener */

    /* Owner.  sock < 0: orphan (the application closed it). */
    int sock;
    struct tcp_listener *listener;     /* while embryonic or unaccepted */
    struct tcp_conn *accept_next;      /* listener's accept queue */
    bool accept_ready;                 /* in the accept queue */

    /* Send sequence variables (RFC 9293 §3.3.1). */
    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
    uint32_t max_snd_wnd;              /* MAX.SND.WND of RFC 5961 §5.2 */
    uint32_t snd_buf_seq;
    bool fin_queued;                   /* user closed/shut down: FIN follows the data */
    /* Receive sequence variables. */
    uint32_t irs, rcv_nxt, rcv_adv;
    bool fin_received;                 /* FIN consumed: rcv_nxt is past it */

    uint16_t snd_mss;                  /* largest payload we send: SMSS of RFC 5681 */
    uint16_t mss_wire;                 /* largest payload plus TCP options (RFC 9293 §3.7.1) */
    uint16_t rcv_mss;                  /* MSS we announced */
    uint16_t peer_mss;                 /* MSS the peer announced (536 without one, RFC 9293 §3.7.1) */
    struct tcp_pmtu pm;                /* the path MTU snd_mss follows (tcp_pmtu.c) */

    /* Options negotiated in the handshake (RFC 7323, RFC 2018). */
    bool wscale_ok, ts_ok, sack_ok;
    uint8_t snd_wscale;                /* shift for windows the peer sends */
    uint8_t rcv_wscale;                /* shift for windows we send */
    uint32_t ts_offset;                /* our timestamp clock's offset (RFC 7323 §5.4) */
    uint32_t ts_recent;                /* TS.Recent (RFC 7323 §4.3) */
    synack_time_us ts_recent_time;     /* when TS.Recent last changed (PAWS, RFC 7323 §5.5) */
    uint32_t last_ack_sent;            /* Last.ACK.sent (RFC 7323 §4.3) */
    bool dsack_pending;                /* RFC 2883: report a duplicate in the next ACK */
    uint32_t dsack_left, dsack_right;

    /* Sender scoreboard, loss detection and recovery (tcp_recovery.c). */
    struct txq txq;
    uint8_t rec_state;                 /* enum tcp_recovery_state */
    uint32_t prr_delivered, prr_out;   /* RFC 6937 */
    uint32_t dup_sacked;               /* without SACK: bytes duplicate ACKs say have left */
    bool flight_marked;                /* flight_mark holds SND.MAX at the first sign of loss */
    uint32_t flight_mark;
    uint32_t recover_fs;               /* RecoverFS of RFC 6937 */
    struct {
        synack_time_us xmit_time;      /* RACK.xmit_ts: newest delivered segment's send time */
        uint32_t end_seq;              /* RACK.end_seq */
        uint32_t rtt_us;               /* RACK.rtt */
        uint32_t fack;                 /* highest sequence delivered (RFC 8985 §6.2 step 3) */
        uint32_t dsack_round;          /* SND.MAX when reo_wnd_mult last grew */
        uint8_t reo_wnd_mult;
        uint8_t reo_wnd_persist;
        bool reordering_seen;
    } rack;
    uint32_t min_rtt_us;
    bool tlp_out;                      /* a probe is unanswered (RFC 8985 §7.3) */
    bool tlp_retrans;                  /* ... and it was a retransmission */
    uint32_t tlp_high_seq;
    struct {
        bool armed;                    /* an episode that may prove spurious */
        bool rto;                      /* ... started by a timeout */
        uint32_t cwnd, ssthresh;
        struct cc_state cc;
        uint32_t tsval;                /* TSval of its first retransmission (Eifel, RFC 3522) */
        uint32_t retrans_seq;          /* start of that retransmission */
        uint32_t retrans_out;          /* its retransmissions not yet D-SACKed */
        bool have_retrans;             /* tsval and retrans_seq are set */
        bool eifel_checked;            /* the ACK of that retransmission was judged */
    } undo;
    bool tlp_dsacked;                  /* a D-SACK arrived while a probe was out */
    synack_time_us last_send_time;     /* for restart after idle (RFC 5681 §4.1) */
    synack_time_us last_recv_time;     /* for keepalive */
    uint32_t reordering;               /* segments; starts at 3 (RFC 6675 DupThresh) */
    uint64_t delivered;                /* bytes delivered (acked or SACKed), for rate samples */
    uint64_t delivery_rate_bps;
    synack_time_us rate_mark_time;     /* start of the current rate sample */
    uint64_t rate_mark_delivered;

    /* Retransmission (RFC 6298) and RTT measurement (Karn's rule, §3). */
    struct rtt_estimator rtt;
    uint8_t backoff;                   /* consecutive RTO expiries */
    bool rtt_timing;
    uint32_t rtt_seq;                  /* timing the segment that ends here */
    synack_time_us rtt_start;

    /* ACK policy (RFC 9293 §3.8.6.3). */
    bool ack_now;
    uint8_t segs_since_ack;

    /* Congestion control (RFC 5681) behind an ops table (cc.h). */
    const struct cc_ops *cc;
    struct cc_state cc_state;          /* the module's private variables */
    uint32_t cwnd, ssthresh;
    uint32_t cc_bytes_acked;           /* RFC 3465 byte counting in congestion avoidance */
    bool cwnd_limited;                 /* the last send stopped at cwnd (RFC 7661 §4.3) */
    uint32_t dupacks;
    uint32_t recover;                  /* NewReno "recover", RFC 6582 §3.2 */
    uint8_t persist_backoff;
    uint8_t persist_unanswered;        /* zero-window probes sent since the peer was last heard */

    /* Per-socket behaviour (copied from the socket's options). */
    bool nodelay;                      /* Nagle off (RFC 9293 §3.7.4) */
    bool keepalive;                    /* RFC 1122 §4.2.3.6 */
    uint8_t keep_probes;               /* unanswered keepalive probes so far */
    uint8_t keep_cnt;
    uint32_t keep_idle_s, keep_intvl_s;

    /* Timers. */
    synack_time_us timer[TCP_TIMER_COUNT];
    struct timer_entry sched;          /* keyed by min(timer[]) */

    /* Buffers. */
    struct ringbuf sndbuf, rcvbuf;
    struct reass ooo;
    uint32_t ooo_span;                 /* counted in stats.tcp_ooo_span_bytes (tcp_conn_ooo_update) */

    /* Pending output list (conns with work queued by socket calls). */
    struct tcp_conn *out_next, *out_prev;
    bool out_queued;

    int error;                         /* pending error for the application */
    /* The latest soft ICMP error (RFC 1122 §4.2.3.9), negative, or 0:
     * reported instead of ETIMEDOUT if the connection times out; cleared
     * when SND.UNA advances (the path works after all). */
    int soft_error;
    bool was_established;              /* reached ESTABLISHED at some point */
    bool abort_pending;                /* synack_abort(): send RST at the next poll */
    bool open_pending;                 /* synack_connect(): send SYN at the next poll */
    bool user_read_shut;               /* SHUT_RD */

    /* Counters for synack_getinfo. */
    uint64_t bytes_acked, bytes_received;
    uint64_t segs_out, segs_in, data_segs_out, data_segs_in;
    uint64_t retrans_segs, rto_expiries, fast_retrans, dup_acks_in;
    uint64_t retrans_rto, retrans_fast, retrans_tlp, bytes_retrans;
    uint64_t sack_blocks_in, dsack_in, sack_blocks_out, dsack_out;
    uint64_t spurious_rtos, spurious_retrans, zero_window_probes, keepalive_probes;
};

/* Per-socket settings a connection is created with. */
struct tcp_conn_params {
    uint32_t sndbuf, rcvbuf;
    uint16_t mss;          /* 0: from the interface MTU */
    uint8_t cc;            /* enum synack_cc */
    bool nodelay, keepalive;
    uint32_t keep_idle_s, keep_intvl_s, keep_cnt;
    uint8_t plpmtud;       /* enum synack_plpmtud */
};

static inline bool tcp_state_synchronized(int s) { return s >= SYNACK_TCP_ESTABLISHED; }

/* Our timestamp clock (RFC 7323 §5.4): one tick per millisecond, with a
 * per-connection offset (tcp_ts_offset) so that TSval reveals nothing
 * across connections. */
static inline uint32_t tcp_ts_clock(uint32_t ts_offset, synack_time_us now)
{
    return (uint32_t)(now / 1000) + ts_offset;
}
static inline uint32_t tcp_ts_now(const struct tcp_conn *c, synack_time_us now)
{
    return tcp_ts_clock(c->ts_offset, now);
}

/* tcp_conn.c */
/* Whether a new connection may be made now: below max_connections
 * (counted as TCPConnLimit when not) and, when it is new work (a SYN, a
 * connect), below the memory pressure line (MemRefusedOpens).  The ACK of
 * a SYN cookie is not new work: the peer's side of the connection exists
 * already, and the listen backlog bounds what it may cost.  When not, *why
 * is the drop reason for a segment that asked for it. */
bool tcp_conn_room(struct synack_stack *st, bool new_work, enum synack_drop_reason *why);
/* NULL when the table is full or memory runs out (callers ask
 * tcp_conn_room first). */
struct tcp_conn *tcp_conn_new(struct synack_stack *st, const struct synack_endpoint *local,
                              const struct synack_endpoint *remote, int iface,
                              const struct tcp_conn_params *p, synack_time_us now);
void tcp_conn_set_state(struct synack_stack *st, struct tcp_conn *c, int state, synack_time_us now);
/* Moves c to CLOSED with `err` for the application (0 for a normal end),
 * removes it from the table and timers, and frees it if orphaned. */
void tcp_conn_close(struct synack_stack *st, struct tcp_conn *c, int err, synack_time_us now);
/* Frees all memory of c; it must already be out of every list. */
void tcp_conn_destroy(struct synack_stack *st, struct tcp_conn *c);
/* Under memory pressure, gives back the storage of rings that are empty
 * (after the application read, or an ACK emptied the send ring). */
void tcp_conn_reclaim(struct synack_stack *st, struct tcp_conn *c);
/* Frees the receive ring of a connection nobody will read from again, and
 * forgets its out-of-order ranges. */
void tcp_conn_free_rcvbuf(struct synack_stack *st, struct tcp_conn *c);
/* Whether `len` bytes of data `off` bytes past RCV.NXT may be stored:
 * SYNACK_DROP_COUNT when they may, else why not (out-of-order limits and
 * range table, memory pressure).  `held`: the out-of-order ranges hold all
 * of them already (the caller's reass_holds, asked once).  RFC 9293
 * §3.10.7.4 lets a receiver drop what it cannot keep; the sender repeats
 * it. */
enum synack_drop_reason tcp_conn_rcv_admit(struct synack_stack *st, struct tcp_conn *c, uint32_t off, uint32_t len,
                                           bool held);
/* After the out-of-order ranges or RCV.NXT changed: recounts c's span. */
void tcp_conn_ooo_update(struct synack_stack *st, struct tcp_conn *c);
/* Drops c's out-of-order ranges (an early FIN stays known). */
void tcp_conn_ooo_forget(struct synack_stack *st, struct tcp_conn *c);
/* Reports the sender's figures to the trace hook (SYNACK_TRACE_CC). */
void tcp_conn_trace_cc(struct synack_stack *st, const struct tcp_conn *c, synack_time_us now);
/* Applies keepalive settings (and (re)arms or stops its timer). */
void tcp_conn_set_keepalive(struct synack_stack *st, struct tcp_conn *c, bool on, uint32_t idle_s,
                            uint32_t intvl_s, uint32_t cnt);
/* Switches congestion control; cwnd and ssthresh carry over. */
void tcp_conn_set_cc(struct tcp_conn *c, int cc, synack_time_us now);
/* The offset of the timestamp clock of a connection local <-> remote. */
uint32_t tcp_ts_offset(struct synack_stack *st, const struct synack_endpoint *local,
                       const struct synack_endpoint *remote);
/* Sets ISS and the send variables that start from it. */
void tcp_conn_set_iss(struct tcp_conn *c, uint32_t iss);
/* Tells c's socket (or its listener's) that readiness may have changed. */
void tcp_conn_notify(struct synack_stack *st, struct tcp_conn *c);
/* Queues c for output at the next poll. */
void tcp_conn_want_output(struct synack_stack *st, struct tcp_conn *c);
void tcp_conn_unqueue_output(struct synack_stack *st, struct tcp_conn *c);
/* The MSS the interface's MTU allows for a family (tcp_mtu_to_mss). */
uint16_t tcp_conn_iface_mss(const struct synack_stack *st, int iface, int family);
/* The MSS we announce (RCV.MSS) on iface: the socket's, if set and
 * smaller than the interface's. */
uint16_t tcp_conn_rcv_mss(const struct synack_stack *st, int iface, int family, const struct tcp_conn_params *p);
/* The window we may advertise now (RFC 9293 §3.8.6.2.2 receiver SWS
 * avoidance; no further than the ring's storage under memory pressure),
 * updating rcv_adv. */
uint32_t tcp_conn_rcv_window(struct synack_stack *st, struct tcp_conn *c);
/* Receive space usable as window: ring space capped by the window field. */
uint32_t tcp_conn_rcv_space(const struct tcp_conn *c);
/* Our window shift for a receive buffer (RFC 7323 §2.3). */
uint8_t tcp_wscale_for(uint32_t rcvbuf);
/* Whether a window update is worth sending (after the application read). */
bool tcp_conn_window_update_due(const struct synack_stack *st, const struct tcp_conn *c);
/* Sequence number of our FIN (valid when fin_queued). */
static inline uint32_t tcp_conn_fin_seq(const struct tcp_conn *c) { return c->snd_buf_seq + c->sndbuf.len; }

/* tcp_output.c */
/* Sends whatever the state, buffers and windows allow, plus a pending ACK. */
void tcp_output(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);
/* Retransmits one segment from snd_una (fast retransmit, RTO). */
void tcp_retransmit_first(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);
/* A zero-window probe (RFC 9293 §3.8.6.1) or, with zero_window false, a
 * tail loss probe (RFC 8985 §7.3). */
void tcp_send_probe(struct synack_stack *st, struct tcp_conn *c, bool zero_window, synack_time_us now);
/* A keepalive probe: SEG.SEQ = SND.UNA - 1, no data (RFC 1122 §4.2.3.6). */
void tcp_send_keepalive(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);
/* Sends RST (and ACK) for connection c from its current sequence state. */
void tcp_send_rst_for_conn(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);
/* Sends a bare ACK immediately (challenge ACKs, duplicate segments). */
void tcp_send_ack_now(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);
/* A challenge ACK (RFC 5961 §3.2, §4.2, §5.2) if the stack's rate limit
 * (§7) allows one now; false when it was suppressed (both are counted). */
bool tcp_send_challenge_ack(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);
/* Sends a segment that belongs to no connection (a reset, a SYN cookie's
 * SYN|ACK) from src to dst, built from h alone. */
void tcp_send_stateless(struct synack_stack *st, int iface, const struct synack_addr *src,
                        const struct synack_addr *dst, const struct tcp_header_out *h, synack_time_us now);
/* Answers a segment that has no connection (RFC 9293 §3.10.7.1). */
void tcp_send_reset_reply(struct synack_stack *st, int iface, const struct synack_addr *src,
                          const struct synack_addr *dst, const struct tcp_segment *seg, synack_time_us now);

/* tcp_timer.c */
void tcp_timer_set(struct synack_stack *st, struct tcp_conn *c, enum tcp_timer t, synack_time_us when);
void tcp_timer_clear(struct synack_stack *st, struct tcp_conn *c, enum tcp_timer t);
static inline bool tcp_timer_armed(const struct tcp_conn *c, enum tcp_timer t)
{
    return c->timer[t] != SYNACK_TIME_NEVER;
}
/* Runs the timers of c that are due at now. */
void tcp_timer_run(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);
/* Arms or stops the retransmission timer after sending or ACK processing. */
void tcp_rexmt_restart(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);
/* Arms the keepalive timer if the connection wants one (or stops it). */
void tcp_keepalive_restart(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);
/* Enters TIME_WAIT (or restarts its 2*MSL wait). */
void tcp_enter_time_wait(struct synack_stack *st, struct tcp_conn *c, synack_time_us now);

/* tcp_input.c */
void tcp_input(struct synack_stack *st, int iface, const struct synack_addr *src, const struct synack_addr *dst,
               const uint8_t *seg, size_t len, synack_time_us now);

/* tcp_icmp.c: an ICMP error quoting a segment local -> remote (th holds
 * thlen >= 8 bytes of its TCP header). */
struct icmp_err;
void tcp_icmp_error(struct synack_stack *st, int iface, const struct synack_addr *local,
                    const struct synack_addr *remote, const uint8_t *th, size_t thlen, const struct icmp_err *e,
                    synack_time_us now);

#endif
