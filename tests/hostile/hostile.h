/*
 * hostile.h — what the simulated attack tests (tests/hostile) share: the
 * checks' bookkeeping (their own main() prints the figures last, after the
 * verdict), raw TCP/IPv4 packets with any source, and the byte pattern the
 * legitimate transfers carry.
 */
#ifndef SYNACK_TEST_HOSTILE_H
#define SYNACK_TEST_HOSTILE_H

#include <stddef.h>
#include <stdint.h>

#include "synack/synack.h"
#include "tcp_wire.h"
#include "test.h"

#define SEC 1000000ull
#define MS 1000ull

/* A raw TCP segment in an IPv4 packet, checksums right; returns its length. */
struct raw_segment {
    struct synack_addr src, dst;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t window;
    const struct tcp_options *opt;   /* NULL: none */
    const uint8_t *payload;
    uint32_t len;
    uint8_t ttl;                     /* 0: 64 */
    uint16_t ip_id;
};
size_t raw_segment_build(const struct raw_segment *r, uint8_t *buf, size_t cap);

/* Byte `off` of the stream numbered `stream`. */
static inline uint8_t pattern_byte(uint64_t stream, uint64_t off)
{
    uint64_t x = (stream * 0x9e3779b97f4a7c15ull) ^ (off >> 8);
    x ^= x >> 29;
    return (uint8_t)(x + off * 131);
}
void pattern_fill(uint64_t stream, uint64_t off, uint8_t *buf, size_t len);
/* Index of the first byte of buf that differs from the stream, or len. */
size_t pattern_check(uint64_t stream, uint64_t off, const uint8_t *buf, size_t len);

/* splitmix64, for the tests' own plans. */
static inline uint64_t hostile_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* "N passed/failed" line and exit status from the checks made so far. */
int hostile_verdict(const char *name);

#endif
