/*
 * pattern.c — the bulk stream of pattern.h.
 */
#include "pattern.h"

#include <stdlib.h>
#include <string.h>

int bench_pattern_init(struct bench_pattern *p)
{
    p->bytes = malloc(BENCH_PATTERN_BLOCK + BENCH_PATTERN_SPAN);
    if (!p->bytes)
        return -1;
    /* A 64-bit xorshift generator: any byte sequence without short
     * periods does; this one is cheap and the same everywhere. */
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (uint32_t i = 0; i < BENCH_PATTERN_BLOCK; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p->bytes[i] = (uint8_t)(x >> 56);
    }
    /* The span is longer than the block: extend it periodically, byte by
     * byte (a single memcpy would overlap). */
    for (uint32_t i = 0; i < BENCH_PATTERN_SPAN; i++)
        p->bytes[BENCH_PATTERN_BLOCK + i] = p->bytes[i];
    return 0;
}

void bench_pattern_free(struct bench_pattern *p)
{
    free(p->bytes);
    p->bytes = NULL;
}

bool bench_pattern_check(const struct bench_pattern *p, uint64_t offset, const uint8_t *data, size_t len,
                         uint64_t *samples)
{
    if (len == 0)
        return true;
    uint64_t n = 0;
    /* The first sampled offset at or after `offset`. */
    uint64_t s = (offset + BENCH_PATTERN_SAMPLE - 1) / BENCH_PATTERN_SAMPLE * BENCH_PATTERN_SAMPLE;
    for (; s + 8 <= offset + len; s += BENCH_PATTERN_SAMPLE) {
        if (memcmp(data + (s - offset), bench_pattern_at(p, s), 8) != 0)
            return false;
        n++;
    }
    if (samples)
        *samples += n;
    return data[len - 1] == *bench_pattern_at(p, offset + len - 1);
}

bool bench_pattern_check_full(const struct bench_pattern *p, uint64_t offset, const uint8_t *data, size_t len)
{
    while (len) {
        size_t k = len < BENCH_PATTERN_SPAN ? len : BENCH_PATTERN_SPAN;
        if (memcmp(data, bench_pattern_at(p, offset), k) != 0)
            return false;
        data += k;
        offset += k;
        len -= k;
    }
    return true;
}
