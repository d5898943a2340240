/*
 * rtt.c — RFC 6298 §2 estimator, with the gains alpha = 1/8 and beta = 1/4
 * and K = 4 that the RFC gives.
 */
#include "rtt.h"

static uint32_t clamp_rto(const struct rtt_estimator *e, uint64_t rto)
{
    if (rto < e->min_us)   /* RFC 6298 §2.4 */
        rto = e->min_us;
    if (rto > e->max_us)   /* RFC 6298 §2.5 */
        rto = e->max_us;
    return (uint32_t)rto;
}

void rtt_init(struct rtt_estimator *e, uint32_t initial_us, uint32_t min_us, uint32_t max_us)
{
    e->srtt_us = 0;
    e->rttvar_us = 0;
    e->min_us = min_us;
    e->max_us = max_us < min_us ? min_us : max_us;
    e->has_sample = false;
    e->rto_us = clamp_rto(e, initial_us);
}

void rtt_sample(struct rtt_estimator *e, uint32_t r_us)
{
    if (r_us == 0)
        r_us = 1;
    if (!e->has_sample) {
        /* §2.2: SRTT <- R, RTTVAR <- R/2 */
        e->srtt_us = r_us;
        e->rttvar_us = r_us / 2;
        e->has_sample = true;
    } else {
        /* §2.3: RTTVAR first (it uses the old SRTT), then SRTT. */
        uint32_t err = e->srtt_us > r_us ? e->srtt_us - r_us : r_us - e->srtt_us;
        e->rttvar_us = (uint32_t)(((uint64_t)e->rttvar_us * 3 + err) / 4);
        e->srtt_us = (uint32_t)(((uint64_t)e->srtt_us * 7 + r_us) / 8);
    }
    uint64_t var = (uint64_t)e->rttvar_us * 4;
    if (var < RTT_CLOCK_GRANULARITY_US)
        var = RTT_CLOCK_GRANULARITY_US;
    e->rto_us = clamp_rto(e, (uint64_t)e->srtt_us + var);
}

uint32_t rtt_rto_backed_off(const struct rtt_estimator *e, unsigned backoff)
{
    uint64_t rto = e->rto_us;
    for (unsigned i = 0; i < backoff && rto < e->max_us; i++)
        rto *= 2;
    return rto > e->max_us ? e->max_us : (uint32_t)rto;
}

void rtt_after_syn_timeout(struct rtt_estimator *e)
{
    if (!e->has_sample && e->rto_us < 3000000)
        e->rto_us = clamp_rto(e, 3000000);
}
