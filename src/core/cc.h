/*
 * cc.h — congestion control behind a small ops table (RFC 5681 §3,
 * RFC 9438).
 *
 * The loss-recovery machinery (tcp_input.c, tcp_recovery.c) decides *when*
 * something happened — an ACK, a congestion event, the end of recovery,
 * a timeout, a long idle — and a cc_ops module decides *what the window
 * becomes*.  Modules are chosen per connection (SYNACK_OPT_CONGESTION).
 *
 * Undo: before a congestion event or a timeout the recovery machinery
 * saves cwnd, ssthresh and the module's private state (struct cc_state);
 * if the event proves spurious (D-SACK, Eifel) it puts them back.  Modules
 * therefore keep all their state in struct cc_state and nowhere else.
 */
#ifndef SYNACK_CORE_CC_H
#define SYNACK_CORE_CC_H

#include <stdbool.h>
#include <stdint.h>

#include "synack/trace.h"

struct tcp_conn;

/* CUBIC's variables (RFC 9438 §4.1), in bytes and microseconds; cc_cubic.c
 * explains each rule.  Everything the module knows lives here, so that
 * undo (saving and restoring cwnd, ssthresh and struct cc_state) puts the
 * module back exactly where it was. */
struct cc_cubic_state {
    uint32_t w_max;              /* W_max (§4.7): cwnd before the last reduction, or
                                  * less after fast convergence; cwnd_epoch when K = 0 */
    uint32_t cwnd_prior;         /* cwnd_prior (§4.6): cwnd before the last reduction;
                                  * 0 = none yet.  Picks alpha_cubic (§4.3) */
    uint32_t cwnd_epoch;         /* cwnd_epoch (§4.2): cwnd when the CA stage began */
    uint32_t w_est;              /* W_est (§4.3), the Reno-friendly window */
    uint64_t w_est_rem;          /* remainder of W_est's per-ACK division (of 17 * cwnd) */
    uint32_t cwnd_rem;           /* remainder of cwnd's per-ACK division (of cwnd) */
    uint32_t k_us;               /* K (§4.2) */
    synack_time_us t_epoch;      /* t_epoch: start of the CA stage, moved later by
                                  * application-limited time (§5.8); valid if epoch */
    synack_time_us app_limited_since; /* valid if app_limited */
    synack_time_us last_ack;     /* the last ACK the module saw, where an idle period starts */
    bool epoch;                  /* a congestion-avoidance stage is running */
    bool app_limited;            /* the epoch is paused: ACKs arrive but cwnd is not the limit */
    bool after_rto;              /* the next CA stage is the first after a timeout (§4.8) */
    bool reduced;                /* ssthresh already answers the current loss episode:
                                  * set by a reduction, cleared by the next new ACK */
};

struct cc_state {
    union {
        struct cc_cubic_state cubic;
    } u;
};

/* What an ACK brought, for on_ack. */
struct cc_ack {
    synack_time_us now;
    uint32_t acked;              /* bytes newly acknowledged (cumulatively or by SACK) */
    uint32_t flight;             /* bytes in flight before this ACK */
    uint32_t rtt_us;             /* an RTT sample from this ACK, 0 when none */
    bool cwnd_limited;           /* the sender was held back by cwnd (RFC 7661 §4.3) */
};

struct cc_ops {
    const char *name;
    uint8_t id;                  /* enum synack_cc */
    /* Initial cwnd and ssthresh (RFC 5681 §3.1, RFC 6928). */
    void (*init)(struct tcp_conn *c, synack_time_us now);
    /* Bytes acknowledged outside recovery: grow cwnd (slow start or
     * congestion avoidance). */
    void (*on_ack)(struct tcp_conn *c, const struct cc_ack *a);
    /* A congestion event (fast retransmit, RACK loss): set ssthresh and
     * the cwnd that recovery starts from (RFC 5681 eq. 4, RFC 9438 §4.6). */
    void (*on_congestion)(struct tcp_conn *c, uint32_t flight, synack_time_us now);
    /* Recovery ended: the window recovery leaves behind (RFC 6582 §3.2
     * step 3; RFC 6675 §5: cwnd = ssthresh). */
    void (*on_recovery_exit)(struct tcp_conn *c, uint32_t flight, synack_time_us now);
    /* The retransmission timer expired (RFC 5681 §3.1: loss window). */
    void (*on_rto)(struct tcp_conn *c, uint32_t flight, synack_time_us now);
    /* Sending resumes after an idle period longer than the RTO (RFC 5681
     * §4.1 restart window; RFC 9438 §5.8). */
    void (*on_idle_restart)(struct tcp_conn *c, synack_time_us now);
};

extern const struct cc_ops cc_newreno;
extern const struct cc_ops cc_cubic;

/* The module for an enum synack_cc value (NULL if unknown). */
const struct cc_ops *cc_lookup(int id);

/* RFC 6928 §2: IW = min(10*MSS, max(2*MSS, 14600)). */
uint32_t cc_initial_window(uint32_t mss);

#endif
