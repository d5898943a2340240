/*
 * ratelimit.h — a token bucket, for what the stack sends unasked: ICMP
 * errors (RFC 1122 §3.2.2, RFC 1812 §4.3.2.8) and TCP challenge ACKs
 * (RFC 5961 §7).
 *
 * `rate` tokens arrive each second, at most `burst` are saved up, and each
 * event takes one.  Tokens are kept in millionths so that the refill is an
 * integer product of elapsed microseconds and rate.  Rate 0 means no limit.
 * The bucket starts full.
 */
#ifndef SYNACK_CORE_RATELIMIT_H
#define SYNACK_CORE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "synack/trace.h"

#define TOKEN_UNIT 1000000ull   /* one token, in millionths */

struct token_bucket {
    uint64_t tokens;                   /* millionths of a token */
    synack_time_us refill_time;        /* when tokens were last topped up */
};

static inline void token_bucket_init(struct token_bucket *b, uint32_t burst)
{
    b->tokens = (uint64_t)burst * TOKEN_UNIT;
    b->refill_time = 0;
}

/* Takes one token if there is one; false when the limit says no. */
static inline bool token_bucket_take(struct token_bucket *b, uint32_t rate, uint32_t burst, synack_time_us now)
{
    if (rate == 0)
        return true;
    uint64_t full = (uint64_t)burst * TOKEN_UNIT;
    uint64_t elapsed = now > b->refill_time ? now - b->refill_time : 0;
    if (now > b->refill_time)
        b->refill_time = now;
    if (elapsed >= full / rate + 1 || b->tokens + elapsed * rate > full)
        b->tokens = full;              /* (the first test keeps the product from overflowing) */
    else
        b->tokens += elapsed * rate;
    if (b->tokens < TOKEN_UNIT)
        return false;
    b->tokens -= TOKEN_UNIT;
    return true;
}

#endif
