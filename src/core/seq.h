/*
 * seq.h — TCP sequence-number arithmetic (RFC 9293 §3.4).
 *
 * Sequence numbers live in a 32-bit circle; "a before b" means b is less
 * than 2^31 ahead of a.  Every comparison of sequence numbers in synack goes
 * through these functions, never through < or > on the raw values.
 */
#ifndef SYNACK_CORE_SEQ_H
#define SYNACK_CORE_SEQ_H

#include <stdbool.h>
#include <stdint.h>

static inline int32_t seq_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }
static inline bool seq_lt(uint32_t a, uint32_t b) { return seq_diff(a, b) < 0; }
static inline bool seq_leq(uint32_t a, uint32_t b) { return seq_diff(a, b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return seq_diff(a, b) > 0; }
static inline bool seq_geq(uint32_t a, uint32_t b) { return seq_diff(a, b) >= 0; }
static inline uint32_t seq_max(uint32_t a, uint32_t b) { return seq_gt(a, b) ? a : b; }
static inline uint32_t seq_min(uint32_t a, uint32_t b) { return seq_lt(a, b) ? a : b; }

/* lo <= x < hi, on the circle. */
static inline bool seq_in_range(uint32_t x, uint32_t lo, uint32_t hi)
{
    return (uint32_t)(x - lo) < (uint32_t)(hi - lo);
}

#endif
