/* lwip_loop.c — the peer's main loop, its clock and its first error.
 *
 * One thread drives lwIP's raw API.  Debian builds lwIP with NO_SYS=0 and
 * LWIP_TCPIP_CORE_LOCKING=1, which normally means: call tcpip_init(), let
 * its thread own the stack, and take the core lock (LOCK_TCPIP_CORE)
 * around raw API calls from other threads.  We call lwip_init() instead
 * (stacks_init, once per instance) and never start tcpip_thread.  What that leaves of the
 * checks, in the unix port's sys_arch.c as Debian ships it:
 *
 *   LWIP_ASSERT_CORE_LOCKED() -> sys_check_core_locking(), which asserts
 *   that the caller holds the core lock only once some thread has called
 *   sys_mark_tcpip_thread() (LWIP_MARK_TCPIP_THREAD, done by tcpip_thread
 *   at its start); until then it returns at once.
 *
 * So with no tcpip_thread the assertion is vacuous, and it is also true in
 * spirit: this thread is the only one that ever touches lwIP.  Taking the
 * lock ourselves is not possible anyway: sys_lock_tcpip_core() locks a
 * mutex that only tcpip_init() creates.
 *
 * Timers: lwip_init() calls sys_timeouts_init(), and TCP starts its own
 * timer (tcp_timer_needed) when it has pcbs; sys_check_timeouts() (each
 * instance's) runs whatever is due against sys_now(), which the unix port
 * reads from CLOCK_MONOTONIC in milliseconds — real time, as the workloads
 * need (TIME_WAIT lasts its real 2*TCP_MSL = 120 s).  We call it once a
 * round, and every 64 packets (lwip_link.c) or connections opened
 * (loop_tick) within a round.  That matters: lwIP counts RTOs and 2*MSL
 * in ticks of its 250/500 ms timers, and a cyclic timer that runs late
 * runs once — the missed ticks are lost, and lwIP's times stretch.  With
 * thousands of connections a round takes seconds (every segment and every
 * tcp_bind walks lwIP's pcb lists).
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "lwip/timeouts.h" /* SYS_TIMEOUTS_SLEEPTIME_INFINITE */

#include "lwip_peer.h"

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU time of the whole process (one thread): beside the wall clock it
 * shows how much of a run this process actually had a CPU. */
uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define PROGRESS_EVERY_NS (10ull * 1000000000ull)

static struct loop_stats totals;
static bool show_progress;

void loop_set_progress(bool on) { show_progress = on; }

void loop_get_stats(struct loop_stats *s) { *s = totals; }

static char first_error[512];
static bool failed;

void peer_fail(const char *fmt, ...)
{
    if (failed)
        return;
    failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(first_error, sizeof first_error, fmt, ap);
    va_end(ap);
}

bool peer_failed(void) { return failed; }
const char *peer_error(void) { return first_error; }

void loop_tick(void)
{
    static unsigned calls;
    if (++calls % LOOP_TIMER_EVERY == 0)
        stacks_check_timeouts();
}

/* Sleeps until lwIP's next timer (at most 10 ms, never past the deadline):
 * used only when a round found nothing to do. */
static void wait_for_timers(uint64_t deadline_ns)
{
    uint32_t ms = stacks_sleeptime_ms();
    uint64_t ns = (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE || ms > 10) ? 10000000ull
                                                                    : (uint64_t)ms * 1000000ull;
    if (deadline_ns != 0) {
        uint64_t t = now_ns();
        if (deadline_ns <= t)
            return;
        if (deadline_ns - t < ns)
            ns = deadline_ns - t;
    }
    if (ns == 0)
        return;
    totals.waits++;
    uint64_t t0 = now_ns();
    struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull), .tv_nsec = (long)(ns % 1000000000ull) };
    nanosleep(&ts, NULL);
    totals.waited_ns += now_ns() - t0;
}

/* A round: the application's step, then the packets already queued are
 * delivered (each may fire callbacks and queue more, delivered next
 * round), then lwIP's timers.  Bounded by the stall rule: the progress
 * counter must move at least every stall_ns (and it only grows, up to the
 * workload's size). */
int loop_run(const struct loop *l)
{
    uint64_t stall = l->stall_ns != 0 ? l->stall_ns : LOOP_STALL_NS;
    uint64_t last_progress = l->progress(l->arg);
    uint64_t last_change = now_ns();
    uint64_t started = last_change, next_report = last_change + PROGRESS_EVERY_NS;
    for (;;) {
        if (peer_failed())
            return -1;
        if (l->done(l->arg))
            return 0;
        uint64_t t = now_ns();
        if (l->deadline_ns != 0 && t >= l->deadline_ns)
            return 0;
        totals.rounds++;
        bool stepped = l->step != NULL && l->step(l->arg);
        size_t delivered = link_deliver();
        stacks_check_timeouts();
        /* Judged at the end of the round: one round can be long (churn
         * delivers up to a packet per open connection, and lwIP scans its
         * pcb lists for each). */
        uint64_t p = l->progress(l->arg);
        uint64_t t_end = now_ns();
        if (p != last_progress) {
            last_progress = p;
            last_change = t_end;
        } else if (t_end - last_change > stall) {
            struct link_stats ls;
            link_get_stats(&ls);
            peer_fail("%s: no progress for %.0f s (progress counter %llu; link: %llu packets, %llu dropped)",
                      l->what, (double)stall / 1e9, (unsigned long long)p,
                      (unsigned long long)ls.packets, (unsigned long long)ls.drops);
            return -1;
        }
        if (show_progress && t_end >= next_report) {
            char line[256] = "";
            if (l->report != NULL)
                l->report(l->arg, line, sizeof line);
            fprintf(stderr, "%s: %.0f s: %s\n", l->what, (double)(t_end - started) / 1e9, line);
            next_report = t_end + PROGRESS_EVERY_NS;
        }
        if (!stepped && delivered == 0)
            wait_for_timers(l->deadline_ns);
    }
}
