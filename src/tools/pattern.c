/*
 * pattern.c — the repeating splitmix64 block of pattern.h.
 *
 * The block is built on first use into a static array (the tool is single
 * threaded); every later call only indexes it.
 */
#include "pattern.h"

#include <string.h>

#define SPLITMIX_GAMMA 0x9e3779b97f4a7c15ull
#define PATTERN_SEED 1u

static uint8_t block[PATTERN_BLOCK_BYTES];
static bool built;

static uint64_t splitmix64_next(uint64_t *state)
{
    uint64_t z = (*state += SPLITMIX_GAMMA);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void build_block(void)
{
    uint64_t state = PATTERN_SEED;

    for (size_t i = 0; i < PATTERN_BLOCK_BYTES; i += 8) {
        uint64_t word = splitmix64_next(&state);
        for (size_t b = 0; b < 8 && i + b < PATTERN_BLOCK_BYTES; b++)
            block[i + b] = (uint8_t)(word >> (8 * b));    /* little-endian */
    }
    built = true;
}

const uint8_t *pattern_at(uint64_t offset, size_t *contiguous)
{
    size_t start = (size_t)(offset % PATTERN_BLOCK_BYTES);

    if (!built)
        build_block();
    *contiguous = PATTERN_BLOCK_BYTES - start;
    return block + start;
}

size_t pattern_compare(uint64_t offset, const uint8_t *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        size_t run;
        const uint8_t *expect = pattern_at(offset + done, &run);
        if (run > len - done)
            run = len - done;
        if (memcmp(expect, buf + done, run) != 0) {
            for (size_t i = 0; i < run; i++) {
                if (expect[i] != buf[done + i])
                    return done + i;
            }
        }
        done += run;
    }
    return len;
}

bool pattern_self_check(void)
{
    static const uint8_t first[8] = {0xc1, 0x5c, 0x02, 0x89, 0xec, 0x2d, 0x0a, 0x91};
    size_t run;

    return memcmp(pattern_at(0, &run), first, sizeof first) == 0;
}
