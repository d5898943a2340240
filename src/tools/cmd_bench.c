/*
 * cmd_bench.c — `synack bench`: synack's workloads side by side with lwIP
 * and the Linux kernel, in one run on this machine (bench/README.md).
 *
 * This file is the command line; the harness is in bench/ (bench.h: one
 * file per workload; suite.c: the plan; report.c: the table and JSON).
 *
 *     synack bench                 the full run (several minutes)
 *     synack bench --quick         smaller sizes, fewer repetitions: < 2 min
 *     synack bench --json          one JSON object on stdout instead of the table
 *     synack bench --callgrind     fixed small runs on a virtual clock, for
 *                                  bench/callgrind.sh (instruction counts)
 *
 * Exit status: 0 when every synack run completed and verified its data
 * (targets missed do not fail the run; they are marked in the table),
 * 1 when one failed, 2 for a bad command line.
 */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "json.h"
#include "suite.h"

/* The fixed sizes of --callgrind (bench/callgrind.sh). */
#define CG_BULK_BYTES (64ull << 20)
#define CG_CHURN_COUNT 20000u
#define CG_CHURN_CONCURRENCY 1000u
#define CG_CLOCK_STEP_US 1u

static const char usage[] =
    "usage: synack bench [--quick] [--json] [--only LIST] [--reps N] [--no-peers] [options]\n"
    "\n"
    "Runs synack's workloads and, alternating with them, the same workloads on\n"
    "lwIP and on the Linux kernel, several times each; prints a table of medians\n"
    "[min-max], the ratios synack/peer and the targets of issue 7.\n"
    "\n"
    "  bulk      one connection, 2 GiB one way between two stacks in one process\n"
    "            (64 KiB window; defaults; defaults with checksum offload)\n"
    "  churn     1,000,000 connections (1 byte each way, graceful close), 10,000 at once\n"
    "  pingpong  1-byte request/response round trips on one connection\n"
    "  idle      memory per established idle connection, 1,000,000 open at once\n"
    "  lossy     one bulk flow on a simulated 1 Gbit/s, 10 ms path, loss 0, 0.1%, 1%\n"
    "  limit     memcpy and checksum speed: the copy-bound limit of bulk\n"
    "\n"
    "Peers are found in the directory `bench` beside this executable, or in\n"
    "$SYNACK_BENCH_DIR: synack-bench-lwip (built when lwIP is installed) and\n"
    "linux.sh (needs root for its namespaces; otherwise it reports skipped).\n"
    "\n"
    "Options:\n"
    "  --quick             smaller sizes and fewer repetitions (under two minutes)\n"
    "  --json              print one JSON object instead of the table\n"
    "  --only LIST         comma-separated workloads from the list above\n"
    "  --reps N            repetitions of every workload (1..16)\n"
    "  --no-peers          run synack only\n"
    "  --full-verify       compare every byte received (default: a sample)\n"
    "  --bulk-bytes N      bytes per bulk transfer\n"
    "  --churn-count N     connections in a churn run\n"
    "  --concurrency N     churn connections open at once\n"
    "  --rounds N          ping-pong round trips\n"
    "  --idle-count N      idle connections\n"
    "  --lossy-seconds S   seconds of each lossy transfer (virtual for synack)\n"
    "  --linux-seconds S   seconds of each iperf3 run (Linux bulk)\n"
    "  --peer-timeout S    longest a peer may take for one run\n"
    "  --corrupt-packet N  for tests: bulk's link flips one data byte at about its\n"
    "                      N-th packet (a link that offloads checksums lets it in)\n"
    "  --callgrind         run bulk (64 MiB, defaults) and churn (20,000, 1,000 at\n"
    "                      once) on a virtual clock, print what was done, and exit;\n"
    "                      for bench/callgrind.sh\n"
    "\n"
    "Progress goes to stderr.  Exit status: 0 when every synack run completed\n"
    "with its data verified (missed targets are marked, not failed), 1 when one\n"
    "failed, 2 for a bad command line.\n";

