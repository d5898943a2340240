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
 * if the event proves spurious (D-SACK, F-RTO) it puts them back.  Modules
 * therefore keep all their state in struct cc_state and nowhere else.
 */
#ifndef SYNACK_CORE_CC_H
#define SYNACK_CORE_CC_H

#include <stdbool.h>
#include <stdint.h>

#include "synack/trace.h"

struct tcp_conn;

/* CUBIC's variables (RFC 9438 §4.1), in bytes and microseconds. */
struct cc_cubic_state {
    uint32_t w_max;              /* W_max: cwnd just before the last reduction */
    uint32_t w_last_max;         /* for fast convergence (§4.7) */
    uint32_t cwnd_epoch;         /* cwnd at the start of the epoch */
    uint32_t w_est;              /* W_est of the Reno-friendly region (§4.3) */
    uint64_t k_us;               /* K (§4.2), microseconds */
    synack_time_us epoch_start;  /* t_epoch; 0 = no epoch running */
    uint64_t acked_in_epoch;     /* bytes acknowledged since the epoch began (for W_est) */
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
