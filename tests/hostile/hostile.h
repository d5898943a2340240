/*
 * hostile.h — what the simulated attack tests (tests/hostile) share: the
 * checks' bookkeeping (their own main() prints the figures last, after the
 * verdict), raw TCP segments over IPv4 or IPv6 with any source, the
 * addresses of the family the run uses, and the byte pattern the
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

/* A raw TCP segment in an IPv4 or IPv6 packet (by the family of src),
 * checksums right; returns its length. */
struct raw_segment {
    struct synack_addr src, dst;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t window;
    const struct tcp_options *opt;   /* NULL: none */
    const uint8_t *payload;
    uint32_t len;
    uint8_t ttl;                     /* TTL or hop limit; 0: 64 */
    uint16_t ip_id;                  /* IPv4 only */
};
size_t raw_segment_build(const struct raw_segment *r, uint8_t *buf, size_t cap);

/* The family the attacks run over: IPv6 when SYNACK_HOSTILE_FAMILY=6,
 * else IPv4. */
bool hostile_ipv6(void);
/* 198.net.a.b over IPv4, fd00:5ac::net:a:b over IPv6 (net in hex, so
 * 198.18.0.1 is fd00:5ac::12:0:1). */
struct synack_addr hostile_addr(uint8_t net, uint8_t a, uint8_t b);
/* The last byte of an address (b above). */
static inline uint8_t hostile_addr_last(const struct synack_addr *x)
{
    return x->family == SYNACK_AF_INET6 ? x->bytes[15] : x->bytes[3];
}
/* Where the TCP header of a packet raw_segment_build made starts, and its
 * TTL or hop limit. */
static inline size_t hostile_ip_len(const uint8_t *p) { return p[0] >> 4 == 6 ? 40 : 20; }
static inline uint8_t hostile_ttl(const uint8_t *p) { return p[0] >> 4 == 6 ? p[7] : p[8]; }

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