static bool parse_only(struct args *a, unsigned *only)
{
    const char *list;
    if (!args_string(a, &list))
        return false;
    *only = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        int w;
        for (w = 0; w < BENCH_WORKLOADS; w++)
            if (strlen(bench_workload_names[w]) == n && strncmp(bench_workload_names[w], p, n) == 0)
                break;
        if (w == BENCH_WORKLOADS) {
            fprintf(stderr,
                    "synack bench: --only takes workloads from limit,bulk,pingpong,churn,lossy,idle (got \"%.*s\")\n",
                    (int)n, p);
            return false;
        }
        *only |= 1u << w;
        p += n;
        if (*p == ',')
            p++;
    }
    if (!*only) {
        fprintf(stderr, "synack bench: --only needs at least one workload\n");
        return false;
    }
    return true;
}

struct overrides {
    uint64_t reps, corrupt, bulk_bytes, churn_count, concurrency, rounds, idle_count;
    double lossy_seconds, linux_seconds, peer_timeout;
};

static int parse(int argc, char **argv, struct bench_options *o, bool *callgrind)
{
    struct args a;
    struct overrides v;
    bool quick = false, json = false, no_peers = false, full_verify = false;
    unsigned only = 0;
    memset(&v, 0, sizeof v);
    *callgrind = false;
    args_init(&a, "synack bench", argc, argv);
    while (args_next(&a)) {
        bool ok = true;
        if (args_is_help(&a)) {
            command_print_usage(&cmd_bench);
            return ARGS_DONE;
        } else if (args_is(&a, "--quick")) {
            ok = args_switch(&a);
            quick = true;
        } else if (args_is(&a, "--json")) {
            ok = args_switch(&a);
            json = true;
        } else if (args_is(&a, "--no-peers")) {
            ok = args_switch(&a);
            no_peers = true;
        } else if (args_is(&a, "--full-verify")) {
            ok = args_switch(&a);
            full_verify = true;
        } else if (args_is(&a, "--callgrind")) {
            ok = args_switch(&a);
            *callgrind = true;
        } else if (args_is(&a, "--only")) {
            ok = parse_only(&a, &only);
        } else if (args_is(&a, "--corrupt-packet")) {
            ok = args_u64(&a, 1, UINT64_MAX, &v.corrupt);
        } else if (args_is(&a, "--reps")) {
            ok = args_u64(&a, 1, BENCH_MAX_REPS, &v.reps);
        } else if (args_is(&a, "--bulk-bytes")) {
            ok = args_u64(&a, 1, 1ull << 40, &v.bulk_bytes);
        } else if (args_is(&a, "--churn-count")) {
            ok = args_u64(&a, 1, 4000000, &v.churn_count);
        } else if (args_is(&a, "--concurrency")) {
            ok = args_u64(&a, 1, 100000, &v.concurrency);
        } else if (args_is(&a, "--rounds")) {
            ok = args_u64(&a, 1, 1000000000, &v.rounds);
        } else if (args_is(&a, "--idle-count")) {
            ok = args_u64(&a, 1, 4000000, &v.idle_count);
        } else if (args_is(&a, "--lossy-seconds")) {
            ok = args_double(&a, 0.1, 3600, &v.lossy_seconds);
        } else if (args_is(&a, "--linux-seconds")) {
            ok = args_double(&a, 1, 3600, &v.linux_seconds);
        } else if (args_is(&a, "--peer-timeout")) {
            ok = args_double(&a, 1, 86400, &v.peer_timeout);
        } else {
            return args_unknown(&a);
        }
        if (!ok)
            return EXIT_USAGE;
    }
    bench_options_defaults(o, quick);
    o->json = json;
    o->peers = !no_peers;
    o->full_verify = full_verify;
    o->only = only;
    o->corrupt_packet = v.corrupt;
    if (v.reps)
        for (int w = 0; w < BENCH_WORKLOADS; w++)
            o->reps[w] = (int)v.reps;
    if (v.bulk_bytes)
        o->bulk_bytes = v.bulk_bytes;
    if (v.churn_count)
        o->churn_count = v.churn_count;
    if (v.concurrency)
        o->churn_concurrency = (uint32_t)v.concurrency;
    if (v.rounds)
        o->pingpong_rounds = v.rounds;
    if (v.idle_count)
        o->idle_count = v.idle_count;
    if (v.lossy_seconds > 0)
        o->lossy_seconds = v.lossy_seconds;
    if (v.linux_seconds > 0)
        o->linux_bulk_seconds = v.linux_seconds;
    if (v.peer_timeout > 0)
        o->peer_timeout = v.peer_timeout;
    if (*callgrind) {
        if (!only)
            o->only = (1u << BENCH_BULK) | (1u << BENCH_CHURN);
        if (o->only & ~((1u << BENCH_BULK) | (1u << BENCH_CHURN))) {
            fprintf(stderr, "synack bench: --callgrind runs only bulk and churn\n");
            return EXIT_USAGE;
        }
        o->bulk_bytes = v.bulk_bytes ? v.bulk_bytes : CG_BULK_BYTES;
        o->churn_count = v.churn_count ? v.churn_count : CG_CHURN_COUNT;
        o->churn_concurrency = v.concurrency ? (uint32_t)v.concurrency : CG_CHURN_CONCURRENCY;
    }
    return EXIT_OK;
}

