/*
 * cc.h — congestion control behind a small ops table (RFC 5681 §3).
 *
 * The loss-recovery machinery (duplicate-ACK counting, fast retransmit,
 * NewReno partial ACKs) lives in tcp_input.c and decides *when* something
 * happened; a cc_ops module decides *what the window becomes*.  Modules are
 * chosen per connection.
 */
#ifndef SYNACK_CORE_CC_H
#define SYNACK_CORE_CC_H

#include <stdint.h>

#include "tcp_conn.h"

struct cc_ops {
    const char *name;
    /* Sets the initial cwnd and ssthresh (RFC 5681 §3.1, RFC 6928). */
    void (*init)(struct tcp_conn *c);
    /* `acked` bytes newly acknowledged outside recovery: grow cwnd. */
    void (*on_ack)(struct tcp_conn *c, uint32_t acked, synack_time_us now);
    /* Fast retransmit is starting: set ssthresh and cwnd (RFC 5681 §3.2 steps 2-3). */
    void (*on_fast_retransmit)(struct tcp_conn *c, uint32_t flight, synack_time_us now);
    /* Recovery ended with a full ACK (RFC 6582 §3.2 step 3). */
    void (*on_recovery_exit)(struct tcp_conn *c, uint32_t flight, synack_time_us now);
    /* The retransmission timer expired (RFC 5681 §3.1 equation 4). */
    void (*on_rto)(struct tcp_conn *c, uint32_t flight, synack_time_us now);
};

extern const struct cc_ops cc_reno;

#endif
