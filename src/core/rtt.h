/*
 * rtt.h — the retransmission-timeout estimator of RFC 6298.
 *
 * Pure arithmetic on microseconds; the connection decides which segments
 * give samples (Karn's rule, RFC 6298 §3) and when to back off (§5.5).
 */
#ifndef SYNACK_CORE_RTT_H
#define SYNACK_CORE_RTT_H

#include <stdbool.h>
#include <stdint.h>

/* G of RFC 6298 §2: the granularity of the clock behind the timers.  The
 * engine's timers fire at exact microseconds, but a 1 ms floor keeps the
 * variance term from vanishing on a perfectly steady simulated path. */
#define RTT_CLOCK_GRANULARITY_US 1000u

struct rtt_estimator {
    uint32_t srtt_us;     /* SRTT; 0 until the first sample */
    uint32_t rttvar_us;   /* RTTVAR */
    uint32_t rto_us;      /* RTO before backoff, clamped to [min, max] */
    uint32_t min_us, max_us;
    bool has_sample;
};

/* RFC 6298 §2.1: before any sample, RTO is the initial value. */
void rtt_init(struct rtt_estimator *e, uint32_t initial_us, uint32_t min_us, uint32_t max_us);
/* RFC 6298 §2.2 (first sample) and §2.3 (later samples), then §2.4-2.5. */
void rtt_sample(struct rtt_estimator *e, uint32_t r_us);
/* RFC 6298 §5.7: when the SYN (or SYN|ACK) had to be retransmitted and no
 * sample was taken, the RTO for data starts at 3 s. */
void rtt_after_syn_timeout(struct rtt_estimator *e);
/* RTO doubled `backoff` times (RFC 6298 §5.5), capped at the maximum. */
uint32_t rtt_rto_backed_off(const struct rtt_estimator *e, unsigned backoff);

#endif
