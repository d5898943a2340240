/*
 * prng.h — the simulator's seeded pseudo-random generators.
 *
 * splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", 2014) turns one 64-bit seed into well-mixed values; the
 * simulator uses it to derive seeds, stack secrets and the state of each
 * generator.  xoshiro256** (Blackman and Vigna, 2018) is the generator every
 * random decision draws from.  Both are written here from their published
 * descriptions; nothing depends on the C library's rand().
 */
#ifndef SYNACK_SIM_PRNG_H
#define SYNACK_SIM_PRNG_H

#include <stdint.h>

struct sim_prng {
    uint64_t s[4];
};

/* Advances *state by the golden-ratio increment and returns a mixed value. */
static inline uint64_t splitmix64_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* A value derived from (seed, domain, index) that differs for every triple
 * in practice; used to give each consumer of randomness its own stream. */
static inline uint64_t prng_derive(uint64_t seed, uint64_t domain, uint64_t index)
{
    uint64_t state = seed ^ splitmix64_next(&domain);
    state += splitmix64_next(&index);
    return splitmix64_next(&state);
}

/* Fills the xoshiro state from a seed; splitmix64 never yields four zero
 * words in a row, so the state is valid for every seed. */
static inline void prng_seed(struct sim_prng *g, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        g->s[i] = splitmix64_next(&seed);
}

static inline uint64_t prng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256**: one 64-bit output per call. */
static inline uint64_t prng_next(struct sim_prng *g)
{
    uint64_t *s = g->s;
    uint64_t result = prng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = prng_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1) with 53 bits of precision. */
static inline double prng_unit(struct sim_prng *g)
{
    return (double)(prng_next(g) >> 11) * 0x1.0p-53;
}

/* True with probability p.  Draws nothing when p is 0, so a generator whose
 * impairment is switched off is not advanced by it. */
static inline int prng_chance(struct sim_prng *g, double p)
{
    if (p <= 0.0)
        return 0;
    return prng_unit(g) < p;
}

/* Uniform in [0, max].  The modulo's bias is below 2^-40 for any range a
 * simulation would use (up to hours in microseconds), which is harmless. */
static inline uint64_t prng_upto(struct sim_prng *g, uint64_t max)
{
    if (max == UINT64_MAX)
        return prng_next(g);
    return prng_next(g) % (max + 1);
}

#endif
