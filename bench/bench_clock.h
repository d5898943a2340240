/*
 * bench_clock.h — the time the harness hands the stacks as `now`.
 *
 * The engine never reads a clock (docs/ARCHITECTURE.md): a driver loop
 * reads this one and passes what it says to synack_input and synack_poll.
 * A real clock is CLOCK_MONOTONIC in microseconds.  A virtual clock moves
 * by a fixed step at each reading, so that a run does the same work every
 * time (the callgrind check counts instructions on it); durations measured
 * on it mean nothing, and workloads then report only their work done.
 */
#ifndef SYNACK_BENCH_CLOCK_H
#define SYNACK_BENCH_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct bench_clock {
    bool virtual_time;       /* false: CLOCK_MONOTONIC */
    uint64_t virtual_us;     /* the virtual clock's reading */
    uint64_t step_us;        /* added at each reading of a virtual clock */
};

/* Wall-clock seconds (CLOCK_MONOTONIC), for durations and stall limits. */
static inline double bench_wall_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The next `now` for the stacks, in microseconds. */
static inline uint64_t bench_clock_now(struct bench_clock *c)
{
    if (c->virtual_time) {
        c->virtual_us += c->step_us;
        return c->virtual_us;
    }
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

#endif