/* Small fixed runs on a virtual clock: the instruction counts of
 * bench_bulk_transfer and bench_churn_loop are the same at every run. */
static int run_callgrind(const struct bench_options *o)
{
    char err[256];
    struct json j;
    json_begin(&j, stdout);
    json_bool(&j, "virtual_clock", true);
    if (o->only & (1u << BENCH_BULK)) {
        struct bench_bulk_params p = {.bytes = o->bulk_bytes};
        struct bench_clock clk = {.virtual_time = true, .step_us = CG_CLOCK_STEP_US};
        struct bench_bulk_result r;
        if (bench_bulk(&p, &clk, &r, err, sizeof err) < 0) {
            fprintf(stderr, "synack bench: %s\n", err);
            return EXIT_FAILED;
        }
        json_u64(&j, "bulk_bytes", r.bytes);
        json_u64(&j, "bulk_packets", r.packets);
    }
    if (o->only & (1u << BENCH_CHURN)) {
        struct bench_churn_params p = {.count = o->churn_count, .concurrency = o->churn_concurrency};
        struct bench_clock clk = {.virtual_time = true, .step_us = CG_CLOCK_STEP_US};
        struct bench_churn_result r;
        if (bench_churn(&p, &clk, &r, err, sizeof err) < 0) {
            fprintf(stderr, "synack bench: %s\n", err);
            return EXIT_FAILED;
        }
        json_u64(&j, "churn_count", r.count);
        json_u64(&j, "churn_concurrency", o->churn_concurrency);
    }
    json_end(&j);
    return EXIT_OK;
}

static int bench_main(int argc, char **argv)
{
    static struct bench_options o;
    static struct bench_results r;
    bool callgrind;
    int rc = parse(argc, argv, &o, &callgrind);
    if (rc == ARGS_DONE)
        return EXIT_OK;
    if (rc != EXIT_OK)
        return rc;
    if (callgrind)
        return run_callgrind(&o);
    int failures = bench_suite_run(&o, &r, stderr);
    if (o.json)
        bench_report_json(stdout, &r);
    else
        bench_report_table(stdout, &r);
    fflush(stdout);
    return failures ? EXIT_FAILED : EXIT_OK;
}

const struct command cmd_bench = {
    .name = "bench",
    .summary = "benchmarks: synack beside lwIP and the Linux kernel",
    .usage = usage,
    .run = bench_main,
};
