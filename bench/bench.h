/*
 * bench.h — the harness behind `synack bench` (bench/README.md).
 *
 * One file per job:
 *   bulk.c      one connection, N bytes one way, over two stacks in memory
 *   churn.c     connections opened, 1 byte each way, closed, N in a row
 *   pingpong.c  1-byte request / response round trips on one connection
 *   idle.c      memory per established idle connection
 *   lossy.c     one bulk flow over the simulator's 1 Gbit/s, 10 ms path
 *   limit.c     memcpy and checksum speed: the copy-bound limit of bulk
 *   link.c, pair.c, pattern.c   the in-memory link, the two stacks, the data
 *   peer.c      running the lwIP and Linux peers and reading their JSON
 *   suite.c     the plan: workloads, repetitions, alternating with peers
 *   stats.c     series of repetitions: median, min, max
 *   report.c    the table and the JSON object
 *   util.c      error messages, RSS, the machine
 * Every workload uses only synack's public API (include/synack/).  Each
 * returns 0, or -1 with a message in err; none prints.
 */
#ifndef SYNACK_BENCH_H
#define SYNACK_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bench_clock.h"

/* ---- the workloads ---- */

struct bench_bulk_params {
    uint64_t bytes;
    bool window64k;          /* window scaling off, SNDBUF = RCVBUF = 65535 */
    bool csum_offload;       /* the link offloads checksums */
    bool full_verify;        /* compare every byte (default: the sample of pattern.h) */
    uint64_t corrupt_packet; /* tests: flip a data byte in the link at about this packet (0: never) */
};
struct bench_bulk_result {
    double gbps;             /* application bytes received, Gbit/s of wall clock */
    double seconds;
    uint64_t bytes;
    uint64_t packets;        /* both directions */
    uint64_t samples;        /* 8-byte words checked */
    uint64_t retrans_segs;   /* the sender's (an in-memory link never loses: expect 0) */
};
int bench_bulk(const struct bench_bulk_params *p, struct bench_clock *clk, struct bench_bulk_result *r,
               char *err, size_t errlen);

#define BENCH_CHURN_ADDRS 8          /* client addresses 198.18.0.1 .. 198.18.7.1 */
#define BENCH_CHURN_PORTS 4          /* server ports 5000 .. 5003 on 198.18.k.2 */
#define BENCH_EPHEMERAL_LO 1024
#define BENCH_EPHEMERAL_HI 65535
struct bench_churn_params {
    uint64_t count;
    uint32_t concurrency;
};
struct bench_churn_result {
    double cps;              /* count / (first connect .. last connection closed both ways) */
    double first1000_cps;    /* the first min(1000, count) completions */
    double last10_cps;       /* the last 10% of completions */
    double seconds;
    uint64_t count;
    uint64_t time_wait;      /* client connections in TIME_WAIT at the end */
    uint64_t tuples;         /* 4-tuples available */
    uint32_t client_max_connections, server_max_connections;
    uint64_t mem_max_bytes;
    uint64_t client_mem_peak, server_mem_peak;
};
int bench_churn(const struct bench_churn_params *p, struct bench_clock *clk, struct bench_churn_result *r,
                char *err, size_t errlen);

struct bench_pingpong_params {
    uint64_t rounds;
};
struct bench_pingpong_result {
    double rtps;
    double seconds;
    uint64_t rounds;
};
int bench_pingpong(const struct bench_pingpong_params *p, struct bench_clock *clk,
                   struct bench_pingpong_result *r, char *err, size_t errlen);

struct bench_idle_params {
    uint64_t count;
};
struct bench_idle_result {
    uint64_t count;
    double bytes_per_endpoint;   /* (client + server bytes) / (2 * count) */
    double bytes_per_conn_pair;  /* (client + server bytes) / count */
    double client_bytes_per_conn, server_bytes_per_conn;
    uint64_t rss_bytes;          /* the process's VmRSS with every connection open */
    uint64_t rss_growth_bytes;   /* VmRSS then minus VmRSS before the first connect */
    double setup_seconds;
};
int bench_idle(const struct bench_idle_params *p, struct bench_clock *clk, struct bench_idle_result *r,
               char *err, size_t errlen);

#define BENCH_LOSSY_RATE_BPS 1000000000ull
#define BENCH_LOSSY_DELAY_US 5000u           /* each way: 10 ms RTT */
#define BENCH_LOSSY_QUEUE_PACKETS 834u       /* 1 Gbit/s * 10 ms = 1.25 MB = 834 packets of 1500 */
struct bench_lossy_params {
    double loss;             /* on the data direction */
    double seconds;          /* virtual */
    uint64_t seed;
    bool full_verify;
};
struct bench_lossy_result {
    double mbps;             /* application bytes received per virtual second */
    uint64_t bytes;
    uint64_t lost;           /* packets the link dropped on purpose */
    uint64_t queue_drops;
    uint64_t retrans_segs;
    double wall_seconds;
};
int bench_lossy(const struct bench_lossy_params *p, struct bench_lossy_result *r, char *err, size_t errlen);

struct bench_limit_result {
    double memcpy_gbps;      /* memcpy of 1460-byte buffers */
    double csum_gbps;        /* Internet checksum of the same (a read pass) */
    double copy_csum_gbps;   /* copy with the checksum summed on the way */
    double limit_gbps;       /* the copy-bound limit of synack's bulk path */
    double limit_offload_gbps;   /* the same with checksum offload: all copies plain */
    size_t set_bytes;        /* each of the source and destination buffer sets */
};
/* Each figure is the best of `trials` timed runs of `seconds` each. */
int bench_limit(int trials, double seconds, struct bench_limit_result *r, char *err, size_t errlen);
/* How the limit follows from the figures (printed with it). */
extern const char bench_limit_formula[];

/* The measured loops of bulk and churn: bench/callgrind.sh counts the
 * instructions of these functions and what they call (valgrind's
 * --toggle-collect), not the setup around them. */
struct bench_bulk_run;
struct bench_churn_run;
int bench_bulk_transfer(struct bench_bulk_run *b);
int bench_churn_loop(struct bench_churn_run *c);

/* ---- utilities (util.c) ---- */

/* Formats the message into err and returns -1. */
int bench_errorf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The process's VmRSS in bytes (0 when /proc cannot say). */
uint64_t bench_rss_bytes(void);
struct bench_machine {
    char cpu[128];
    int cores;
    char kernel[128];
};
void bench_machine(struct bench_machine *m);

#endif
