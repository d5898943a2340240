/*
 * pattern.h — the test byte stream of `synack connect --send-bytes` and
 * `--expect-bytes`, which a peer written in any language can reproduce.
 *
 * The stream is one block of PATTERN_BLOCK_BYTES (65521, the largest prime
 * below 2^16) repeated forever: byte i of the stream is block[i mod 65521].
 * The block is the first 65521 bytes of the output of splitmix64 seeded
 * with 1, each 64-bit output written little-endian:
 *
 *     x = 1
 *     repeat:  x = x + 0x9E3779B97F4A7C15            (mod 2^64)
 *              z = x
 *              z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
 *              z = (z ^ (z >> 27)) * 0x94D049BB133111EB
 *              output z ^ (z >> 31) as 8 bytes, least significant first
 *
 * A prime block length means that a slip of any size shorter than the block
 * (a lost, repeated or misplaced segment) cannot line the stream up with
 * itself again.  A peer builds the block once and repeats it, which is fast
 * even in Python:
 *
 *     def synack_block():
 *         m = (1 << 64) - 1
 *         x, out = 1, bytearray()
 *         while len(out) < 65521:
 *             x = (x + 0x9E3779B97F4A7C15) & m
 *             z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & m
 *             z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
 *             out += (z ^ (z >> 31)).to_bytes(8, "little")
 *         return bytes(out[:65521])
 *
 *     BLOCK = synack_block()
 *     def synack_pattern(offset, n):      # stream bytes [offset, offset + n)
 *         start = offset % len(BLOCK)
 *         return (BLOCK * ((start + n) // len(BLOCK) + 1))[start:start + n]
 *
 * The first eight bytes of the stream are c1 5c 02 89 ec 2d 0a 91 (checked
 * by pattern_self_check).
 */
#ifndef SYNACK_TOOLS_PATTERN_H
#define SYNACK_TOOLS_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PATTERN_BLOCK_BYTES 65521u

/* Stream byte `offset` and how many bytes follow it contiguously in memory
 * (up to the end of the block, at least 1). */
const uint8_t *pattern_at(uint64_t offset, size_t *contiguous);

/* Compares buf with stream bytes [offset, offset + len).  Returns the
 * index in buf of the first byte that differs, or len when all match. */
size_t pattern_compare(uint64_t offset, const uint8_t *buf, size_t len);

/* Whether the block starts with the documented bytes. */
bool pattern_self_check(void);

#endif
