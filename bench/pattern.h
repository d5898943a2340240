/*
 * pattern.h — the byte stream the bulk workloads send, and its check.
 *
 * Byte i of the stream is block[i mod 65521] (the largest prime below
 * 2^16, so a slip of any shorter length never lines the stream up with
 * itself again).  The block is kept followed by a copy of its first
 * BENCH_PATTERN_SPAN bytes, so that the sender can hand synack_send up to
 * BENCH_PATTERN_SPAN contiguous stream bytes from any offset without
 * generating anything: the application's copy in is a plain copy.
 *
 * The receiver checks a sample (bench_pattern_check): the 8 bytes at every
 * stream offset that is a multiple of 512 and lies wholly inside what one
 * recv returned, and the chunk's last byte.  Any segment that arrives in
 * the wrong place, twice or not at all shifts everything after it, and
 * every 1460-byte segment holds at least two sampled words, so such errors
 * are caught at the first sample after them; the sample costs 1/64 of a
 * read of the data.  bench_pattern_check_full compares every byte, for
 * tests.
 */
#ifndef SYNACK_BENCH_PATTERN_H
#define SYNACK_BENCH_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_PATTERN_BLOCK 65521u
#define BENCH_PATTERN_SPAN 65536u      /* contiguous bytes available at any offset */
#define BENCH_PATTERN_SAMPLE 512u      /* sample spacing in stream bytes */

struct bench_pattern {
    uint8_t *bytes;                    /* BENCH_PATTERN_BLOCK + BENCH_PATTERN_SPAN */
};

int bench_pattern_init(struct bench_pattern *p);
void bench_pattern_free(struct bench_pattern *p);

/* Stream bytes [offset, offset + BENCH_PATTERN_SPAN). */
static inline const uint8_t *bench_pattern_at(const struct bench_pattern *p, uint64_t offset)
{
    return p->bytes + offset % BENCH_PATTERN_BLOCK;
}

/* The sampled check of data = stream bytes [offset, offset + len); true
 * when every sample matches.  *samples (if not NULL) counts the 8-byte
 * words compared. */
bool bench_pattern_check(const struct bench_pattern *p, uint64_t offset, const uint8_t *data, size_t len,
                         uint64_t *samples);
/* Every byte. */
bool bench_pattern_check_full(const struct bench_pattern *p, uint64_t offset, const uint8_t *data, size_t len);

#endif
