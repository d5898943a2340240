/*
 * suite.h — what `synack bench` runs and what it found.
 *
 * bench_suite_run runs each selected workload `reps` times; within each
 * repetition synack runs first, then lwIP, then Linux (synack, lwip, linux,
 * synack, lwip, linux, ...), so that a slow moment of the machine falls on
 * all of them alike.  Each figure is a series of repetitions; the report
 * shows median [min-max] and the ratio of medians synack/peer.
 */
#ifndef SYNACK_BENCH_SUITE_H
#define SYNACK_BENCH_SUITE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench.h"

enum bench_workload { BENCH_LIMIT, BENCH_BULK, BENCH_PINGPONG, BENCH_CHURN, BENCH_LOSSY, BENCH_IDLE, BENCH_WORKLOADS };
extern const char *const bench_workload_names[BENCH_WORKLOADS];   /* "limit", "bulk", ... */

#define BENCH_MAX_REPS 16
#define BENCH_LOSS_RATES 3
extern const double bench_loss_rates[BENCH_LOSS_RATES];           /* 0, 0.001, 0.01 */
extern const char *const bench_loss_names[BENCH_LOSS_RATES];      /* "0", "0.1", "1" (percent) */

struct bench_options {
    bool quick;
    bool json;
    bool peers;                  /* false: --no-peers */
    bool full_verify;            /* compare every byte received */
    uint64_t corrupt_packet;     /* tests: bulk's link flips a data byte at about this packet */
    unsigned only;               /* bit (1 << workload) per workload; 0: all */
    int reps[BENCH_WORKLOADS];   /* repetitions of each */
    uint64_t bulk_bytes;
    uint64_t churn_count;
    uint32_t churn_concurrency;
    uint64_t pingpong_rounds;
    uint64_t idle_count;
    double lossy_seconds;        /* virtual, synack; real, Linux */
    double linux_bulk_seconds;   /* iperf3's run */
    double limit_seconds;        /* each timed pass of limit.c */
    double peer_timeout;         /* seconds a peer may take for one run */
};

/* The sizes and repetitions of the full run, or of --quick. */
void bench_options_defaults(struct bench_options *o, bool quick);

/* One figure over repetitions.  No values: `note` says why. */
struct bench_series {
    double v[BENCH_MAX_REPS];
    int n;
    char note[240];
};
void bench_series_add(struct bench_series *s, double v);
bool bench_series_has(const struct bench_series *s);
double bench_series_median(const struct bench_series *s);
double bench_series_min(const struct bench_series *s);
double bench_series_max(const struct bench_series *s);
/* Median of a over median of b, or NaN when either is missing. */
double bench_series_ratio(const struct bench_series *a, const struct bench_series *b);

struct bench_results {
    struct bench_options opt;    /* as run */
    struct bench_machine machine;
    bool ran[BENCH_WORKLOADS];
    int failures;                /* synack workloads that failed */
    char first_error[256];

    struct bench_series memcpy_gbps, csum_gbps, copy_csum_gbps, limit_gbps, limit_offload_gbps;

    struct bench_series bulk64k, bulk_default, bulk_offload;
    struct bench_series lwip_bulk, linux_bulk_off, linux_bulk_on;
    struct bench_bulk_result bulk_last;          /* the last synack run (defaults), for its details */

    struct bench_series churn, churn_first, churn_last10;
    struct bench_series lwip_churn, lwip_churn_first, lwip_churn_last10, linux_churn;
    struct bench_churn_result churn_info;        /* the last synack run */
    char lwip_churn_clients[200], linux_churn_clients[200];

    struct bench_series pingpong, lwip_pingpong, linux_pingpong;

    struct bench_series idle_endpoint, idle_pair, idle_rss, idle_rss_growth;
    struct bench_series lwip_idle_endpoint;
    struct bench_idle_result idle_info;

    struct bench_series lossy[BENCH_LOSS_RATES], linux_lossy[BENCH_LOSS_RATES];
    struct bench_lossy_result lossy_info[BENCH_LOSS_RATES];
};

/* Runs everything selected; progress lines go to `progress`.  Returns the
 * number of synack workloads that failed. */
int bench_suite_run(const struct bench_options *o, struct bench_results *r, FILE *progress);

/* The human table (report.c) and the JSON object. */
void bench_report_table(FILE *out, const struct bench_results *r);
void bench_report_json(FILE *out, const struct bench_results *r);

#endif
