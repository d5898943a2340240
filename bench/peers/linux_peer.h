/*
 * linux_peer.h — the Linux kernel's side of `synack bench` (issue 7): the
 * same workloads as synack's own, run on the kernel's TCP through ordinary
 * sockets, so the two can be printed side by side.
 *
 *   linux_peer server   --addr A --port P [--blocking] [--ready-file F]
 *   linux_peer churn    --addr A --port P --count N --concurrency C [--clients a1,a2,...]
 *   linux_peer pingpong --addr A --port P --rounds N
 *   linux_peer impair   --a DEV --b DEV --delay-ms D --rate BPS --loss P --queue-bytes Q [--rt]
 *
 * server, churn and pingpong take --cc NAME (TCP_CONGESTION on every
 * socket), and every command --timeout S, a bound on its whole run.
 * Each prints one JSON object on stdout when it ends (the server and the
 * impairer on SIGTERM or at --timeout).  bench/peers/linux.sh builds the
 * namespaces around them and turns these objects into the bench's lines.
 *
 * Files: linux_peer.c (options, helpers, main), linux_peer_server.c (the
 * epoll echo server and the blocking one), linux_peer_churn.c,
 * linux_peer_pingpong.c, linux_impair.c (the lossy path: delay, rate,
 * loss between two interfaces, for kernels without tc netem).
 */
#ifndef SYNACK_BENCH_LINUX_PEER_H
#define SYNACK_BENCH_LINUX_PEER_H

#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>

/* Client addresses a churn run spreads its connections over: each has
 * its own ephemeral port range, so N connections kept in TIME_WAIT need
 * N / (ports per address) of them.  256 is 16 million 4-tuples. */
#define LP_MAX_CLIENTS 256

struct lp_opts {
    struct in_addr addr;       /* server address (--addr) */
    uint16_t port;             /* server port (--port) */
    uint64_t count;            /* churn: connections in all (--count) */
    uint32_t concurrency;      /* churn: at most this many open at once */
    uint64_t rounds;           /* pingpong: round trips (--rounds) */
    struct in_addr clients[LP_MAX_CLIENTS]; /* churn: source addresses */
    unsigned n_clients;        /* 0: the kernel picks the source address */
    double timeout_s;          /* whole run bounded by this (--timeout) */
    int blocking;              /* server: one connection at a time, blocking calls */
    const char *ready_file;    /* server, impair: created once ready */
    const char *cc;            /* congestion control set on each socket (--cc), or NULL */
    /* impair */
    const char *dev_a, *dev_b; /* frames from a go to b and back */
    double delay_ms;           /* one way, each direction */
    double rate_bps;           /* each direction; 0: no rate limit */
    double loss;               /* fraction of a->b IPv4 frames dropped */
    uint64_t queue_bytes;      /* bytes waiting for the rate before tail drop */
    uint64_t seed;             /* loss PRNG seed */
    int realtime;              /* --rt: SCHED_FIFO */
};

/* Set by SIGTERM/SIGINT (lp_catch_signals): loops end and report. */
extern volatile sig_atomic_t lp_stop;

uint64_t lp_now_ns(void);                        /* CLOCK_MONOTONIC */
double lp_cpu_seconds(void);                     /* user + system time of this process */
void lp_catch_signals(void);
void lp_raise_nofile(void);                      /* soft RLIMIT_NOFILE to the hard one */
void lp_touch(const char *path);                 /* create the ready file, if any */
void lp_set_cc(int fd, const char *cc);          /* TCP_CONGESTION, if cc; dies on failure */
void lp_get_cc(int fd, char *buf, unsigned len); /* the socket's algorithm, "" if unknown */
_Noreturn void lp_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int lp_server(const struct lp_opts *o);
int lp_churn(const struct lp_opts *o);
int lp_pingpong(const struct lp_opts *o);
int lp_impair(const struct lp_opts *o);

#endif
